import {
  getArgumentValues,
  getNamedType,
  Kind,
  type FieldNode,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
  type SelectionSetNode,
} from "graphql";
import { Arg, Ctx, FieldResolver, ID, Info, Int, Query, Resolver, Root } from "type-graphql";
import type { Account as AccountRow } from "../../db/generated/prisma/client";
import { HoldStatus } from "../../db/generated/prisma/enums";
import { canSee, ownerScope } from "../../ledger/caller";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageRequestError, type HistoryRequest } from "../../ledger/history";
import { HISTORY_PAGE_ARGUMENTS, toConnection } from "../connections";
import type { Context } from "../context";
import { requireOneOf } from "../lookup";
import { AccountFilter, TransactionFilter } from "../filters";
import { MoneyScalar } from "../scalars";
import { Account, AccountConnection, HoldConnection, TransactionConnection } from "../types";

@Resolver(() => Account)
export class AccountResolver {
  @Query(() => Account, {
    nullable: true,
    description:
      "Look an account up by id or by account number (exactly one; neither or both is a BAD_USER_INPUT error). Null when there is none, or when it is not the caller's: customers see only their own accounts.",
  })
  async account(
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
    @Arg("id", () => ID, { nullable: true, description: "The account's id." }) id?: string,
    @Arg("accountNumber", () => String, { nullable: true, description: "The account's number." }) accountNumber?: string,
  ): Promise<AccountRow | null> {
    requireOneOf({ id, accountNumber });
    const history = id != null ? historyAsked(info) : undefined;
    if (history) {
      const found = await this.withHistory(ctx, id!, history).catch((error: unknown) => {
        // A page it cannot serve is the history field's error to report, not the account's.
        if (error instanceof PageRequestError) return undefined;
        throw error;
      });
      if (found !== undefined) return found;
    }
    const accountId = id ?? (await ctx.ledger.directory.idOf(accountNumber!));
    const account = accountId ? await ctx.loaders.account.load(accountId) : null;
    // Somebody else's account looks like no account at all.
    return account && canSee(ctx.caller, account.ownerId) ? account : null;
  }

  /** The account and the page of history the query asks for, read together; the page waits in the loader. */
  private async withHistory(ctx: Context, id: string, request: HistoryRequest): Promise<AccountRow | null> {
    const found = await ctx.ledger.history.accountWithHistory(id, request);
    if (!found || !canSee(ctx.caller, found.account.ownerId)) return null;
    ctx.loaders.history.prime({ accountId: id, request }, found.page);
    return found.account;
  }

  @Query(() => AccountConnection, {
    description:
      "Accounts newest first (by createdAt, then id), a page at a time: a customer's own accounts, every account for tellers and admins.",
  })
  async accounts(
    @Ctx() ctx: Context,
    @Arg("first", () => Int, {
      nullable: true,
      defaultValue: DEFAULT_PAGE_SIZE,
      description: `Accounts per page, 1 to ${MAX_PAGE_SIZE}; another number is a BAD_USER_INPUT error.`,
    })
    first: number,
    @Arg("after", () => String, {
      nullable: true,
      description: "The endCursor of the previous page, to read the next; a forged or altered cursor, or one from a history, is a BAD_USER_INPUT error.",
    })
    after?: string,
    @Arg("filter", () => AccountFilter, { nullable: true, description: "Only the accounts that match it." }) filter?: AccountFilter,
  ) {
    return toConnection(await ctx.ledger.history.accounts({ first, after }, filter, ownerScope(ctx.caller)));
  }

  @FieldResolver(() => MoneyScalar, {
    description: "The sum of the account's postings, in its currency; never below zero.",
  })
  balance(@Root() account: AccountRow, @Ctx() ctx: Context): string {
    return ctx.ledger.currencies.format(account.balance, account.currency);
  }

  @FieldResolver(() => MoneyScalar, {
    description: "Sum of remainingAmount over the account's PENDING holds (expired ones included until they are released, within seconds).",
  })
  heldBalance(@Root() account: AccountRow, @Ctx() ctx: Context): string {
    return ctx.ledger.currencies.format(account.held, account.currency);
  }

  @FieldResolver(() => MoneyScalar, {
    description: "The balance less heldBalance: what debits, transfers and new holds may use. Never below zero.",
  })
  availableBalance(@Root() account: AccountRow, @Ctx() ctx: Context): string {
    return ctx.ledger.currencies.format(account.balance - account.held, account.currency);
  }

  @FieldResolver(() => HoldConnection, { description: "The account's holds, newest first, a page at a time." })
  async holds(
    @Root() account: AccountRow,
    @Ctx() ctx: Context,
    @Arg("first", () => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE, description: `Holds per page, 1 to ${MAX_PAGE_SIZE}.` }) first: number,
    @Arg("after", () => String, { nullable: true, description: "The endCursor of the previous page of this list." }) after?: string,
    @Arg("status", () => HoldStatus, { nullable: true, description: "Only the holds of this status." }) status?: HoldStatus,
  ) {
    return toConnection(await ctx.ledger.history.holds(account.id, { first, after }, status));
  }

  @FieldResolver(() => TransactionConnection, {
    description: "The account's history, newest first in posting order (accountVersion descending), a page at a time.",
  })
  async transactions(
    @Root() account: AccountRow,
    @Ctx() ctx: Context,
    @Arg("first", () => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE, description: HISTORY_PAGE_ARGUMENTS.first }) first: number,
    @Arg("after", () => String, { nullable: true, description: HISTORY_PAGE_ARGUMENTS.after }) after?: string,
    @Arg("filter", () => TransactionFilter, { nullable: true, description: HISTORY_PAGE_ARGUMENTS.filter }) filter?: TransactionFilter,
  ) {
    return toConnection(await ctx.loaders.history.load({ accountId: account.id, request: { first, after, filter } }));
  }
}

/**
 * The `transactions` fields selected on each looked-up account, found once
 * per parsed query: Apollo keeps parsed documents, so the same query brings
 * the same field node back. A directive on the way makes the selection depend
 * on variables; then there is no looking ahead.
 */
const historySelections = new WeakMap<FieldNode, readonly FieldNode[]>();

function transactionsFields(selectionSet: SelectionSetNode, fragments: GraphQLResolveInfo["fragments"]): FieldNode[] | undefined {
  const found: FieldNode[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.directives?.length) return undefined;
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value === "transactions") found.push(selection);
      continue;
    }
    const inner = selection.kind === Kind.INLINE_FRAGMENT ? selection.selectionSet : fragments[selection.name.value]?.selectionSet;
    const more = inner && transactionsFields(inner, fragments);
    if (!more) return undefined;
    found.push(...more);
  }
  return found;
}

/** The page of `transactions` a query asks of the account it looks up, when it asks for exactly one. */
function historyAsked(info: GraphQLResolveInfo): HistoryRequest | undefined {
  const [node] = info.fieldNodes;
  let fields = historySelections.get(node);
  if (!fields) {
    fields = (info.fieldNodes.length === 1 && node.selectionSet && transactionsFields(node.selectionSet, info.fragments)) || [];
    historySelections.set(node, fields);
  }
  if (fields.length !== 1) return undefined;
  const definition = (getNamedType(info.returnType) as GraphQLObjectType).getFields().transactions;
  return getArgumentValues(definition, fields[0], info.variableValues) as HistoryRequest;
}
