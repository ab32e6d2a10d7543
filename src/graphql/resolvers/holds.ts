import type { GraphQLResolveInfo } from "graphql";
import { Arg, Ctx, FieldResolver, ID, Info, Query, Resolver, Root } from "type-graphql";
import type { Account as AccountRow, Hold as HoldRow, Transaction as TransactionRow } from "../../db/generated/prisma/client";
import { canSee } from "../../ledger/caller";
import { remainingOf } from "../../ledger/journal";
import { checkPublicAccountSelection } from "../authorization";
import type { Context } from "../context";
import { requireOneOf, theOneReferenced } from "../lookup";
import { MoneyScalar } from "../scalars";
import { Account, Hold, Transaction } from "../types";

@Resolver(() => Hold)
export class HoldResolver {
  @Query(() => Hold, {
    nullable: true,
    description:
      "Look a hold up by id or by reference (exactly one; neither or both is a BAD_USER_INPUT error). Null when there is none, or when it is on an account the caller may not see.",
  })
  async hold(
    @Ctx() ctx: Context,
    @Arg("id", () => ID, { nullable: true, description: "The hold's id." }) id?: string,
    @Arg("reference", () => String, { nullable: true, description: "The reference given when it was authorized." }) reference?: string,
  ): Promise<HoldRow | null> {
    requireOneOf({ id, reference });
    if (id == null) return theOneReferenced(await ctx.ledger.lookups.holdsByReference(ctx.caller, reference!), "hold");
    const hold = await ctx.loaders.hold.load(id);
    return hold && canSee(ctx.caller, hold.ownerId) ? hold : null;
  }

  @FieldResolver(() => Account, { description: "The account the money is reserved on." })
  async account(@Root() hold: HoldRow, @Ctx() ctx: Context): Promise<AccountRow> {
    return (await ctx.loaders.account.load(hold.accountId))!;
  }

  @FieldResolver(() => Account, {
    nullable: true,
    description:
      "Where captures go (a two-phase transfer). Null: out of the ledger through settlement (a two-phase debit). A customer may select only the public fields (id, accountNumber, type, status, currency) of another's account.",
  })
  async destination(@Root() hold: HoldRow, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Promise<AccountRow | null> {
    if (!hold.destinationId) return null;
    const destination = (await ctx.loaders.account.load(hold.destinationId))!;
    if (!canSee(ctx.caller, destination.ownerId)) checkPublicAccountSelection(info);
    return destination;
  }

  @FieldResolver(() => MoneyScalar, { description: "What was reserved, in the account's currency." })
  amount(@Root() hold: HoldRow, @Ctx() ctx: Context): string {
    return ctx.ledger.currencies.format(hold.amount, hold.currency);
  }

  @FieldResolver(() => MoneyScalar, { description: "The sum of its captures." })
  capturedAmount(@Root() hold: HoldRow, @Ctx() ctx: Context): string {
    return ctx.ledger.currencies.format(hold.captured, hold.currency);
  }

  @FieldResolver(() => MoneyScalar, { description: "The amount less what was captured and released: what is still reserved; zero unless PENDING." })
  remainingAmount(@Root() hold: HoldRow, @Ctx() ctx: Context): string {
    return ctx.ledger.currencies.format(remainingOf(hold), hold.currency);
  }

  @FieldResolver(() => [Transaction], { description: "Its captures: the postings on the held account, oldest first." })
  async captures(@Root() hold: HoldRow, @Ctx() ctx: Context): Promise<TransactionRow[]> {
    return (await ctx.loaders.captures.load(hold.id)).filter((posting) => posting.accountId === hold.accountId);
  }
}
