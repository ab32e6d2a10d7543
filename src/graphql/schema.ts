import "reflect-metadata";
import { DateTimeResolver } from "graphql-scalars";
import { buildSchema, type ClassType, type NonEmptyArray } from "type-graphql";
import { authChecker } from "./authorization";
import { AccountResolver } from "./resolvers/account";
import { MutationResolver } from "./resolvers/mutation";
import { SubscriptionResolver } from "./resolvers/subscription";
import { TransactionResolver } from "./resolvers/transaction";

/**
 * The public schema, plus `extraResolvers` when a process serves more than the
 * contract (the benchmark's baselines). schema.graphql is emitted without them.
 */
export function createSchema(emitSchemaFile?: string, extraResolvers: readonly ClassType[] = []) {
  const resolvers: NonEmptyArray<ClassType> = [AccountResolver, TransactionResolver, MutationResolver, SubscriptionResolver, ...extraResolvers];
  return buildSchema({
    resolvers,
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    authChecker,
    // Each subscription brings its own source (the EventHub); type-graphql wants a pubSub all the same.
    pubSub: {
      publish: () => {
        throw new Error("Solvent publishes events through the outbox, not type-graphql's pubSub");
      },
      subscribe: () => {
        throw new Error("Solvent's subscriptions read from the EventHub, not type-graphql's pubSub");
      },
    },
    // Input rules live in the ledger and answer ValidationFailed.
    validate: false,
    emitSchemaFile: emitSchemaFile ? { path: emitSchemaFile, sortedSchema: false } : false,
  });
}
