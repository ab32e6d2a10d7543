import { useState } from "react";
import { useOpenAccountMutation, type AccountType } from "@solvent/client";
import { useIntent } from "./intent";
import { amountProblem } from "./money";
import { accountHref } from "./route";
import { Field, OutcomeView, SendingForm, useSubmission } from "./submission";

const EMPTY = { customerName: "", type: "CHECKING" as AccountType, currency: "USD", initialDeposit: "" };

/** Opens an account (admins), with an optional opening deposit; on success its page opens. */
export function OpenAccount() {
  const [open, setOpen] = useState(false);
  const [openAccount] = useOpenAccountMutation();
  const { intent, edit, settle } = useIntent(EMPTY);
  const { fields } = intent;
  const { outcome, sending, send, refuse, fieldError } = useSubmission(fields.currency);

  if (!open) {
    return (
      <button type="button" onClick={() => setOpen(true)}>
        Open account
      </button>
    );
  }
  const submit = async () => {
    const initialDeposit = fields.initialDeposit.trim() || undefined;
    const problem = initialDeposit && amountProblem(initialDeposit);
    if (problem) return refuse({ initialDeposit: problem });
    const input = { ...fields, initialDeposit, idempotencyKey: intent.idempotencyKey };
    const answer = await send(async () => {
      const result = (await openAccount({ variables: { input } })).data!.openAccount;
      if (result.__typename !== "OpenAccountSuccess") return result;
      window.location.hash = accountHref(result.account.id);
      return `Opened account ${result.account.accountNumber}.`;
    });
    settle(answer);
  };
  return (
    <SendingForm name="Open account" submit={submit}>
      <h2>Open account</h2>
      <Field label="Customer name" value={fields.customerName} error={fieldError("customerName")} onChange={(e) => edit({ customerName: e.target.value })} />
      <div className="field">
        <label>
          Type{" "}
          <select value={fields.type} onChange={(e) => edit({ type: e.target.value as AccountType })}>
            <option value="CHECKING">checking</option>
            <option value="SAVINGS">savings</option>
          </select>
        </label>
      </div>
      <Field label="Currency" value={fields.currency} error={fieldError("currency")} onChange={(e) => edit({ currency: e.target.value.toUpperCase() })} />
      <Field label="Opening deposit" inputMode="decimal" value={fields.initialDeposit} error={fieldError("initialDeposit")} onChange={(e) => edit({ initialDeposit: e.target.value })} />
      <button type="submit" disabled={sending}>
        Open
      </button>
      <OutcomeView outcome={outcome} />
    </SendingForm>
  );
}
