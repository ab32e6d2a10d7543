import { Field, InputType } from "type-graphql";
import { AccountStatus, AccountType, TransactionKind, TransactionStatus, TransactionType } from "../db/generated/prisma/enums";

@InputType()
export class AccountFilter {
  @Field(() => AccountStatus, { nullable: true })
  status?: AccountStatus | null;

  @Field(() => AccountType, { nullable: true })
  type?: AccountType | null;

  @Field(() => String, { nullable: true, description: "Case-insensitive substring of the customer's name." })
  customerName?: string | null;
}

@InputType()
export class TransactionFilter {
  @Field(() => TransactionType, { nullable: true })
  type?: TransactionType | null;

  @Field(() => TransactionKind, { nullable: true })
  kind?: TransactionKind | null;

  @Field(() => TransactionStatus, { nullable: true })
  status?: TransactionStatus | null;

  @Field(() => Date, { nullable: true, description: "Inclusive lower bound on createdAt." })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: "Exclusive upper bound on createdAt." })
  to?: Date | null;
}
