import { useRef } from "react";
import {
  useAccountActivitySubscription,
  useAccountQuery,
  useAccountUpdatedSubscription,
  useUpdateAccountMutation,
  type AccountFieldsFragment,
  type AccountStatus,
} from "@solvent/client";
import { History } from "./History";
import { Holds } from "./Holds";
import { requestFailureMessage } from "./messages";
import { formatMoney } from "./money";
import { AuthorizeHoldForm, OwnPostingForm, TransferForm } from "./PostingForm";
import { may, type Session } from "./session";
import { OutcomeView, useSubmission } from "./submission";

export const PAGE_SIZE = 20;

/**
 * One account: its balances, version and status kept live by the subscriptions (a posting by
 * anyone, in any tab or server process, shows at once), the forms the role may use, its holds
 * and its history newest first.
 */
export function AccountPage({ id, session }: { id: string; session: Session }) {
  // From the cache at once, then from the server: the subscriptions bring only what happens while the page is open.
  const { data, error, fetchMore } = useAccountQuery({ variables: { id, first: PAGE_SIZE }, fetchPolicy: "cache-and-network" });
  // The held balance this page last showed: one that changes without this page's doing is a hold made or released elsewhere.
  const shownHeld = useRef<string>(undefined);
  shownHeld.current = data?.account?.heldBalance;
  // The cache files what they bring: the account by id, each posting at the top of its history.
  useAccountUpdatedSubscription({
    variables: { accountId: id },
    // Holds are not announced, only the account they change: read the lists again (this page's own changes are filed already).
    onData: ({ client, data: change }) => {
      if (change.data && change.data.accountUpdated.heldBalance !== shownHeld.current) void client.refetchQueries({ include: ["AccountHolds"] });
    },
  });
  useAccountActivitySubscription({ variables: { accountId: id } });

  if (error) return <p role="alert">{requestFailureMessage(error)}</p>;
  if (!data) return <p>Loading…</p>;
  const { account } = data;
  if (!account) return <p role="alert">There is no such account, or it is not yours to see.</p>;
  const { pageInfo } = account.transactions;

  return (
    <article>
      <h1>Account {account.accountNumber}</h1>
      <p>
        {account.customerName} · {account.type.toLowerCase()} · {account.currency}
      </p>
      <dl className="figures">
        <dt id="balance">Balance</dt>
        <dd aria-labelledby="balance" className="balance">
          {formatMoney(account.balance, account.currency)}
        </dd>
        <dt id="available">Available</dt>
        <dd aria-labelledby="available">{formatMoney(account.availableBalance, account.currency)}</dd>
        <dt id="held">Held</dt>
        <dd aria-labelledby="held">{formatMoney(account.heldBalance, account.currency)}</dd>
        <dt id="version">Version</dt>
        <dd aria-labelledby="version">{account.version}</dd>
        <dt id="status">Status</dt>
        <dd aria-labelledby="status">{account.status.toLowerCase()}</dd>
      </dl>
      <StatusActions account={account} session={session} />
      <div className="forms">
        {may(session, "credit") ? <OwnPostingForm title="Credit" account={account} /> : null}
        {may(session, "debit") ? <OwnPostingForm title="Debit" account={account} /> : null}
        {may(session, "transfer") ? <TransferForm account={account} /> : null}
        {may(session, "hold") ? <AuthorizeHoldForm account={account} /> : null}
      </div>
      <Holds account={account} pageSize={PAGE_SIZE} mayManage={may(session, "hold")} />
      <History
        transactions={account.transactions.edges.map((edge) => edge.node)}
        currency={account.currency}
        mayReverse={may(session, "reverse")}
        more={pageInfo.hasNextPage ? () => fetchMore({ variables: { after: pageInfo.endCursor } }) : undefined}
      />
    </article>
  );
}

/** Freezing (staff) and unfreezing (admins): guarded by the version shown, like the postings. */
function StatusActions({ account, session }: { account: AccountFieldsFragment; session: Session }) {
  const [updateAccount] = useUpdateAccountMutation();
  const { outcome, sending, send } = useSubmission(account.currency);
  const change = (status: AccountStatus, done: string) =>
    send(async () => {
      const answer = (await updateAccount({ variables: { input: { accountId: account.id, expectedVersion: account.version, status } } })).data!.updateAccount;
      return answer.__typename === "UpdateAccountSuccess" ? done : answer;
    });
  const action =
    account.status === "ACTIVE" && may(session, "freeze") ? (
      <button type="button" disabled={sending} onClick={() => void change("FROZEN", "The account is frozen: it takes no postings.")}>
        Freeze
      </button>
    ) : account.status === "FROZEN" && may(session, "unfreeze") ? (
      <button type="button" disabled={sending} onClick={() => void change("ACTIVE", "The account is active again.")}>
        Unfreeze
      </button>
    ) : null;
  if (!action) return null;
  return (
    <div className="status-actions">
      {action}
      <OutcomeView outcome={outcome} />
    </div>
  );
}
