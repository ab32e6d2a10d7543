import { useReverseTransactionMutation, type TransactionFieldsFragment } from "@solvent/client";
import { useIntent } from "./intent";
import { formatMoney, formatTime } from "./money";
import { OutcomeView, useSubmission } from "./submission";

interface HistoryProps {
  transactions: TransactionFieldsFragment[];
  currency: string;
  mayReverse: boolean;
  /** Loads the next page; absent on the last one. */
  more?: () => Promise<unknown>;
}

/** An account's postings, newest first, a page at a time. */
export function History({ transactions, currency, mayReverse, more }: HistoryProps) {
  return (
    <section aria-label="History">
      <h2>History</h2>
      <table>
        <thead>
          <tr>
            <th>Time</th>
            <th>Kind</th>
            <th>Description</th>
            <th className="money">Amount</th>
            <th className="money">Balance after</th>
            <th>Status</th>
            {mayReverse ? <th>Actions</th> : null}
          </tr>
        </thead>
        <tbody>
          {transactions.map((transaction) => (
            <tr key={transaction.id}>
              <td>{formatTime(transaction.createdAt)}</td>
              <td>{transaction.kind.toLowerCase()}</td>
              <td>{transaction.description}</td>
              <td className="money">{formatMoney(`${transaction.type === "DEBIT" ? "-" : ""}${transaction.amount}`, currency)}</td>
              <td className="money">{formatMoney(transaction.balanceAfter, currency)}</td>
              <td>{transaction.status.toLowerCase()}</td>
              {mayReverse ? <td>{transaction.status === "POSTED" && transaction.kind !== "REVERSAL" ? <Reverse transaction={transaction} currency={currency} /> : null}</td> : null}
            </tr>
          ))}
        </tbody>
      </table>
      {more ? (
        <button type="button" onClick={() => void more()}>
          Load more
        </button>
      ) : null}
    </section>
  );
}

/** Reverses one posting (admins): its own intent, so that a second click replays the first. */
function Reverse({ transaction, currency }: { transaction: TransactionFieldsFragment; currency: string }) {
  const [reverseTransaction] = useReverseTransactionMutation();
  const { intent, settle } = useIntent({});
  const { outcome, sending, send } = useSubmission(currency);
  const reverse = async () => {
    const input = { transactionId: transaction.id, idempotencyKey: intent.idempotencyKey };
    const answer = await send(async () => {
      const result = (await reverseTransaction({ variables: { input } })).data!.reverseTransaction;
      return result.__typename === "ReverseTransactionSuccess" ? "Reversed." : result;
    });
    settle(answer);
  };
  return (
    <>
      <button type="button" disabled={sending} onClick={() => void reverse()}>
        Reverse
      </button>
      <OutcomeView outcome={outcome} />
    </>
  );
}
