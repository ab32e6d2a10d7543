import { Arg, Authorized, Ctx, FieldResolver, ID, Query, Resolver, Root } from "type-graphql";
import type { JournalEntry as JournalEntryRow, Transaction as TransactionRow } from "../../db/generated/prisma/client";
import { canSee } from "../../ledger/caller";
import type { Rule } from "../authorization";
import type { Context } from "../context";
import { CurrencyTotals, JournalEntry, SettlementDirection, SettlementLine, Transaction } from "../types";

@Resolver(() => JournalEntry)
export class JournalEntryResolver {
  @Query(() => JournalEntry, {
    nullable: true,
    description: "A journal entry by id. Null when there is none, or when none of its lines is on an account the caller may see.",
  })
  async journalEntry(@Ctx() ctx: Context, @Arg("id", () => ID, { description: "The entry's id." }) id: string): Promise<JournalEntryRow | null> {
    const entry = await ctx.loaders.journalEntry.load(id);
    if (!entry) return null;
    return (await this.transactions(entry, ctx)).length > 0 ? entry : null;
  }

  @Authorized<Rule>("admin")
  @Query(() => [CurrencyTotals], {
    description:
      "Admins only. One row per currency that has an account, showing that the balances of all accounts equal the money that entered the ledger less what left it. Empty on an empty ledger.",
  })
  async ledgerTotals(@Ctx() ctx: Context): Promise<CurrencyTotals[]> {
    const format = (minor: bigint, currency: string) => ctx.ledger.currencies.format(minor, currency);
    return (await ctx.ledger.entries.totals()).map((totals) => ({
      currency: totals.currency,
      accountBalances: format(totals.accountBalances, totals.currency),
      heldBalance: format(totals.heldBalance, totals.currency),
      netInflow: format(totals.netInflow, totals.currency),
      balanced: totals.accountBalances === totals.netInflow,
    }));
  }

  @FieldResolver(() => [Transaction], {
    description:
      "The lines on accounts, one per account, in the order they were posted: postJournalEntry's as given, a transfer's debit first. A customer sees only the lines on its own accounts.",
  })
  async transactions(@Root() entry: JournalEntryRow, @Ctx() ctx: Context): Promise<TransactionRow[]> {
    const lines = await ctx.loaders.entryLines.load(entry.id);
    return lines.filter((line) => canSee(ctx.caller, line.ownerId));
  }

  @FieldResolver(() => SettlementLine, {
    nullable: true,
    description: "The line on the currency's settlement account; null when the money stayed inside the ledger (transfers).",
  })
  settlement(@Root() entry: JournalEntryRow, @Ctx() ctx: Context): SettlementLine | null {
    if (entry.settlement === 0n) return null;
    const direction = entry.settlement > 0n ? SettlementDirection.INFLOW : SettlementDirection.OUTFLOW;
    const amount = entry.settlement > 0n ? entry.settlement : -entry.settlement;
    return { direction, amount: ctx.ledger.currencies.format(amount, entry.currency) };
  }
}
