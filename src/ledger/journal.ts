import { Prisma } from "../db/generated/prisma/client";
import type { Account, JournalEntry, Transaction, TransactionKind, TransactionType } from "../db/generated/prisma/client";
import type { Db } from "../db/client";
import type { Sql } from "../db/sql";
import type { Caller } from "./caller";
import type { Currencies } from "./currencies";
import { fail, type Failure } from "./failures";
import { runIdempotent, type IdempotencyClaim } from "./idempotency";
import { MAX_BALANCE_MINOR } from "./money";
import { pickAccount, pickJournalEntry, pickTransaction, selectAccount, selectJournalEntry, selectTransaction } from "./rows";

/** One line of an entry on one account; the settlement line is what the lines add up to. */
export interface Line {
  accountId: string;
  type: TransactionType;
  amount: bigint;
  /** When given, the entry applies only if this account is still at this version. */
  expectedVersion?: number | null;
}

/** What a write asks for: new lines, or the reversal of the entry a transaction belongs to (its lines turned around). */
export type Draft = {
  kind: TransactionKind;
  /** Recorded on the first line: a reference is unique per owner. */
  reference?: string | null;
  description?: string | null;
  metadata?: Record<string, unknown> | null;
} & ({ lines: Line[]; reverses?: undefined } | { lines?: undefined; reverses: string });

/** A line as written, with its account right after the entry. */
export interface Posted {
  transaction: Transaction;
  account: Account;
}

export interface Written {
  outcome: "Written";
  entry: JournalEntry;
  /** In the order of the draft's lines (for a reversal, of the original's lines by id). */
  lines: Posted[];
}

/**
 * The one write path of money. `write` is one statement (post_entry, in the
 * journal migration) that locks the entry's accounts in id order, applies
 * every line or none, and stores the idempotency key with the entry; when it
 * refuses, it says why in the same round trip, and `refusal` turns that into
 * the failure the API answers with.
 */
export class Journal {
  constructor(
    private readonly db: Db,
    private readonly sql: Sql,
    private readonly currencies: Currencies,
  ) {}

  /**
   * Writes the entry once per idempotency key and answers with `answer`; a
   * retry of a success is answered from the entry the first request wrote
   * (replayed), whatever the accounts look like now.
   */
  post<S extends object>(
    caller: Caller,
    draft: Draft,
    claim: IdempotencyClaim,
    answer: (written: Written, replayed: boolean) => S | Promise<S>,
  ) {
    return runIdempotent(
      this.db,
      claim,
      async () => {
        const written = await this.write(caller, draft, claim);
        return written.outcome === "Written" ? answer(written, false) : written;
      },
      async (prior) => answer(await this.read(prior.journalEntryId!), true),
      draft.reference,
    );
  }

  private async write(caller: Caller, draft: Draft, claim: IdempotencyClaim): Promise<Written | Failure> {
    const lines = draft.lines ?? [];
    const rows = await this.sql.query(Prisma.sql`
      SELECT r.refusal, r.line, r.amount, ${selectAccount("(r.account)")}, ${selectTransaction("(r.posting)")},
             ${selectJournalEntry("(r.entry)")}
        FROM post_entry(${draft.kind}::"TransactionKind", ${lines.map((l) => l.accountId)}::uuid[],
                        ${lines.map((l) => l.type)}::"TransactionType"[], ${lines.map((l) => l.amount)}::bigint[],
                        ${lines.map((l) => l.expectedVersion ?? null)}::int[], ${draft.reference ?? null}, ${draft.description ?? null},
                        ${jsonParam(draft.metadata)}::jsonb, ${caller.subject}, ${draft.reverses ?? null}::uuid,
                        ${claim.scope}, ${claim.key}, ${claim.operation}, ${claim.fingerprint}, NULL) r`);
    const first = rows[0];
    if (first.refusal !== null) {
      const line = first.line === null ? undefined : lines[(first.line as number) - 1];
      const amount = first.amount === null ? 0n : BigInt(first.amount as string);
      return this.refusal(first.refusal as string, first.a_id ? pickAccount(first) : null, amount, line, draft.reverses);
    }
    return {
      outcome: "Written",
      entry: pickJournalEntry(first),
      lines: rows.map((row) => ({ account: pickAccount(row), transaction: pickTransaction(row) })),
    };
  }

  /** An entry as it was written, its accounts as they are now (the answer to a replayed request). */
  private async read(entryId: string): Promise<Written> {
    const rows = await this.sql.query(Prisma.sql`
      SELECT ${selectJournalEntry("e")}, ${selectTransaction("t")}, ${selectAccount("a")}
        FROM journal_entries e
        JOIN transactions t ON t.journal_entry_id = e.id
        JOIN accounts a ON a.id = t.account_id
       WHERE e.id = ${entryId}::uuid
       ORDER BY t.id`);
    if (rows.length === 0) throw new Error(`journal entry ${entryId} has no lines`);
    return {
      outcome: "Written",
      entry: pickJournalEntry(rows[0]),
      lines: rows.map((row) => ({ account: pickAccount(row), transaction: pickTransaction(row) })),
    };
  }

  /** Why post_entry wrote nothing, as the API says it. */
  private refusal(code: string, account: Account | null, amount: bigint, line: Line | undefined, reverses?: string): Failure {
    const format = (minor: bigint) => this.currencies.format(minor, account!.currency);
    switch (code) {
      case "ACCOUNT_NOT_FOUND":
        return fail.accountNotFound(line!.accountId);
      case "ACCOUNT_NOT_ACTIVE":
        return fail.accountNotActive(account!.id, account!.status);
      case "VERSION_CONFLICT":
        return fail.versionConflict(account!.id, line!.expectedVersion!, account!.version, format(account!.balance));
      case "INSUFFICIENT_FUNDS":
        return fail.insufficientFunds(account!.id, format(account!.balance), format(amount));
      case "BALANCE_LIMIT_EXCEEDED":
        return fail.balanceLimitExceeded(account!.id, format(MAX_BALANCE_MINOR));
      case "TRANSACTION_NOT_FOUND":
        return fail.transactionNotFound(reverses!);
      case "ALREADY_REVERSED":
        return fail.alreadyReversed(reverses!);
      default:
        throw new Error(`post_entry refused with an unknown reason ${code}`);
    }
  }
}

export function jsonParam(value: Record<string, unknown> | null | undefined): string | null {
  return value == null ? null : JSON.stringify(value);
}
