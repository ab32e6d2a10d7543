import { Arg, Authorized, Ctx, Mutation, Resolver, UseMiddleware, type MiddlewareFn } from "type-graphql";
import type { Rule } from "../authorization";
import type { Context } from "../context";
import {
  CloseAccountInput,
  CloseAccountResult,
  CreditResult,
  DebitResult,
  OpenAccountInput,
  OpenAccountResult,
  PostingInput,
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

@Resolver()
@UseMiddleware(recordOutcome)
export class MutationResolver {
  @Authorized<Rule>("admin")
  @Mutation(() => OpenAccountResult)
  openAccount(@Ctx() ctx: Context, @Arg("input", () => OpenAccountInput) input: OpenAccountInput) {
    return ctx.ledger.accounts.open(ctx.caller, input);
  }

  @Authorized<Rule>("admin", "teller:freeze")
  @Mutation(() => UpdateAccountResult)
  updateAccount(@Ctx() ctx: Context, @Arg("input", () => UpdateAccountInput) input: UpdateAccountInput) {
    return ctx.ledger.accounts.update(input);
  }

  @Authorized<Rule>("admin")
  @Mutation(() => CloseAccountResult)
  closeAccount(@Ctx() ctx: Context, @Arg("input", () => CloseAccountInput) input: CloseAccountInput) {
    return ctx.ledger.accounts.close(input);
  }

  @Authorized<Rule>("admin", "teller")
  @Mutation(() => CreditResult)
  credit(@Ctx() ctx: Context, @Arg("input", () => PostingInput) input: PostingInput) {
    return ctx.ledger.postings.credit(ctx.caller, input);
  }

  @Authorized<Rule>("admin", "teller", "customer")
  @Mutation(() => DebitResult)
  debit(@Ctx() ctx: Context, @Arg("input", () => PostingInput) input: PostingInput) {
    return ctx.ledger.postings.debit(ctx.caller, input);
  }

  @Authorized<Rule>("admin", "teller", "customer:payer")
  @Mutation(() => TransferResult)
  transfer(@Ctx() ctx: Context, @Arg("input", () => TransferInput) input: TransferInput) {
    return ctx.ledger.postings.transfer(ctx.caller, input);
  }

  @Authorized<Rule>("admin")
  @Mutation(() => ReverseTransactionResult)
  reverseTransaction(@Ctx() ctx: Context, @Arg("input", () => ReverseTransactionInput) input: ReverseTransactionInput) {
    return ctx.ledger.reversals.reverse(ctx.caller, input);
  }

  @Authorized<Rule>("admin")
  @Mutation(() => UpdateTransactionResult)
  updateTransaction(@Ctx() ctx: Context, @Arg("input", () => UpdateTransactionInput) input: UpdateTransactionInput) {
    return ctx.ledger.reversals.update(input);
  }
}
