import type { ApolloServerPlugin } from "@apollo/server";
import { ApolloArmor } from "@escape.tech/graphql-armor";
import { getNamedType, OperationTypeNode, visit, type DocumentNode, type GraphQLSchema } from "graphql";
import { getComplexity, type ComplexityEstimator } from "graphql-query-complexity";
import { TokenBucket } from "limiter";
import { LRUCache } from "lru-cache";
import type { Limits } from "../config";
import type { Caller } from "../ledger/caller";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "../ledger/history";
import type { Check } from "./beforeExecution";
import type { Context } from "./context";
import { clientError } from "./errors";

/*
 * Limits on what one request may ask for, all checked before anything
 * executes (validation rules, and checks run by checkBeforeExecution): an
 * operation over a limit is answered with a GraphQL error and never reaches
 * the database.
 */
export const FIXED_LIMITS = { maxAliases: 15, maxDirectives: 10, maxTokens: 2000 };

/** Depth, aliases and directives (graphql-armor), as validation rules; tokens are graphql-js's own parse limit. */
export function armor(limits: Limits, production: boolean) {
  const { plugins, validationRules } = new ApolloArmor({
    maxDepth: { n: limits.maxDepth },
    maxAliases: { n: FIXED_LIMITS.maxAliases },
    maxDirectives: { n: FIXED_LIMITS.maxDirectives },
    // Its re-parsing plugin answers every syntax error with a 500; the parser's own limit is used instead.
    maxTokens: { enabled: false },
    // The cost below reads `first`, which armor's static cost cannot.
    costLimit: { enabled: false },
    // "Did you mean ...?" would describe a schema whose introspection is off.
    blockFieldSuggestion: { enabled: production },
  }).protect();
  return { plugins: plugins as ApolloServerPlugin<Context>[], validationRules };
}

/**
 * Each field costs 1; a connection costs its fields times the page it asks
 * for, so `accounts(first: 100) { ... transactions(first: 100) }` costs as
 * much as the 10,000 rows it would read.
 */
const pageCost: ComplexityEstimator = ({ field, args, childComplexity }) => {
  if (!getNamedType(field.type).name.endsWith("Connection")) return 1 + childComplexity;
  const first = typeof args.first === "number" ? args.first : DEFAULT_PAGE_SIZE;
  return 1 + childComplexity * Math.min(Math.max(first, 1), MAX_PAGE_SIZE);
};

/** Whether a variable decides the cost: one in a `first` argument or in a directive (@skip, @include). */
function costReadsVariables(document: DocumentNode): boolean {
  let reads = false;
  visit(document, {
    Argument(argument, _key, _parent, _path, ancestors) {
      const owner = ancestors[ancestors.length - 1] as { kind?: string };
      if (argument.name.value !== "first" && owner.kind !== "Directive") return false;
      visit(argument.value, { Variable: () => void (reads = true) });
      return false;
    },
  });
  return reads;
}

export function costLimit(schema: GraphQLSchema, maxCost: number): Check {
  // Apollo hands every request with the same text the same parsed document: a cost that
  // no variable decides (every mutation's, most queries') is computed once per document.
  // Per document: its costs by operation name, or null when variables decide them.
  const fixedCosts = new WeakMap<DocumentNode, Map<string | undefined, number> | null>();
  const costOf = (document: DocumentNode, variables: Record<string, unknown> | undefined, operationName: string | undefined) => {
    let costs = fixedCosts.get(document);
    if (costs === undefined) {
      costs = costReadsVariables(document) ? null : new Map();
      fixedCosts.set(document, costs);
    }
    let cost = costs?.get(operationName);
    if (cost === undefined) {
      cost = getComplexity({ schema, query: document, variables, operationName, estimators: [pageCost] });
      costs?.set(operationName, cost);
    }
    return cost;
  };
  return ({ request, document }) => {
    const cost = costOf(document, request.variables, request.operationName ?? undefined);
    if (cost > maxCost) {
      throw clientError(`this operation would cost ${cost}, more than the ${maxCost} allowed: ask for fewer or smaller pages`, "QUERY_TOO_COSTLY", 400, {
        extensions: { cost, maxCost },
      });
    }
  };
}

/**
 * A token bucket per subject for mutations, with the rate and burst of the
 * subject's role (a role with no rate is not limited). Each mutation field
 * that will run counts, however the document spells it (aliases,
 * fragments). Buckets live in this process; with several processes each
 * allows the rate.
 */
export function rateLimit(limits: Limits): Check {
  const buckets = new LRUCache<string, TokenBucket>({ max: 100_000 });
  const bucketOf = ({ subject, role }: Caller) => {
    const key = `${role}:${subject}`;
    let bucket = buckets.get(key);
    if (!bucket) {
      const { perSecond, burst } = limits.mutationRates[role];
      bucket = new TokenBucket({ bucketSize: burst, tokensPerInterval: perSecond, interval: "second" });
      // A subject not seen for a while starts with a full bucket.
      bucket.content = burst;
      buckets.set(key, bucket);
    }
    return bucket;
  };
  return ({ operation, contextValue: { caller } }, rootFields) => {
    const { perSecond, burst } = limits.mutationRates[caller.role];
    if (perSecond === 0 || operation.operation !== OperationTypeNode.MUTATION) return;
    const count = rootFields.length;
    const bucket = bucketOf(caller);
    if (bucket.tryRemoveTokens(count)) return;
    const retryAfterSeconds = count > burst ? undefined : Math.max(1, Math.ceil(bucket.getWaitTime(count) / 1000));
    throw clientError(
      `rate limit: at most ${perSecond} mutations a second (bursts of ${burst}) per ${caller.role}${retryAfterSeconds ? `; retry in ${retryAfterSeconds} s` : ""}`,
      "RATE_LIMITED",
      429,
      { extensions: { retryAfterSeconds }, headers: retryAfterSeconds ? { "retry-after": String(retryAfterSeconds) } : {} },
    );
  };
}
