import type { ApolloServerPlugin, GraphQLRequestListener } from "@apollo/server";
import { Kind, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode } from "graphql";
import type pg from "pg";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Context } from "./graphql/context";
import { errorCode } from "./graphql/errors";

/** Prometheus metrics of one server, served at GET /metrics. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "solvent_" });
  const counter = (name: string, help: string) => new Counter({ name, help, labelNames: ["sink"], registers: [registry] });
  return {
    registry,
    events: {
      delivered: counter("solvent_events_delivered_total", "Events delivered, per sink"),
      failures: counter("solvent_event_delivery_failures_total", "Failed event deliveries (each attempt), per sink"),
      deadLettered: counter("solvent_events_dead_lettered_total", "Events given up on after their last attempt, per sink"),
    },
    graphql: graphqlMetrics(registry),
    database: databaseMetrics(registry),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
export type EventMetrics = Metrics["events"];
export type GraphQLMetrics = Metrics["graphql"];

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Per-request GraphQL metrics. Every label value comes from a fixed set (see
 * graphqlMetricsPlugin): the operation is a root field of the
 * schema or one of a few fixed words, the outcome `ok`, a union member's code
 * or an error code. Children are made once per label combination and kept.
 */
function graphqlMetrics(registry: Registry) {
  const duration = new Histogram({
    name: "solvent_graphql_request_duration_seconds",
    help: "GraphQL requests over HTTP, from the context's start to the response, per operation type and operation (root field)",
    labelNames: ["operation_type", "operation"],
    buckets: SECONDS,
    registers: [registry],
  });
  const requests = new Counter({
    name: "solvent_graphql_requests_total",
    help: "GraphQL requests over HTTP, per operation type, operation (root field) and outcome (ok, the union member's code, or the error code)",
    labelNames: ["operation_type", "operation", "outcome"],
    registers: [registry],
  });
  const errors = new Counter({
    name: "solvent_graphql_errors_total",
    help: "GraphQL errors answered, per code",
    labelNames: ["code"],
    registers: [registry],
  });
  const durations = new Map<string, Map<string, Histogram.Internal<string>>>();
  const counts = new Map<string, Map<string, Map<string, Counter.Internal>>>();
  const errorCounts = new Map<string, Counter.Internal>();
  return {
    /** One request answered: its duration, and its outcome. */
    request(operationType: string, operation: string, outcome: string, seconds: number) {
      const byType = durations.get(operationType) ?? put(durations, operationType, new Map());
      (byType.get(operation) ?? put(byType, operation, duration.labels(operationType, operation))).observe(seconds);
      const countsByType = counts.get(operationType) ?? put(counts, operationType, new Map());
      const byOutcome = countsByType.get(operation) ?? put(countsByType, operation, new Map());
      (byOutcome.get(outcome) ?? put(byOutcome, outcome, requests.labels(operationType, operation, outcome))).inc();
    },
    error(code: string) {
      (errorCounts.get(code) ?? put(errorCounts, code, errors.labels(code))).inc();
    },
  };
}

/** The pool's connections, read at each scrape, and how long the ledger's statements take (see db/sql.ts). */
function databaseMetrics(registry: Registry) {
  const queries = new Histogram({
    name: "solvent_db_query_duration_seconds",
    help: "The ledger's hand-written statements, from sending to the last row (failures included), per statement name",
    labelNames: ["statement"],
    buckets: [0.0005, ...SECONDS],
    registers: [registry],
  });
  return {
    /** A timer for one statement name (a bounded name, never a value): keep it, it is the hot path. */
    statementTimer(statement: string): (seconds: number) => void {
      const child = queries.labels(statement);
      return (seconds) => child.observe(seconds);
    },
    /** Reports the pool's connections at each scrape. Call once per pool. */
    observePool(pool: Pick<pg.Pool, "totalCount" | "idleCount" | "waitingCount">) {
      new Gauge({
        name: "solvent_db_pool_connections",
        help: "The database pool's connections (state total and idle) and the queries waiting for one (state waiting)",
        labelNames: ["state"],
        registers: [registry],
        collect() {
          this.set({ state: "total" }, pool.totalCount);
          this.set({ state: "idle" }, pool.idleCount);
          this.set({ state: "waiting" }, pool.waitingCount);
        },
      });
    },
  };
}

function put<K extends object | string, V>(map: { set(key: K, value: V): unknown }, key: K, value: V): V {
  map.set(key, value);
  return value;
}

/**
 * Counts and times each GraphQL request over HTTP (subscriptions over
 * WebSocket are not counted). Labels, all from fixed sets:
 * - operation_type: query, mutation, subscription, or unknown (not resolved);
 * - operation: the root field when the document selects one (aliases and
 *   repeats of it count as one), else `multiple`, `introspection` (only
 *   __schema, __type, __typename), `parse_failure`, `validation_failure`, or
 *   `unknown` (no operation resolved for another reason, or refused before it
 *   was read: authentication). Never the client's operation name;
 * - outcome: the first error's code when there were errors, else `ok` when
 *   every mutation answered its success member (queries always), else the
 *   code of the first other member (VersionConflict: VERSION_CONFLICT).
 */
export function graphqlMetricsPlugin(metrics: GraphQLMetrics, schema: GraphQLSchema): ApolloServerPlugin<Context> {
  const rootFields = new Set(
    [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].flatMap((type) => (type ? Object.keys(type.getFields()) : [])),
  );
  // Apollo keeps parsed documents: the same operation node comes back, and is classified once.
  const operations = new WeakMap<OperationDefinitionNode, string>();
  const listener: GraphQLRequestListener<Context> = {
    async didEncounterErrors({ errors }) {
      for (const error of errors) metrics.error(errorCode(error));
    },
    async willSendResponse({ contextValue, operation, document, errors }) {
      const code = errors?.length ? errorCode(errors[0]) : undefined;
      let name: string;
      if (operation && document) {
        name = operations.get(operation) ?? put(operations, operation, rootFieldOf(operation, document, rootFields));
      } else {
        name = code === "GRAPHQL_PARSE_FAILED" ? "parse_failure" : code === "GRAPHQL_VALIDATION_FAILED" ? "validation_failure" : "unknown";
      }
      const seconds = Number(process.hrtime.bigint() - contextValue.started) / 1e9;
      metrics.request(operation?.operation ?? "unknown", name, code ?? outcomeOf(contextValue.outcomes), seconds);
    },
  };
  return {
    async requestDidStart() {
      return listener;
    },
    // Refused while making the context (authentication): no document was read.
    async contextCreationDidFail({ error }) {
      const code = errorCode(error);
      metrics.error(code);
      metrics.request("unknown", "unknown", code, 0);
    },
  };
}

/** `ok`, or the code of the first member that is not a success (a name of the schema's, so a bounded set). */
function outcomeOf(outcomes: string[]): string {
  for (const outcome of outcomes) {
    if (!outcome.endsWith("Success")) return codes.get(outcome) ?? put(codes, outcome, outcome.replace(/(?<=[a-z0-9])(?=[A-Z])/g, "_").toUpperCase());
  }
  return "ok";
}
const codes = new Map<string, string>();

/** The one root field the operation selects (through fragments too), or a fixed word. */
function rootFieldOf(operation: OperationDefinitionNode, document: DocumentNode, rootFields: Set<string>): string {
  const names = new Set<string>();
  let meta = false;
  const visit = (selectionSet: SelectionSetNode, depth: number) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value.startsWith("__")) meta = true;
        else names.add(selection.name.value);
      } else if (depth < 10) {
        const fragment =
          selection.kind === Kind.INLINE_FRAGMENT
            ? selection
            : document.definitions.find((d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === selection.name.value);
        if (fragment && "selectionSet" in fragment) visit(fragment.selectionSet, depth + 1);
      }
    }
  };
  visit(operation.selectionSet, 0);
  if (names.size > 1) return "multiple";
  const [name] = names;
  if (name === undefined) return meta ? "introspection" : "unknown";
  return rootFields.has(name) ? name : "unknown";
}
