import "reflect-metadata";
import { DateTimeResolver } from "graphql-scalars";
import { buildSchema } from "type-graphql";
import { authChecker } from "./authorization";
import { AccountResolver } from "./resolvers/account";
import { MutationResolver } from "./resolvers/mutation";
import { TransactionResolver } from "./resolvers/transaction";

export function createSchema(emitSchemaFile?: string) {
  return buildSchema({
    resolvers: [AccountResolver, TransactionResolver, MutationResolver],
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    authChecker,
    // Input rules live in the ledger and answer ValidationFailed.
    validate: false,
    emitSchemaFile: emitSchemaFile ? { path: emitSchemaFile, sortedSchema: false } : false,
  });
}
