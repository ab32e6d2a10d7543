import { useState } from "react";
import { useFragment } from "@apollo/client/react";
import {
  HoldFieldsFragmentDoc,
  useAccountHoldsQuery,
  useCaptureHoldMutation,
  useVoidHoldMutation,
  type AccountFieldsFragment,
  type HoldFieldsFragment,
  type HoldStatus,
} from "@solvent/client";
import { useIntent } from "./intent";
import { requestFailureMessage } from "./messages";
import { amountProblem, formatMoney, formatTime } from "./money";
import { repeat } from "./PostingForm";
import { StatusFilter } from "./StatusFilter";
import { Field, OutcomeView, SendingForm, useSubmission } from "./submission";

const STATUSES: HoldStatus[] = ["PENDING", "CAPTURED", "VOIDED", "EXPIRED"];

interface HoldsProps {
  account: AccountFieldsFragment;
  pageSize: number;
  /** Whether the caller may capture and void (staff). */
  mayManage: boolean;
}

/**
 * An account's holds, newest first, a page at a time, of one status or all. Staff pick a pending
 * one to capture or void. The cache files what the page's own mutations change (see the client's
 * cache.ts); changes made elsewhere show when the account page reads the list again.
 */
export function Holds({ account, pageSize, mayManage }: HoldsProps) {
  const [status, setStatus] = useState<HoldStatus | "">("");
  const [selected, setSelected] = useState<string>();
  const { data, error, fetchMore } = useAccountHoldsQuery({
    variables: { id: account.id, first: pageSize, status: status || undefined },
    fetchPolicy: "cache-and-network",
  });
  const holds = data?.account?.holds;
  const money = (amount: string) => formatMoney(amount, account.currency);

  return (
    <section aria-label="Holds">
      <h2>Holds</h2>
      <StatusFilter label="Hold status" statuses={STATUSES} value={status} onChange={setStatus} />
      {error ? <p role="alert">{requestFailureMessage(error)}</p> : null}
      <table>
        <thead>
          <tr>
            <th>Time</th>
            <th>Status</th>
            <th className="money">Amount</th>
            <th className="money">Remaining</th>
            <th className="money">Captured</th>
            <th>Expires at</th>
            <th>Destination</th>
            <th>Description</th>
            {mayManage ? <th>Actions</th> : null}
          </tr>
        </thead>
        <tbody>
          {holds?.edges.map(({ node: hold }) => (
            <tr key={hold.id} className={hold.id === selected ? "selected" : undefined}>
              <td>{formatTime(hold.createdAt)}</td>
              <td>{hold.status.toLowerCase()}</td>
              <td className="money">{money(hold.amount)}</td>
              <td className="money">{money(hold.remainingAmount)}</td>
              <td className="money">{money(hold.capturedAmount)}</td>
              <td>{formatTime(hold.expiresAt)}</td>
              <td>{hold.destination?.accountNumber ?? "out of the ledger"}</td>
              <td>{hold.description}</td>
              {mayManage ? (
                <td>
                  {hold.status === "PENDING" ? (
                    <button type="button" onClick={() => setSelected(hold.id)}>
                      Capture or void
                    </button>
                  ) : null}
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
      {holds && !holds.edges.length ? <p>No holds.</p> : null}
      {holds?.pageInfo.hasNextPage ? (
        <button type="button" onClick={() => void fetchMore({ variables: { after: holds.pageInfo.endCursor } })}>
          Load more
        </button>
      ) : null}
      {selected ? <SelectedHold key={selected} id={selected} currency={account.currency} close={() => setSelected(undefined)} /> : null}
    </section>
  );
}

/**
 * The hold picked in the list, as the cache has it now (whichever list still shows it), with
 * its capture and void: each its own intent, so that a second click or a retry replays the first.
 */
function SelectedHold({ id, currency, close }: { id: string; currency: string; close: () => void }) {
  const { data: hold, complete } = useFragment({ fragment: HoldFieldsFragmentDoc, from: { __typename: "Hold", id } });
  if (!complete) return null;
  const money = (amount: string) => formatMoney(amount, currency);
  return (
    <section aria-label="Selected hold" className="selected-hold">
      <h3>
        Hold of {money(hold.amount)}: {hold.status.toLowerCase()}, {money(hold.remainingAmount)} remaining
      </h3>
      <div className="forms">
        <CaptureForm hold={hold} currency={currency} />
        <VoidForm hold={hold} currency={currency} />
      </div>
      <button type="button" onClick={close}>
        Close
      </button>
    </section>
  );
}

/** Captures some or all of what a hold has left; final (the default) releases the rest. */
function CaptureForm({ hold, currency }: { hold: HoldFieldsFragment; currency: string }) {
  const [captureHold] = useCaptureHoldMutation();
  const { intent, edit, settle } = useIntent({ amount: "", final: true });
  const { outcome, sending, send, refuse, fieldError } = useSubmission(currency);
  const money = (amount: string) => formatMoney(amount, currency);

  const submit = async () => {
    const amount = intent.fields.amount.trim();
    const problem = amount ? amountProblem(amount) : undefined;
    if (problem) return refuse({ amount: problem });
    const input = { holdId: hold.id, amount: amount || undefined, final: intent.fields.final, idempotencyKey: intent.idempotencyKey };
    const result = await send(async () => {
      const answer = (await captureHold({ variables: { input } })).data!.captureHold;
      if (answer.__typename !== "CaptureHoldSuccess") return answer;
      const left = answer.hold.status === "PENDING" ? `${money(answer.hold.remainingAmount)} is still held.` : "The hold is closed.";
      return `Captured ${money(answer.debit.amount)}. ${left}${repeat(answer.replayed, "captured")}`;
    });
    settle(result);
  };

  return (
    <SendingForm name="Capture" submit={submit}>
      <h4>Capture</h4>
      <Field
        label="Amount (empty: all that remains)"
        inputMode="decimal"
        autoComplete="off"
        value={intent.fields.amount}
        error={fieldError("amount")}
        onChange={(e) => edit({ amount: e.target.value })}
      />
      <label className="check">
        <input type="checkbox" checked={intent.fields.final} onChange={(e) => edit({ final: e.target.checked })} /> Final: release what is not captured
      </label>
      <button type="submit" disabled={sending || hold.status !== "PENDING"}>
        Capture
      </button>
      <OutcomeView outcome={outcome} />
    </SendingForm>
  );
}

/** Releases all a hold has left; the reason goes with the request (the server keeps no copy). */
function VoidForm({ hold, currency }: { hold: HoldFieldsFragment; currency: string }) {
  const [voidHold] = useVoidHoldMutation();
  const { intent, edit, settle } = useIntent({ reason: "" });
  const { outcome, sending, send, fieldError } = useSubmission(currency);
  const release = async () => {
    const input = { holdId: hold.id, reason: intent.fields.reason.trim() || undefined, idempotencyKey: intent.idempotencyKey };
    const voided = async () => {
      const answer = (await voidHold({ variables: { input } })).data!.voidHold;
      return answer.__typename === "HoldSuccess" ? `Voided: what the hold had left is available again.${repeat(answer.replayed, "voided")}` : answer;
    };
    settle(await send(voided));
  };
  return (
    <SendingForm name="Void" submit={release}>
      <h4>Void</h4>
      <Field label="Reason (optional)" value={intent.fields.reason} error={fieldError("reason")} onChange={(e) => edit({ reason: e.target.value })} />
      <button type="submit" disabled={sending || hold.status !== "PENDING"}>
        Void
      </button>
      <OutcomeView outcome={outcome} />
    </SendingForm>
  );
}
