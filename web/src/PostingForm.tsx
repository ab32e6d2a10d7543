import { useApolloClient } from "@apollo/client/react";
import { PayeeByNumberDocument, useAuthorizeHoldMutation, useCreditMutation, useDebitMutation, useTransferMutation, type AccountFieldsFragment } from "@solvent/client";
import { useIntent } from "./intent";
import { amountProblem, formatMoney, formatTime } from "./money";
import { Field, OutcomeView, SendingForm, useSubmission, type Answer } from "./submission";

interface PostingFields {
  amount: string;
  description: string;
  toAccountNumber: string;
  /** A hold's: as a datetime-local input gives it ("2026-12-01T10:30"), in the reader's time zone. */
  expiresAt: string;
}

/** What a form sends: its fields, the intent's key, and the version the person saw. */
type Posting = { amount: string; description?: string; idempotencyKey: string; expectedVersion?: number };

/** Where the money goes (a transfer's payee, a hold's destination) and until when a hold holds: the number and instant as given, or empty. */
type Counterpart = { toAccountNumber: string; expiresAt?: string };

interface PostingFormProps {
  title: "Credit" | "Debit" | "Transfer" | "Authorize hold";
  account: AccountFieldsFragment;
  /** Posts, and says what was done, or answers the failure. */
  post(posting: Posting, counterpart: Counterpart): Promise<Answer>;
}

const EMPTY: PostingFields = { amount: "", description: "", toAccountNumber: "", expiresAt: "" };

/**
 * A posting form (credit, debit, transfer, and a hold's authorization): the amount as the
 * decimal string typed, one idempotency key per intent (see intent.ts), and every answer said in
 * words. A VersionConflict offers to send the same intent again against the account as it now is.
 */
function PostingForm({ title, account, post }: PostingFormProps) {
  const { intent, edit, rebase, settle } = useIntent(EMPTY, account.version);
  const { outcome, sending, send, refuse, fieldError } = useSubmission(account.currency);
  const transfer = title === "Transfer";
  const hold = title === "Authorize hold";

  const submit = async ({ fields, idempotencyKey, expectedVersion } = intent) => {
    const amount = fields.amount.trim();
    const problem = amountProblem(amount);
    const toAccountNumber = fields.toAccountNumber.trim();
    const expiresAt = fields.expiresAt ? new Date(fields.expiresAt) : undefined;
    const badExpiry = expiresAt && Number.isNaN(expiresAt.getTime());
    if (problem || (transfer && !toAccountNumber) || badExpiry) {
      return refuse({
        ...(problem && { amount: problem }),
        ...(transfer && !toAccountNumber && { toAccountNumber: "Enter the account number to pay" }),
        ...(badExpiry && { expiresAt: "Enter a date and a time" }),
      });
    }
    const description = fields.description.trim() || undefined;
    settle(await send(() => post({ amount, description, idempotencyKey, expectedVersion }, { toAccountNumber, expiresAt: expiresAt?.toISOString() })));
  };
  const conflict = outcome && "failure" in outcome && outcome.answer?.__typename === "VersionConflict" ? outcome.answer : undefined;

  return (
    <SendingForm className="posting" name={title} submit={submit}>
      <h2>{title}</h2>
      {transfer || hold ? (
        <Field
          label={transfer ? "To account number" : "Destination account number (optional)"}
          inputMode="numeric"
          value={intent.fields.toAccountNumber}
          error={fieldError("toAccountNumber") ?? fieldError("destinationAccountId")}
          onChange={(e) => edit({ toAccountNumber: e.target.value })}
        />
      ) : null}
      <Field label="Amount" inputMode="decimal" autoComplete="off" value={intent.fields.amount} error={fieldError("amount")} onChange={(e) => edit({ amount: e.target.value })} />
      {hold ? (
        <Field label="Expires at (optional)" type="datetime-local" value={intent.fields.expiresAt} error={fieldError("expiresAt")} onChange={(e) => edit({ expiresAt: e.target.value })} />
      ) : null}
      <Field label="Description" value={intent.fields.description} error={fieldError("description")} onChange={(e) => edit({ description: e.target.value })} />
      <button type="submit" disabled={sending}>
        {title}
      </button>
      <OutcomeView outcome={outcome}>
        {conflict ? (
          <button type="button" disabled={sending} onClick={() => void submit(rebase(conflict.currentVersion))}>
            Send again against the new balance
          </button>
        ) : null}
      </OutcomeView>
    </SendingForm>
  );
}

/** What a replayed success adds: the key's first answer came back, and nothing was posted (or held, ...) again. */
export const repeat = (replayed: boolean, done = "posted") => (replayed ? ` It had already gone through: nothing was ${done} again.` : "");

/** Credits (staff) or debits the account. */
export function OwnPostingForm({ account, title }: { account: AccountFieldsFragment; title: "Credit" | "Debit" }) {
  const [credit] = useCreditMutation();
  const [debit] = useDebitMutation();
  const post = async (posting: Posting): Promise<Answer> => {
    const variables = { input: { accountId: account.id, ...posting } };
    const answer = title === "Credit" ? (await credit({ variables })).data!.credit : (await debit({ variables })).data!.debit;
    if (answer.__typename !== "PostingSuccess") return answer;
    return `${title === "Credit" ? "Credited" : "Debited"} ${formatMoney(answer.transaction.amount, account.currency)}.${repeat(answer.replayed)}`;
  };
  return <PostingForm title={title} account={account} post={post} />;
}

/** Pays an account by its number: a customer may pay one she cannot read. */
export function TransferForm({ account }: { account: AccountFieldsFragment }) {
  const [transfer] = useTransferMutation();
  const post = async ({ expectedVersion, ...posting }: Posting, { toAccountNumber }: Counterpart): Promise<Answer> => {
    const input = { fromAccountId: account.id, toAccountNumber, expectedFromVersion: expectedVersion, ...posting };
    const answer = (await transfer({ variables: { input } })).data!.transfer;
    if (answer.__typename !== "TransferSuccess") return answer;
    return `Transferred ${formatMoney(answer.debit.amount, account.currency)} to ${answer.to.accountNumber}.${repeat(answer.replayed)}`;
  };
  return <PostingForm title="Transfer" account={account} post={post} />;
}

/**
 * Reserves money on the account (staff): out of the available balance until captured or
 * released. Captures go to the destination, named by its number, when one is given; else out
 * of the ledger.
 */
export function AuthorizeHoldForm({ account }: { account: AccountFieldsFragment }) {
  const client = useApolloClient();
  const [authorizeHold] = useAuthorizeHoldMutation();
  const post = async (posting: Posting, { toAccountNumber, expiresAt }: Counterpart): Promise<Answer> => {
    let destinationAccountId: string | undefined;
    if (toAccountNumber) {
      const { data } = await client.query({ query: PayeeByNumberDocument, variables: { accountNumber: toAccountNumber }, fetchPolicy: "network-only" });
      destinationAccountId = data?.account?.id;
      if (!destinationAccountId) {
        const violations = [{ __typename: "FieldViolation" as const, path: ["input", "destinationAccountId"], message: "No account has this number" }];
        return { __typename: "ValidationFailed", code: "VALIDATION_FAILED", message: "no such destination", violations };
      }
    }
    const input = { accountId: account.id, destinationAccountId, expiresAt, ...posting };
    const answer = (await authorizeHold({ variables: { input } })).data!.authorizeHold;
    if (answer.__typename !== "HoldSuccess") return answer;
    const to = answer.hold.destination ? ` for ${answer.hold.destination.accountNumber}` : "";
    return `Held ${formatMoney(answer.hold.amount, account.currency)}${to} until ${formatTime(answer.hold.expiresAt)}.${repeat(answer.replayed, "held")}`;
  };
  return <PostingForm title="Authorize hold" account={account} post={post} />;
}
