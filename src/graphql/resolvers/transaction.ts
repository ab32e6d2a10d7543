import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from "type-graphql";
import type {
  Account as AccountRow,
  Hold as HoldRow,
  JournalEntry as JournalEntryRow,
  Transaction as TransactionRow,
} from "../../db/generated/prisma/client";
import type { AccountFacts } from "../../ledger/accountDirectory";
import { canSee, seesActors } from "../../ledger/caller";
import { DEFAULT_PAGE_SIZE } from "../../ledger/history";
import { HISTORY_PAGE_ARGUMENTS, toConnection } from "../connections";
import type { Context } from "../context";
import { requireOneOf, theOneReferenced } from "../lookup";
import { TransactionFilter } from "../filters";
import { MoneyScalar } from "../scalars";
import { Account, Hold, JournalEntry, Transaction, TransactionConnection } from "../types";

@Resolver(() => Transaction)
export class TransactionResolver {
  @Query(() => Transaction, {
    nullable: true,
    description:
      "Look a transaction up by id or by reference (exactly one; neither or both is a BAD_USER_INPUT error). Null when there is none, or when it is on an account the caller may not see: customers see only their own.",
  })
  async transaction(
    @Ctx() ctx: Context,
    @Arg("id", () => ID, { nullable: true, description: "The posting's id." }) id?: string,
    @Arg("reference", () => String, {
      nullable: true,
      description:
        "The reference the client gave the posting. A customer finds its own; staff get the one posting with it, or a BAD_USER_INPUT error when several owners used it (look it up by id then).",
    })
    reference?: string,
  ): Promise<TransactionRow | null> {
    requireOneOf({ id, reference });
    if (id == null) return theOneReferenced(await ctx.ledger.lookups.byReference(ctx.caller, reference!), "transaction");
    const transaction = await ctx.loaders.transaction.load(id);
    const account = transaction && (await ctx.loaders.account.load(transaction.accountId));
    return account && canSee(ctx.caller, account.ownerId) ? transaction : null;
  }

  @Query(() => TransactionConnection, {
    description:
      "One account's history, newest first in posting order (accountVersion descending), a page at a time. Empty for an account that does not exist or that the caller may not see.",
  })
  async transactions(
    @Ctx() ctx: Context,
    @Arg("accountId", () => ID, { description: "The account whose postings to read." }) accountId: string,
    @Arg("first", () => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE, description: HISTORY_PAGE_ARGUMENTS.first }) first: number,
    @Arg("after", () => String, { nullable: true, description: HISTORY_PAGE_ARGUMENTS.after }) after?: string,
    @Arg("filter", () => TransactionFilter, { nullable: true, description: HISTORY_PAGE_ARGUMENTS.filter }) filter?: TransactionFilter,
  ) {
    const request = { first, after, filter };
    const account = await ctx.loaders.account.load(accountId);
    if (!account || !canSee(ctx.caller, account.ownerId)) return toConnection(ctx.ledger.history.emptyPage(request));
    return toConnection(await ctx.loaders.history.load({ accountId, request }));
  }

  @FieldResolver(() => Account, { description: "The account the posting is on." })
  async account(@Root() transaction: TransactionRow, @Ctx() ctx: Context): Promise<AccountRow> {
    const account = await ctx.loaders.account.load(transaction.accountId);
    if (!account) throw new Error(`transaction ${transaction.id} has no account`);
    return account;
  }

  /**
   * `use` of its account's number, currency and owner, which never change: the
   * ledger usually knows them already, and then no promise is made (twenty
   * postings of a page would make eighty).
   */
  private withFacts<T>(transaction: TransactionRow, ctx: Context, use: (facts: AccountFacts) => T): T | Promise<T> {
    const known = ctx.ledger.directory.known(transaction.accountId);
    if (known) return use(known);
    return ctx.loaders.facts.load(transaction.accountId).then((facts) => {
      if (!facts) throw new Error(`transaction ${transaction.id} has no account`);
      return use(facts);
    });
  }

  @FieldResolver(() => String, { description: "The number of the account the posting is on." })
  accountNumber(@Root() transaction: TransactionRow, @Ctx() ctx: Context): string | Promise<string> {
    return this.withFacts(transaction, ctx, (facts) => facts.accountNumber);
  }

  @FieldResolver(() => String, { description: "ISO 4217 code of the account's currency: the currency of amount and balanceAfter." })
  currency(@Root() transaction: TransactionRow, @Ctx() ctx: Context): string | Promise<string> {
    return this.withFacts(transaction, ctx, (facts) => facts.currency);
  }

  @FieldResolver(() => MoneyScalar, { description: "How much moved, in the account's currency; always > 0 (type gives the direction)." })
  amount(@Root() transaction: TransactionRow, @Ctx() ctx: Context): string | Promise<string> {
    return this.withFacts(transaction, ctx, (facts) => ctx.ledger.currencies.format(transaction.amount, facts.currency));
  }

  @FieldResolver(() => MoneyScalar, { description: "Balance of the account right after this posting." })
  balanceAfter(@Root() transaction: TransactionRow, @Ctx() ctx: Context): string | Promise<string> {
    return this.withFacts(transaction, ctx, (facts) => ctx.ledger.currencies.format(transaction.balanceAfter, facts.currency));
  }

  @FieldResolver(() => ID, {
    nullable: true,
    description: "The `sub` of whoever made the posting (a customer or staff). Shown to tellers and admins; always null when a customer asks.",
  })
  actor(@Root() transaction: TransactionRow, @Ctx() ctx: Context): string | null {
    return seesActors(ctx.caller) ? transaction.actor : null;
  }

  @FieldResolver(() => Transaction, { nullable: true, description: "On a REVERSAL posting, the posting it undid; otherwise null." })
  reversalOf(@Root() transaction: TransactionRow, @Ctx() ctx: Context): Promise<TransactionRow | null> | null {
    return transaction.reversalOfId ? ctx.loaders.transaction.load(transaction.reversalOfId) : null;
  }

  @FieldResolver(() => Transaction, { nullable: true, description: "On a REVERSED posting, the REVERSAL posting that undid it; otherwise null." })
  reversedBy(@Root() transaction: TransactionRow, @Ctx() ctx: Context): Promise<TransactionRow | null> | null {
    return transaction.status === "REVERSED" ? ctx.loaders.reversalOf.load(transaction.id) : null;
  }

  @FieldResolver(() => JournalEntry, { description: "The balanced entry this posting is a line of." })
  async journalEntry(@Root() transaction: TransactionRow, @Ctx() ctx: Context): Promise<JournalEntryRow> {
    const entry = await ctx.loaders.journalEntry.load(transaction.journalEntryId);
    if (!entry) throw new Error(`transaction ${transaction.id} has no journal entry`);
    return entry;
  }

  @FieldResolver(() => Hold, { nullable: true, description: "The hold this posting captured, if any." })
  hold(@Root() transaction: TransactionRow, @Ctx() ctx: Context): Promise<HoldRow | null> | null {
    return transaction.holdId ? ctx.loaders.hold.load(transaction.holdId) : null;
  }
}
