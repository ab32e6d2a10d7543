import { useState } from "react";
import { useAccountsQuery, type AccountStatus } from "@solvent/client";
import { PAGE_SIZE } from "./AccountPage";
import { requestFailureMessage } from "./messages";
import { formatMoney } from "./money";
import { OpenAccount } from "./OpenAccount";
import { accountHref } from "./route";
import { may, type Session } from "./session";
import { StatusFilter } from "./StatusFilter";

const STATUSES: AccountStatus[] = ["ACTIVE", "FROZEN", "CLOSED"];

/** The accounts the caller may see (a customer's own), newest first, filtered by status. */
export function Accounts({ session }: { session: Session }) {
  const [status, setStatus] = useState<AccountStatus | "">("");
  // From the cache at once, then from the server: accounts are opened by others too, and the cache learns of no new one.
  const { data, error, fetchMore } = useAccountsQuery({ variables: { first: PAGE_SIZE, filter: status ? { status } : undefined }, fetchPolicy: "cache-and-network" });
  const { pageInfo } = data?.accounts ?? {};

  return (
    <article>
      <h1>Accounts</h1>
      <div className="toolbar">
        {may(session, "openAccount") ? <OpenAccount /> : null}
        <StatusFilter label="Status" statuses={STATUSES} value={status} onChange={setStatus} />
      </div>
      {error ? <p role="alert">{requestFailureMessage(error)}</p> : null}
      <table>
        <thead>
          <tr>
            <th>Account number</th>
            <th>Customer</th>
            <th>Type</th>
            <th>Currency</th>
            <th className="money">Balance</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {data?.accounts.edges.map(({ node: account }) => (
            <tr key={account.id}>
              <td>
                <a href={accountHref(account.id)}>{account.accountNumber}</a>
              </td>
              <td>{account.customerName}</td>
              <td>{account.type.toLowerCase()}</td>
              <td>{account.currency}</td>
              <td className="money">{formatMoney(account.balance, account.currency)}</td>
              <td>{account.status.toLowerCase()}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {data && !data.accounts.edges.length ? <p>No accounts.</p> : null}
      {pageInfo?.hasNextPage ? (
        <button type="button" onClick={() => void fetchMore({ variables: { after: pageInfo.endCursor } })}>
          Load more
        </button>
      ) : null}
    </article>
  );
}
