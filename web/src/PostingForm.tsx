import { useCreditMutation, useDebitMutation, useTransferMutation, type AccountFieldsFragment } from "@solvent/client";
import { useIntent } from "./intent";
import { amountProblem, formatMoney } from "./money";
import { Field, OutcomeView, useSubmission, type Answer } from "./submission";

interface PostingFields {
  amount: string;
  description: string;
  toAccountNumber: string;
}

/** What a form sends: its fields, the intent's key, and the version the person saw. */
type Posting = { amount: string; description?: string; idempotencyKey: string; expectedVersion?: number };

interface PostingFormProps {
  title: "Credit" | "Debit" | "Transfer";
  account: AccountFieldsFragment;
  /** Posts, and says what was done, or answers the failure. */
  post(posting: Posting, toAccountNumber: string): Promise<Answer>;
}

const EMPTY: PostingFields = { amount: "", description: "", toAccountNumber: "" };

/**
 * A posting form (credit, debit, transfer): the amount as the decimal string typed, one
 * idempotency key per intent (see intent.ts), and every answer said in words. A VersionConflict
 * offers to send the same intent again against the account as it now is.
 */
function PostingForm({ title, account, post }: PostingFormProps) {
  const { intent, edit, rebase, settle } = useIntent(EMPTY, account.version);
  const { outcome, sending, send, refuse, fieldError } = useSubmission(account.currency);
  const transfer = title === "Transfer";

  const submit = async ({ fields, idempotencyKey, expectedVersion } = intent) => {
    const amount = fields.amount.trim();
    const problem = amountProblem(amount);
    const toAccountNumber = fields.toAccountNumber.trim();
    if (problem || (transfer && !toAccountNumber)) {
      return refuse({ ...(problem && { amount: problem }), ...(transfer && !toAccountNumber && { toAccountNumber: "Enter the account number to pay" }) });
    }
    const description = fields.description.trim() || undefined;
    settle(await send(() => post({ amount, description, idempotencyKey, expectedVersion }, toAccountNumber)));
  };
  const conflict = outcome && "failure" in outcome && outcome.answer?.__typename === "VersionConflict" ? outcome.answer : undefined;

  return (
    <form
      className="posting"
      aria-label={title}
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <h2>{title}</h2>
      {transfer ? (
        <Field label="To account number" inputMode="numeric" value={intent.fields.toAccountNumber} error={fieldError("toAccountNumber")} onChange={(e) => edit({ toAccountNumber: e.target.value })} />
      ) : null}
      <Field label="Amount" inputMode="decimal" autoComplete="off" value={intent.fields.amount} error={fieldError("amount")} onChange={(e) => edit({ amount: e.target.value })} />
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
    </form>
  );
}

/** What a replayed success adds: the key's first answer came back, and nothing was posted again. */
const repeat = (replayed: boolean) => (replayed ? " It had already gone through: nothing was posted again." : "");

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
  const post = async ({ expectedVersion, ...posting }: Posting, toAccountNumber: string): Promise<Answer> => {
    const input = { fromAccountId: account.id, toAccountNumber, expectedFromVersion: expectedVersion, ...posting };
    const answer = (await transfer({ variables: { input } })).data!.transfer;
    if (answer.__typename !== "TransferSuccess") return answer;
    return `Transferred ${formatMoney(answer.debit.amount, account.currency)} to ${answer.to.accountNumber}.${repeat(answer.replayed)}`;
  };
  return <PostingForm title="Transfer" account={account} post={post} />;
}
