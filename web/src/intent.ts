import { useState } from "react";
import type { Answer } from "./submission";

/** A fresh idempotency key. getRandomValues, not randomUUID, which pages served over plain http (but to localhost) lack. */
const newKey = () => `console-${Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("")}`;

/** What a person means to do: a form's inputs, and what the page showed when they last changed them. */
export interface Intent<F> {
  fields: F;
  /**
   * One key per intent, kept through failures and retries until it succeeds or the inputs
   * change: whatever became of an attempt (a double click, a lost answer, a retry after a
   * network error), sending again posts at most once, since the server replays a key's success.
   */
  idempotencyKey: string;
  /**
   * The account's version when the person last changed the inputs: the balance they decided
   * against. Sent as expectedVersion, so that a change by anyone else since (shown live on the
   * page) is a VersionConflict to confirm rather than a posting they did not see coming.
   */
  expectedVersion?: number;
}

/** The intent behind a form of `empty` fields on an account now at `shownVersion`. */
export function useIntent<F>(empty: F, shownVersion?: number) {
  const fresh = (fields: F): Intent<F> => ({ fields, idempotencyKey: newKey(), expectedVersion: shownVersion });
  const [intent, setIntent] = useState(() => fresh(empty));
  return {
    intent,
    edit: (change: Partial<F>) => setIntent(fresh({ ...intent.fields, ...change })),
    /** The same intent, confirmed against the account's newer version: the same key. */
    rebase: (expectedVersion: number) => {
      const confirmed = { ...intent, expectedVersion };
      setIntent(confirmed);
      return confirmed;
    },
    /**
     * After an answer: a success ends the intent (what comes next is another one); a key spent on
     * another request (IdempotencyKeyReused) is replaced; any other failure keeps the key.
     */
    settle: (answer: Answer | undefined) => {
      if (typeof answer === "string") setIntent(fresh(empty));
      else if (answer?.__typename === "IdempotencyKeyReused") setIntent({ ...intent, idempotencyKey: newKey() });
    },
  };
}
