import { Prisma } from "../db/generated/prisma/client";
import type { Account, Hold, JournalEntry, Transaction, TransactionKind, TransactionType } from "../db/generated/prisma/client";
import type { Db } from "../db/client";
import type { Row, Sql } from "../db/sql";
import type { Caller } from "./caller";
import type { Currencies } from "./currencies";
import { Batches } from "./batches";
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
 * The most entries in one batch. A batch holds its accounts' locks until it
 * commits, so a bigger one makes its first writes wait longer for the last.
 */
const MAX_BATCH = 16;

/**
 * The one write path of money. Each entry is written by post_entry (the
 * journal migration), which locks the entry's accounts in id order, applies
 * every line or none, and stores the idempotency key with the entry; when it
 * refuses, it says why in the same round trip, and `refusal` turns that into
 * the failure the API answers with. Entries go to the database in batches
 * (`writeBatch`): one statement, one transaction and one commit for the
 * writes that arrived while the earlier batches ran.
 */
export class Journal {
  private readonly batches: Batches<WriteRequest, Row[]>;

  constructor(
    private readonly db: Db,
    private readonly sql: Sql,
    private readonly currencies: Currencies,
    { concurrency, maxWaitMs }: { concurrency: number; maxWaitMs: number },
  ) {
    this.batches = new Batches((requests) => this.writeBatch(requests), { concurrency, maxSize: MAX_BATCH, maxWaitMs });
  }

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
    const rows = await this.batches.submit({ caller, draft, claim });
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

  /**
   * Writes a batch's entries in one statement (post_entries, in the
   * batched_entries migration) and answers each with its rows. When the
   * statement fails, nothing of the batch was written, and the failure may be
   * one entry's (its idempotency key or reference taken meanwhile): each entry is then
   * written alone, and answered with its own rows or its own error.
   */
  private async writeBatch(requests: WriteRequest[]): Promise<(Row[] | Error)[]> {
    // Only hold steps return a hold: for other drafts it would be NULL on every row, and built and parsed all the same.
    const holds = requests.some(({ draft }) => draft.hold);
    try {
      const rows = await this.sql.query(Prisma.sql`
        SELECT r.draft, r.refusal, r.line, r.amount, r.available, ${accountJson("(r.account)")} AS account,
               ${transactionJson("(r.posting)")} AS posting, ${journalEntryJson("(r.entry)")} AS entry
               ${holds ? Prisma.sql`, ${holdJson("(r.hold)")} AS hold` : Prisma.empty}
          FROM post_entries(${JSON.stringify(requests.map(entryDraft), bigintsAsText)}::jsonb) r`);
      return requests.map((_, i) => rows.filter((row) => row.draft === i + 1));
    } catch (error) {
      if (requests.length === 1) return [error instanceof Error ? error : new Error(String(error))];
      return Promise.all(requests.map(async (request) => (await this.writeBatch([request]))[0]));
    }
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

/** A write waiting for its batch. */
interface WriteRequest {
  caller: Caller;
  draft: Draft;
  claim: IdempotencyClaim;
}

/** A write as post_entries takes it: an entry_draft, post_entry's parameters by name. */
function entryDraft({ caller, draft, claim }: WriteRequest) {
  const lines = draft.lines ?? [];
  const hold = draft.hold;
  return {
    kind: draft.kind ?? null,
    account_ids: lines.map((l) => l.accountId),
    types: lines.map((l) => l.type),
    amounts: lines.map((l) => l.amount),
    expected_versions: lines.map((l) => l.expectedVersion ?? null),
    held_deltas: lines.map((l) => l.held ?? 0n),
    reference: draft.reference ?? null,
    description: draft.description ?? null,
    metadata: draft.metadata ?? null,
    actor: caller.subject,
    reverses: draft.reverses ?? null,
    hold: hold?.holdId ?? null,
    hold_op: hold?.op ?? null,
    hold_amount: hold?.op === "CAPTURE" ? hold.amount : null,
    hold_final: hold?.op === "CAPTURE" ? hold.final : null,
    hold_destination: hold?.op === "AUTHORIZE" ? hold.destinationId : null,
    hold_expires_at: hold?.op === "AUTHORIZE" ? hold.expiresAt : null,
    claim_scope: claim.scope,
    claim_key: claim.key,
    claim_operation: claim.operation,
    claim_fingerprint: claim.fingerprint,
  };
}

/** Amounts go as JSON strings: PostgreSQL reads them into BIGINT exactly, a JSON number would pass through a double in JavaScript. */
const bigintsAsText = (_key: string, value: unknown) => (typeof value === "bigint" ? value.toString() : value);

export function jsonParam(value: Record<string, unknown> | null | undefined): string | null {
  return value == null ? null : JSON.stringify(value);
}
