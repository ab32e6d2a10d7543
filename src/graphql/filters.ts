import { Field, InputType } from "type-graphql";
import { AccountStatus, AccountType, TransactionKind, TransactionStatus, TransactionType } from "../db/generated/prisma/enums";

@InputType({ description: "Narrows a list of accounts: an account is listed when it matches every field given." })
export class AccountFilter {
  @Field(() => AccountStatus, { nullable: true, description: "Only accounts in this status." })
  status?: AccountStatus | null;

  @Field(() => AccountType, { nullable: true, description: "Only accounts of this type." })
  type?: AccountType | null;

  @Field(() => String, {
    nullable: true,
    description: "Case-insensitive substring of the customer's name; `%` and `_` match only themselves.",
  })
  customerName?: string | null;
}

@InputType({ description: "Narrows a history: a posting is listed when it matches every field given. The order stays newest first." })
export class TransactionFilter {
  @Field(() => TransactionType, { nullable: true, description: "Only credits, or only debits." })
  type?: TransactionType | null;

  @Field(() => TransactionKind, { nullable: true, description: "Only postings of this kind." })
  kind?: TransactionKind | null;

  @Field(() => TransactionStatus, { nullable: true, description: "Only POSTED, or only REVERSED postings." })
  status?: TransactionStatus | null;

  @Field(() => Date, { nullable: true, description: "Inclusive lower bound on createdAt." })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: "Exclusive upper bound on createdAt." })
  to?: Date | null;
}
