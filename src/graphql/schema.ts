import "reflect-metadata";
import { buildSchema, emitSchemaDefinitionFile, type ClassType, type NonEmptyArray } from "type-graphql";
import { authChecker } from "./authorization";
import { AccountResolver } from "./resolvers/account";
import { HoldResolver } from "./resolvers/holds";
import { JournalEntryResolver } from "./resolvers/journal";
import { MutationResolver } from "./resolvers/mutation";
import { SubscriptionResolver } from "./resolvers/subscription";
import { TransactionResolver } from "./resolvers/transaction";
import { DateTimeScalar } from "./scalars";

/**
 * The public schema, plus `extraResolvers` when a process serves more than the
 * contract (the benchmark's baselines). schema.graphql is emitted without them.
 */
export async function createSchema(emitSchemaFile?: string, extraResolvers: readonly ClassType[] = []) {
  const resolvers: NonEmptyArray<ClassType> = [AccountResolver, TransactionResolver, JournalEntryResolver, HoldResolver, MutationResolver, SubscriptionResolver, ...extraResolvers];
  const schema = await buildSchema({
    resolvers,
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
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
  });
  // type-graphql has no option for the root types' descriptions, so the schema is emitted once they are set.
  schema.getQueryType()!.description =
    "Reads. Customers see only the accounts they own and their postings (another's look like none at all); tellers and admins see every account.";
  schema.getMutationType()!.description =
    "Changes. Each returns a union of its success and its expected failures (UserError), and changes nothing on a failure. A role that may not call one gets a top-level FORBIDDEN error and nothing runs. Mutations are rate-limited per caller (customers by default): over the limit is a top-level RATE_LIMITED error with retryAfterSeconds.";
  schema.getSubscriptionType()!.description =
    "Live changes of one account, over graphql-ws on /graphql, with the bearer token in connectionParams.authorization (or in each subscription's extensions.headers). Customers subscribe to their own accounts only.";
  if (emitSchemaFile) await emitSchemaDefinitionFile(emitSchemaFile, schema, { sortedSchema: false });
  return schema;
}
