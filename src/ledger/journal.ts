import { Prisma } from "../db/generated/prisma/client";
import type { Account, Hold, JournalEntry, Transaction, TransactionKind, TransactionType } from "../db/generated/prisma/client";
import type { Db } from "../db/client";
import type { Row, Sql } from "../db/sql";
import type { Caller } from "./caller";
import type { Currencies } from "./currencies";
import { fail, type Failure } from "./failures";
import { runIdempotent, type IdempotencyClaim, type StoredResult } from "./idempotency";
import { MAX_BALANCE_MINOR } from "./money";
import {
  accountFromJson,
  accountJson,
  holdFromJson,
  holdJson,
  journalEntryFromJson,
  journalEntryJson,
  pickAccount,
  pickJournalEntry,
  pickTransaction,
  selectAccount,
  selectJournalEntry,
  selectTransaction,
  transactionFromJson,
  transactionJson,
} from "./rows";

/** One line of an entry on one account; the settlement line is what the lines add up to. */
export interface Line {
  accountId: string;
  type: TransactionType;
  amount: bigint;
  /** When given, the entry applies only if this account is still at this version. */
  expectedVersion?: number | null;
  /** How much more (or, negative, less) the account's holds reserve after the line. */
  held?: bigint;
}

/** A step of a hold's life: post_entry derives the lines of a capture or a void from the hold itself. */
export type HoldStep =
  | { op: "AUTHORIZE"; holdId: string; destinationId: string | null; expiresAt: Date }
  | { op: "CAPTURE"; holdId: string; amount: bigint | null; final: boolean }
  | { op: "VOID"; holdId: string };

/**
 * What a write asks for: new lines (an authorization's line moves no money,
 * it reserves), the reversal of the entry a transaction belongs to (its
 * lines turned around), or a capture or void of a hold.
 */
export type Draft = {
  kind?: TransactionKind;
  /** Recorded on the first line (or the new hold): a reference is unique per owner. */
  reference?: string | null;
  description?: string | null;
  metadata?: Record<string, unknown> | null;
  hold?: HoldStep;
} & ({ lines: Line[]; reverses?: undefined } | { lines?: undefined; reverses?: string });

/** A line as written, with its account right after the entry. */
export interface Posted {
  transaction: Transaction;
  account: Account;
}

/** A line as written: its transaction when it moved money. */
export interface WrittenLine {
  transaction: Transaction | null;
  account: Account;
}

export interface Written {
  outcome: "Written";
  /** Null when no money moved (an authorization, a void). */
  entry: JournalEntry | null;
  /** In the order of the draft's lines (for a reversal, of the original's lines by id). */
  lines: WrittenLine[];
  hold: Hold | null;
}

/** What is left of a hold to capture or release: zero unless PENDING. */
export const remainingOf = (hold: Hold) => hold.amount - hold.captured - hold.released;

/** The lines of an entry that moved money. */
export function posted(written: Written): { entry: JournalEntry; lines: Posted[] } {
  return { entry: written.entry!, lines: written.lines.filter((line): line is Posted => line.transaction !== null) };
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
    replay: (prior: StoredResult) => Promise<S> = async (prior) => answer(await this.read(prior.journalEntryId!), true),
  ) {
    return runIdempotent(
      this.db,
      claim,
      async () => {
        const written = await this.write(caller, draft, claim);
        return written.outcome === "Written" ? answer(written, false) : written;
      },
      replay,
      draft.reference,
    );
  }

  private async write(caller: Caller, draft: Draft, claim: IdempotencyClaim): Promise<Written | Failure> {
    const lines = draft.lines ?? [];
    const hold = draft.hold;
    // Only a hold step returns a hold: for other drafts it would be NULL on every row, and built and parsed all the same.
    const rows = await this.sql.query(Prisma.sql`
      SELECT r.refusal, r.line, r.amount, r.available, ${accountJson("(r.account)")} AS account,
             ${transactionJson("(r.posting)")} AS posting, ${journalEntryJson("(r.entry)")} AS entry
             ${hold ? Prisma.sql`, ${holdJson("(r.hold)")} AS hold` : Prisma.empty}
        FROM post_entry(${draft.kind ?? null}::"TransactionKind", ${lines.map((l) => l.accountId)}::uuid[],
                        ${lines.map((l) => l.type)}::"TransactionType"[], ${lines.map((l) => l.amount)}::bigint[],
                        ${lines.map((l) => l.expectedVersion ?? null)}::int[], ${lines.map((l) => l.held ?? 0n)}::bigint[],
                        ${draft.reference ?? null}, ${draft.description ?? null}, ${jsonParam(draft.metadata)}::jsonb,
                        ${caller.subject}, ${draft.reverses ?? null}::uuid, ${hold?.holdId ?? null}::uuid, ${hold?.op ?? null},
                        ${hold?.op === "CAPTURE" ? hold.amount : null}::bigint, ${hold?.op === "CAPTURE" ? hold.final : null}::boolean,
                        ${hold?.op === "AUTHORIZE" ? hold.destinationId : null}::uuid,
                        ${hold?.op === "AUTHORIZE" ? hold.expiresAt : null}::timestamptz,
                        ${claim.scope}, ${claim.key}, ${claim.operation}, ${claim.fingerprint}, NULL) r`);
    const first = rows[0];
    const holdAfter = first.hold ? holdFromJson(first.hold as Row) : null;
    if (first.refusal !== null) {
      return this.refusal(first.refusal as string, {
        account: accountFromJson(first.account as Row),
        hold: holdAfter,
        amount: first.amount === null ? 0n : BigInt(first.amount as string),
        available: first.available === null ? 0n : BigInt(first.available as string),
        line: first.line === null ? undefined : lines[(first.line as number) - 1],
        reverses: draft.reverses,
        holdId: hold?.holdId,
      });
    }
    return {
      outcome: "Written",
      entry: journalEntryFromJson(first.entry as Row),
      lines: rows.map((row) => ({ account: accountFromJson(row.account as Row)!, transaction: transactionFromJson(row.posting as Row) })),
      hold: holdAfter,
    };
  }

  /** An entry as it was written, its accounts as they are now (the answer to a replayed request). */
  async read(entryId: string): Promise<Written> {
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
      hold: null,
    };
  }

  /** Why post_entry wrote nothing, as the API says it. */
  private refusal(code: string, why: Refused): Failure {
    const { account, hold, line } = why;
    const format = (minor: bigint) => this.currencies.format(minor, (account ?? hold)!.currency);
    switch (code) {
      case "ACCOUNT_NOT_FOUND":
        return fail.accountNotFound(line!.accountId);
      case "ACCOUNT_NOT_ACTIVE":
        return fail.accountNotActive(account!.id, account!.status);
      case "VERSION_CONFLICT":
        return fail.versionConflict(account!.id, line!.expectedVersion!, account!.version, format(account!.balance));
      case "INSUFFICIENT_FUNDS":
        return fail.insufficientFunds(account!.id, format(account!.balance), format(why.amount), format(why.available));
      case "BALANCE_LIMIT_EXCEEDED":
        return fail.balanceLimitExceeded(account!.id, format(MAX_BALANCE_MINOR));
      case "TRANSACTION_NOT_FOUND":
        return fail.transactionNotFound(why.reverses!);
      case "ALREADY_REVERSED":
        return fail.alreadyReversed(why.reverses!);
      case "HOLD_NOT_FOUND":
        return fail.holdNotFound(why.holdId!);
      case "HOLD_NOT_PENDING":
        return fail.holdNotPending(hold!.id, hold!.status);
      case "HOLD_EXPIRED":
        return fail.holdExpired(hold!.id, hold!.expiresAt);
      case "AMOUNT_EXCEEDS_HOLD":
        return fail.amountExceedsHold(hold!.id, format(why.amount), format(remainingOf(hold!)));
      default:
        throw new Error(`post_entry refused with an unknown reason ${code}`);
    }
  }
}

/** What post_entry reports with a refusal. */
interface Refused {
  account: Account | null;
  hold: Hold | null;
  /** The refused line's amount (or what it would reserve), or the capture asked for. */
  amount: bigint;
  available: bigint;
  line?: Line;
  reverses?: string;
  holdId?: string;
}

export function jsonParam(value: Record<string, unknown> | null | undefined): string | null {
  return value == null ? null : JSON.stringify(value);
}
