import { Arg, Ctx, ID, Mutation, Query, Resolver, UseMiddleware } from "type-graphql";
import type { Account as AccountRow } from "../src/db/generated/prisma/client";
import type { Context } from "../src/graphql/context";
import { DebitResult, PostingInput, TransferInput, TransferResult } from "../src/graphql/mutationTypes";
import { recordOutcome } from "../src/graphql/resolvers/mutation";
import { Account } from "../src/graphql/types";
import type { PostingSuccess, TransferSuccess } from "../src/ledger/postings";
import { cannedAccount, cannedPosting, CANNED_VERSION, withCannedData } from "./canned";
import { BENCH_FIELDS } from "./fields";
import { naiveDebit, naiveTransfer } from "./naive";

/*
 * Served by the bench server only (bench/server.ts), beside the public
 * resolvers; never part of schema.graphql. Each answers with the same types
 * as the public field it stands in for, so clients send the same selection.
 */

/** F: the public operations' shapes with canned data, no database. */
@Resolver()
export class CannedResolver {
  @Mutation(() => DebitResult, { name: BENCH_FIELDS.cannedDebit })
  @UseMiddleware(recordOutcome, withCannedData)
  cannedDebit(@Arg("input", () => PostingInput) input: PostingInput): PostingSuccess {
    const account = cannedAccount(input.accountId, (input.expectedVersion ?? CANNED_VERSION) + 1);
    return { outcome: "PostingSuccess", account, transaction: cannedPosting(account), replayed: false };
  }

  @Mutation(() => TransferResult, { name: BENCH_FIELDS.cannedTransfer })
  @UseMiddleware(recordOutcome, withCannedData)
  cannedTransfer(@Arg("input", () => TransferInput) input: TransferInput): TransferSuccess {
    const from = cannedAccount(input.fromAccountId);
    const to = cannedAccount(input.toAccountId!);
    const transferId = "01a20b71-898b-77b0-8e1d-687b7ec3b479";
    return {
      outcome: "TransferSuccess",
      transferId,
      debit: cannedPosting(from, { kind: "TRANSFER", transferId }),
      credit: cannedPosting(to, { type: "CREDIT", kind: "TRANSFER", transferId }),
      from,
      to,
      replayed: false,
    };
  }

  @Query(() => Account, { name: BENCH_FIELDS.cannedAccount, nullable: true })
  @UseMiddleware(withCannedData)
  cannedAccount(@Ctx() ctx: Context, @Arg("id", () => ID) id: string): Promise<AccountRow | null> {
    return ctx.loaders.account.load(id);
  }
}

/** N: the public mutations as a naive interactive transaction. */
@Resolver()
@UseMiddleware(recordOutcome)
export class NaiveResolver {
  @Mutation(() => DebitResult, { name: BENCH_FIELDS.naiveDebit })
  naiveDebit(@Ctx() ctx: Context, @Arg("input", () => PostingInput) input: PostingInput) {
    return naiveDebit(ctx.ledger, ctx.caller, input);
  }

  @Mutation(() => TransferResult, { name: BENCH_FIELDS.naiveTransfer })
  naiveTransfer(@Ctx() ctx: Context, @Arg("input", () => TransferInput) input: TransferInput) {
    return naiveTransfer(ctx.ledger, ctx.caller, input);
  }
}
