import { GraphQLError } from "graphql";
import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from "type-graphql";
import type { Account as AccountRow, Transaction as TransactionRow } from "../../db/generated/prisma/client";
import type { AccountFacts } from "../../ledger/accountDirectory";
import { canSee, seesActors } from "../../ledger/caller";
import { DEFAULT_PAGE_SIZE } from "../../ledger/history";
import { toConnection } from "../connections";
import type { Context } from "../context";
import { TransactionFilter } from "../filters";
import { MoneyScalar } from "../scalars";
import { Account, Transaction, TransactionConnection } from "../types";

@Resolver(() => Transaction)
export class TransactionResolver {
  @Query(() => Transaction, { nullable: true, description: "Look a transaction up by id or by reference (exactly one)." })
  async transaction(
    @Ctx() ctx: Context,
    @Arg("id", () => ID, { nullable: true }) id?: string,
    @Arg("reference", () => String, { nullable: true }) reference?: string,
  ): Promise<TransactionRow | null> {
    if ((id == null) === (reference == null)) {
      throw new GraphQLError("give exactly one of id and reference", { extensions: { code: "BAD_USER_INPUT" } });
    }
    if (id == null) return this.byReference(ctx, reference!);
    const transaction = await ctx.loaders.transaction.load(id);
    const account = transaction && (await ctx.loaders.account.load(transaction.accountId));
    return account && canSee(ctx.caller, account.ownerId) ? transaction : null;
  }

  private async byReference(ctx: Context, reference: string): Promise<TransactionRow | null> {
    const found = await ctx.ledger.lookups.byReference(ctx.caller, reference);
    if (found.length > 1) {
      throw new GraphQLError("several owners use this reference: look the transaction up by id", { extensions: { code: "BAD_USER_INPUT" } });
    }
    return found[0] ?? null;
  }

  @Query(() => TransactionConnection)
  async transactions(
    @Ctx() ctx: Context,
    @Arg("accountId", () => ID) accountId: string,
    @Arg("first", () => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE }) first: number,
    @Arg("after", () => String, { nullable: true }) after?: string,
    @Arg("filter", () => TransactionFilter, { nullable: true }) filter?: TransactionFilter,
  ) {
    const request = { first, after, filter };
    const account = await ctx.loaders.account.load(accountId);
    if (!account || !canSee(ctx.caller, account.ownerId)) return toConnection(ctx.ledger.history.emptyPage(request));
    return toConnection(await ctx.loaders.history.load({ accountId, request }));
  }

  @FieldResolver(() => Account)
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

  @FieldResolver(() => String)
  accountNumber(@Root() transaction: TransactionRow, @Ctx() ctx: Context): string | Promise<string> {
    return this.withFacts(transaction, ctx, (facts) => facts.accountNumber);
  }

  @FieldResolver(() => String)
  currency(@Root() transaction: TransactionRow, @Ctx() ctx: Context): string | Promise<string> {
    return this.withFacts(transaction, ctx, (facts) => facts.currency);
  }

  @FieldResolver(() => MoneyScalar)
  amount(@Root() transaction: TransactionRow, @Ctx() ctx: Context): string | Promise<string> {
    return this.withFacts(transaction, ctx, (facts) => ctx.ledger.currencies.format(transaction.amount, facts.currency));
  }

  @FieldResolver(() => MoneyScalar, { description: "Balance of the account right after this posting." })
  balanceAfter(@Root() transaction: TransactionRow, @Ctx() ctx: Context): string | Promise<string> {
    return this.withFacts(transaction, ctx, (facts) => ctx.ledger.currencies.format(transaction.balanceAfter, facts.currency));
  }

  @FieldResolver(() => ID, { nullable: true, description: "The `sub` of whoever made the posting; null for customers." })
  actor(@Root() transaction: TransactionRow, @Ctx() ctx: Context): string | null {
    return seesActors(ctx.caller) ? transaction.actor : null;
  }

  @FieldResolver(() => Transaction, { nullable: true })
  reversalOf(@Root() transaction: TransactionRow, @Ctx() ctx: Context): Promise<TransactionRow | null> | null {
    return transaction.reversalOfId ? ctx.loaders.transaction.load(transaction.reversalOfId) : null;
  }

  @FieldResolver(() => Transaction, { nullable: true })
  reversedBy(@Root() transaction: TransactionRow, @Ctx() ctx: Context): Promise<TransactionRow | null> | null {
    return transaction.status === "REVERSED" ? ctx.loaders.reversalOf.load(transaction.id) : null;
  }
}
