import { Arg, ID, Resolver, Root, Subscription } from "type-graphql";
import type { Account as AccountRow, Transaction as TransactionRow } from "../../db/generated/prisma/client";
import type { CloudEvent } from "../../events";
import { mapIterator } from "../../events/hub";
import { canSee } from "../../ledger/caller";
import type { Currencies } from "../../ledger/currencies";
import type { Context } from "../context";
import { clientError } from "../errors";
import { Account, Transaction } from "../types";

/** The account's events from now on, for a caller who may see it; another's looks like none at all. */
async function eventsOf(ctx: Context, accountId: string): Promise<AsyncIterableIterator<CloudEvent>> {
  const facts = await ctx.ledger.directory.find(accountId);
  if (!facts || !canSee(ctx.caller, facts.ownerId)) throw clientError(`no account ${accountId}`, "NOT_FOUND", 404);
  return await ctx.events.events(accountId);
}

const postings = (ctx: Context, events: AsyncIterableIterator<CloudEvent>) =>
  mapIterator(events, async (event) =>
    event.type === "solvent.transaction.posted"
      ? ((await ctx.loaders.transaction.load(event.data.transaction!.id)) ?? undefined)
      : undefined,
  );

/** The account as the event left it (not as it is by the time the event is read). */
function accountAfter(event: CloudEvent, currencies: Currencies): AccountRow | undefined {
  const account = event.data.account as
    | (Omit<AccountRow, "balance" | "held" | "createdAt" | "updatedAt" | "closedAt"> & Record<string, string | null>)
    | undefined;
  if (!account) return undefined;
  const minor = (amount: string | null) => {
    const parsed = currencies.toMinor(amount!, account.currency);
    if (!parsed.ok) throw new Error(`event ${event.id} carries an amount the ledger cannot read: ${amount}`);
    return parsed.minor;
  };
  const time = (value: string | null) => (value === null ? null : new Date(value));
  const { heldBalance, ...fields } = account;
  return {
    ...fields,
    balance: minor(account.balance),
    held: minor(heldBalance),
    createdAt: time(account.createdAt)!,
    updatedAt: time(account.updatedAt)!,
    closedAt: time(account.closedAt),
  } as AccountRow;
}

const changes = (ctx: Context, events: AsyncIterableIterator<CloudEvent>) =>
  mapIterator(events, async (event) => accountAfter(event, ctx.ledger.currencies));

@Resolver()
export class SubscriptionResolver {
  @Subscription(() => Transaction, {
    description:
      "Each transaction posted on the account, as it is posted (in the account's order), from when the subscription starts. Use accountVersion to skip what you already have.",
    subscribe: async ({ args, context }) => postings(context, await eventsOf(context, args.accountId)),
  })
  accountActivity(
    @Root() transaction: TransactionRow,
    @Arg("accountId", () => ID, { description: "The account to watch: for a customer, one of its own (another is a NOT_FOUND error)." })
    _accountId: string,
  ): TransactionRow {
    return transaction;
  }

  @Subscription(() => Account, {
    description: "The account after each change from when the subscription starts (postings, updates, closing), as the change left it.",
    subscribe: async ({ args, context }) => changes(context, await eventsOf(context, args.accountId)),
  })
  accountUpdated(
    @Root() account: AccountRow,
    @Arg("accountId", () => ID, { description: "The account to watch: for a customer, one of its own (another is a NOT_FOUND error)." })
    _accountId: string,
  ): AccountRow {
    return account;
  }
}
