import { useId, useState, type InputHTMLAttributes, type ReactNode } from "react";
import type { UserErrorFieldsFragment } from "@solvent/client";
import { failureMessage, fieldErrors, requestFailureMessage } from "./messages";

/** What came of sending a form: a success sentence, or a failure with the fields it marks. */
export type Outcome = { success: string } | { failure: string; fields: Record<string, string>; answer?: UserErrorFieldsFragment };

/** An attempt's answer: a success sentence, or the business failure the server answered with. */
export type Answer = string | UserErrorFieldsFragment;

/**
 * Sends a form and keeps what came of it. A request that fails as a whole (a top-level error,
 * no answer) is a failure too; the answer is handed back, for the intent to be settled.
 */
export function useSubmission(currency: string) {
  const [outcome, setOutcome] = useState<Outcome>();
  const [sending, setSending] = useState(false);
  const send = async (attempt: () => Promise<Answer>): Promise<Answer | undefined> => {
    setSending(true);
    setOutcome(undefined);
    try {
      const answer = await attempt();
      setOutcome(typeof answer === "string" ? { success: answer } : { failure: failureMessage(answer, currency), fields: fieldErrors(answer), answer });
      return answer;
    } catch (error) {
      setOutcome({ failure: requestFailureMessage(error), fields: {} });
      return undefined;
    } finally {
      setSending(false);
    }
  };
  /** Refuses the form before sending: these fields are wrong. */
  const refuse = (fields: Record<string, string>) => setOutcome({ failure: "Nothing was sent: correct the marked fields.", fields });
  const fieldError = (name: string) => (outcome && "failure" in outcome ? outcome.fields[name] : undefined);
  return { outcome, sending, send, refuse, fieldError };
}

/** The outcome where assistive technology announces it: a success as a status, a failure as an alert. */
export function OutcomeView({ outcome, children }: { outcome?: Outcome; children?: ReactNode }) {
  return (
    <>
      <p role="status">{outcome && "success" in outcome ? outcome.success : null}</p>
      <div role="alert">
        {outcome && "failure" in outcome ? (
          <>
            <p>{outcome.failure}</p>
            {children}
          </>
        ) : null}
      </div>
    </>
  );
}

/** A labelled input that shows its error beside it and says so to assistive technology. */
export function Field({ label, error, ...input }: { label: string; error?: string } & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} aria-invalid={error ? true : undefined} aria-describedby={error ? `${id}-error` : undefined} {...input} />
      {error ? (
        <span id={`${id}-error`} className="field-error">
          {error}
        </span>
      ) : null}
    </div>
  );
}

/** A form that sends with `submit` (its errors its own, see useSubmission), neither checked by the browser nor loading a page. */
export function SendingForm({ name, submit, className, children }: { name: string; submit: () => Promise<unknown>; className?: string; children: ReactNode }) {
  return (
    <form
      className={className}
      aria-label={name}
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      {children}
    </form>
  );
}
