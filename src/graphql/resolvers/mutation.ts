import { Arg, Authorized, Ctx, Mutation, Resolver, UseMiddleware, type MiddlewareFn } from "type-graphql";
import type { Rule } from "../authorization";
import { primeEntry, type Context } from "../context";
import {
  CloseAccountInput,
  CloseAccountResult,
  CreditResult,
  DebitResult,
  OpenAccountInput,
  AuthorizeHoldInput,
  AuthorizeHoldResult,
  CaptureHoldInput,
  CaptureHoldResult,
  OpenAccountResult,
  VoidHoldInput,
  VoidHoldResult,
  PostingInput,
  PostJournalEntryInput,
  PostJournalEntryResult,
  ReverseTransactionInput,
  ReverseTransactionResult,
  TransferInput,
  TransferResult,
  UpdateAccountInput,
  UpdateAccountResult,
  UpdateTransactionInput,
  UpdateTransactionResult,
} from "../mutationTypes";

/** Notes which union member each mutation answered with, for the request log. */
export const recordOutcome: MiddlewareFn<Context> = async ({ context }, next) => {
  const result = (await next()) as { outcome: string };
  context.outcomes.push(result.outcome);
  return result;
};

/**
 * Mutations of a request run one after another, each answer read before the
 * next starts: before each, the request's loaders forget what earlier answers
 * read, which this mutation may change (its answer shows the ledger after it).
 */
const forgetEarlierReads: MiddlewareFn<Context> = ({ context }, next) => {
  for (const loader of Object.values(context.loaders)) loader.clearAll();
  return next();
};

@Resolver()
@UseMiddleware(forgetEarlierReads, recordOutcome)
export class MutationResolver {
  @Authorized<Rule>("admin")
  @Mutation(() => OpenAccountResult, {
    description:
      "Opens an account, with an opening deposit when initialDeposit is above zero. Admins only. Idempotent: a retry with the same idempotencyKey and request replays the first answer.",
  })
  openAccount(
    @Ctx() ctx: Context,
    @Arg("input", () => OpenAccountInput, { description: "The account to open." }) input: OpenAccountInput,
  ) {
    return ctx.ledger.accounts.open(ctx.caller, input);
  }

  @Authorized<Rule>("admin", "teller:freeze")
  @Mutation(() => UpdateAccountResult, {
    description:
      "Changes an account's holder name, type or status (ACTIVE or FROZEN), only if it is still at expectedVersion. Admins; a teller may only freeze. A retry of a change that applied is a VersionConflict: re-read the account.",
  })
  updateAccount(
    @Ctx() ctx: Context,
    @Arg("input", () => UpdateAccountInput, { description: "What to change, and the version you read." }) input: UpdateAccountInput,
  ) {
    return ctx.ledger.accounts.update(input);
  }

  @Authorized<Rule>("admin")
  @Mutation(() => CloseAccountResult, {
    description:
      "Closes an account with a zero balance, only if it is still at expectedVersion. Admins only. Its history stays; it takes no more postings.",
  })
  closeAccount(
    @Ctx() ctx: Context,
    @Arg("input", () => CloseAccountInput, { description: "The account to close, and the version you read." }) input: CloseAccountInput,
  ) {
    return ctx.ledger.accounts.close(input);
  }

  @Authorized<Rule>("admin", "teller")
  @Mutation(() => CreditResult, {
    description:
      "Pays money into an account (kind DEPOSIT). Tellers and admins. Idempotent: a retry with the same idempotencyKey and request replays the first answer.",
  })
  credit(
    @Ctx() ctx: Context,
    @Arg("input", () => PostingInput, { description: "The account, the amount and the idempotency key." }) input: PostingInput,
  ) {
    return ctx.ledger.postings.credit(ctx.caller, input);
  }

  @Authorized<Rule>("admin", "teller", "customer")
  @Mutation(() => DebitResult, {
    description:
      "Takes money out of an account (kind WITHDRAWAL), never below zero. Customers from their own accounts, tellers and admins from any. Idempotent: a retry with the same idempotencyKey and request replays the first answer.",
  })
  debit(
    @Ctx() ctx: Context,
    @Arg("input", () => PostingInput, { description: "The account, the amount and the idempotency key." }) input: PostingInput,
  ) {
    return ctx.ledger.postings.debit(ctx.caller, input);
  }

  @Authorized<Rule>("admin", "teller", "customer:payer")
  @Mutation(() => TransferResult, {
    description:
      "Moves money between two accounts of one currency: a DEBIT leg and a CREDIT leg, posted together or not at all. Customers from their own accounts to any account, tellers and admins between any. Idempotent: a retry with the same idempotencyKey and request replays the first answer.",
  })
  transfer(
    @Ctx() ctx: Context,
    @Arg("input", () => TransferInput, { description: "The two accounts, the amount and the idempotency key." }) input: TransferInput,
  ) {
    return ctx.ledger.postings.transfer(ctx.caller, input);
  }

  @Authorized<Rule>("admin")
  @Mutation(() => ReverseTransactionResult, {
    description:
      "Undoes the journal entry a posting belongs to with a REVERSAL entry: every line (and the settlement line) turned around, the originals marked REVERSED; any line of an entry reverses the whole entry. Admins only. Idempotent: a retry with the same idempotencyKey and request replays the first answer.",
  })
  reverseTransaction(
    @Ctx() ctx: Context,
    @Arg("input", () => ReverseTransactionInput, { description: "The posting to reverse, the reason and the idempotency key." }) input: ReverseTransactionInput,
  ) {
    return ctx.ledger.reversals.reverse(ctx.caller, input);
  }

  @Authorized<Rule>("admin")
  @Mutation(() => UpdateTransactionResult, {
    description:
      "Changes a posting's description and metadata, never its amount, type or account. Admins only.",
  })
  updateTransaction(
    @Ctx() ctx: Context,
    @Arg("input", () => UpdateTransactionInput, { description: "The posting and its new annotations." }) input: UpdateTransactionInput,
  ) {
    return ctx.ledger.reversals.update(input);
  }

  @Authorized<Rule>("admin")
  @Mutation(() => PostJournalEntryResult, {
    description:
      "Moves money among accounts of one currency in one balanced entry (e.g. payer DEBIT 10.30, payee CREDIT 10.00, fees CREDIT 0.30), all lines or none. Admins only. Idempotent: a retry with the same idempotencyKey and request replays the first answer.",
  })
  async postJournalEntry(
    @Ctx() ctx: Context,
    @Arg("input", () => PostJournalEntryInput, { description: "The lines, the idempotency key and the annotations." }) input: PostJournalEntryInput,
  ) {
    const result = await ctx.ledger.entries.post(ctx.caller, input);
    if (result.outcome === "PostJournalEntrySuccess") primeEntry(ctx.loaders, result.journalEntry, result.lines);
    return result;
  }

  @Authorized<Rule>("admin", "teller")
  @Mutation(() => AuthorizeHoldResult, {
    description:
      "Reserves money on an account: it stays in balance and leaves availableBalance at once (the funds check is on the available balance). Tellers and admins. Idempotent: a retry with the same idempotencyKey and request replays the first answer.",
  })
  authorizeHold(
    @Ctx() ctx: Context,
    @Arg("input", () => AuthorizeHoldInput, { description: "The account, the amount, where captures go and until when." }) input: AuthorizeHoldInput,
  ) {
    return ctx.ledger.holds.authorize(ctx.caller, input);
  }

  @Authorized<Rule>("admin", "teller")
  @Mutation(() => CaptureHoldResult, {
    description:
      "Posts money a hold reserved: to its destination (kind TRANSFER) or out through settlement (kind WITHDRAWAL). Never fails for funds, only for state: at or after expiresAt it is HoldExpired. Tellers and admins. Idempotent per key.",
  })
  captureHold(
    @Ctx() ctx: Context,
    @Arg("input", () => CaptureHoldInput, { description: "The hold, how much, and whether it is the last capture." }) input: CaptureHoldInput,
  ) {
    return ctx.ledger.holds.capture(ctx.caller, input);
  }

  @Authorized<Rule>("admin", "teller")
  @Mutation(() => VoidHoldResult, {
    description: "Releases what a hold has left; allowed on FROZEN and CLOSED accounts too. Tellers and admins. Idempotent per key.",
  })
  voidHold(@Ctx() ctx: Context, @Arg("input", () => VoidHoldInput, { description: "The hold and the idempotency key." }) input: VoidHoldInput) {
    return ctx.ledger.holds.void(ctx.caller, input);
  }
}
