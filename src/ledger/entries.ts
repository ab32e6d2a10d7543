import { Prisma } from "../db/generated/prisma/client";
import type { JournalEntry, TransactionType } from "../db/generated/prisma/client";
import type { Sql } from "../db/sql";
import type { AccountDirectory } from "./accountDirectory";
import type { Caller } from "./caller";
import type { Currencies } from "./currencies";
import { fail } from "./failures";
import { claimOf } from "./idempotency";
import { posted, type Journal, type Line, type Posted, type Written } from "./journal";
import { annotationRules, annotations } from "./postings";
import { only, type ResultOf } from "./results";
import { Violations } from "./validation";

export interface JournalLineInput {
  accountId: string;
  type: TransactionType;
  amount: string;
  expectedVersion?: number | null;
}

export interface PostJournalEntryInput {
  lines: JournalLineInput[];
  idempotencyKey: string;
  reference?: string | null;
  description?: string | null;
  metadata?: Record<string, unknown> | null;
}

export interface PostJournalEntrySuccess {
  outcome: "PostJournalEntrySuccess";
  journalEntry: JournalEntry;
  /** Its lines in their order, each with its account as the entry left it (as it is now, when replayed). */
  lines: Posted[];
  replayed: boolean;
}

/** One currency across the ledger, in minor units. */
export interface CurrencyTotals {
  currency: string;
  accountBalances: bigint;
  heldBalance: bigint;
  netInflow: bigint;
}

export const MAX_ENTRY_LINES = 50;

/**
 * Entries of any shape among accounts (postJournalEntry): a payment with a
 * fee is one entry of three lines. Also the read of the journal as a whole:
 * the totals that show no money was created or lost.
 */
export class Entries {
  constructor(
    private readonly sql: Sql,
    private readonly journal: Journal,
    private readonly currencies: Currencies,
    private readonly directory: AccountDirectory,
  ) {}

  async post(caller: Caller, input: PostJournalEntryInput): Promise<ResultOf<"postJournalEntry">> {
    return only("postJournalEntry", await this.postEntry(caller, input));
  }

  private async postEntry(caller: Caller, input: PostJournalEntryInput) {
    const check = new Violations();
    if (input.lines.length < 2 || input.lines.length > MAX_ENTRY_LINES) {
      // Said before anything is done per line: a list of any length is answered at once.
      return fail.validation([{ path: ["input", "lines"], message: `must hold 2 to ${MAX_ENTRY_LINES} lines` }]);
    }
    const ids = input.lines.map((line) => line.accountId.toLowerCase());
    ids.forEach((id, i) => {
      if (ids.indexOf(id) < i) check.add(["lines", String(i), "accountId"], "each account may have one line only");
      check.version(["lines", String(i), "expectedVersion"], input.lines[i].expectedVersion);
    });
    annotationRules(check, input);
    if (!check.ok) return fail.validation(check.list);

    const facts = await this.directory.findMany(ids);
    const missing = facts.findIndex((account) => account === undefined);
    if (missing >= 0) return fail.accountNotFound(input.lines[missing].accountId);
    const currency = facts[0]!.currency;
    const other = facts.find((account) => account!.currency !== currency);
    if (other) return fail.currencyMismatch(currency, other.currency);

    const lines: Line[] = [];
    input.lines.forEach((line, i) => {
      const amount = check.amount(["lines", String(i), "amount"], line.amount, currency, this.currencies);
      if (amount !== undefined) lines.push({ accountId: ids[i], type: line.type, amount, expectedVersion: line.expectedVersion });
    });
    if (!check.ok) return fail.validation(check.list);
    const total = (type: TransactionType) => lines.filter((l) => l.type === type).reduce((sum, l) => sum + l.amount, 0n);
    const [debits, credits] = [total("DEBIT"), total("CREDIT")];
    if (debits !== credits) return fail.entryNotBalanced(this.currencies.format(debits, currency), this.currencies.format(credits, currency));

    const claim = claimOf(caller, input.idempotencyKey, "postJournalEntry", {
      lines: lines.map((l) => [l.accountId, l.type, l.amount.toString()]),
      reference: input.reference ?? null,
      description: input.description ?? null,
      metadata: input.metadata ?? null,
    });
    const success = (written: Written, replayed: boolean): PostJournalEntrySuccess => {
      const { entry, lines } = posted(written);
      return { outcome: "PostJournalEntrySuccess", journalEntry: entry, lines, replayed };
    };
    return this.journal.post(caller, { kind: "TRANSFER", lines, ...annotations(input) }, claim, success);
  }

  /**
   * Per currency that has an account: the sum of all balances and the net
   * inflow through settlement, the sum of every entry's settlement line.
   * Both are summed when asked (an index-only scan of the entries' currency
   * and settlement), so no write ever has to update a total.
   */
  async totals(): Promise<CurrencyTotals[]> {
    const rows = await this.sql.query(Prisma.sql`
      SELECT a.currency, a.balances, a.held, COALESCE(e.inflow, 0) AS inflow
        FROM (SELECT currency, sum(balance) AS balances, sum(held) AS held FROM accounts GROUP BY currency) a
        LEFT JOIN (SELECT currency, sum(settlement) AS inflow FROM journal_entries GROUP BY currency) e USING (currency)
       ORDER BY a.currency`);
    return rows.map((row) => ({
      currency: row.currency as string,
      accountBalances: BigInt(row.balances as string),
      heldBalance: BigInt(row.held as string),
      netInflow: BigInt(row.inflow as string),
    }));
  }
}
