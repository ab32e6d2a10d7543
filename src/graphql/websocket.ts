import { randomUUID } from "node:crypto";
import type http from "node:http";
import {
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  OperationTypeNode,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationRule,
} from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import type { Authenticate } from "../auth";
import type { EventHub } from "../events";
import type { Caller, Ledger } from "../ledger";
import type { Logger } from "../logger";
import { createLoaders, type Context } from "./context";
import { clientError, formatError, logError } from "./errors";
import { FIXED_LIMITS } from "./limits";

/** graphql-js leaves its parse and validation errors without a code; HTTP requests get these from Apollo. */
const withCode = (errors: readonly GraphQLError[], code: string) =>
  errors.map((error) => new GraphQLError(error.message, { nodes: error.nodes, extensions: { code, ...error.extensions } }));

/**
 * GraphQL subscriptions over graphql-ws, on the HTTP server's /graphql path.
 * The connection authenticates once (connectionParams.authorization, a
 * bearer token); only subscriptions go this way (queries and mutations use
 * POST, with its limits), and they are parsed and validated with the same
 * limits as the HTTP requests.
 */
export function serveSubscriptions(options: {
  httpServer: http.Server;
  schema: GraphQLSchema;
  ledger: Ledger;
  events: EventHub;
  authenticate: Authenticate;
  validationRules: ValidationRule[];
  introspection: boolean;
  log: Logger;
}) {
  const { schema, ledger, events, authenticate, log } = options;
  const rules = [...specifiedRules, ...options.validationRules, ...(options.introspection ? [] : [NoSchemaIntrospectionCustomRule])];
  const format = (errors: readonly GraphQLError[]) =>
    errors.map((error) => {
      logError(log, error, { transport: "websocket" });
      return formatError(error.toJSON(), error);
    });
  const wsServer = new WebSocketServer({ server: options.httpServer, path: "/graphql" });

  return useServer<Record<string, unknown>, { caller?: Caller }>(
    {
      schema,
      onConnect: async (ctx) => {
        const caller = await authenticate(String(ctx.connectionParams?.authorization ?? "")).catch(() => undefined);
        if (!caller) return false;
        ctx.extra.caller = caller;
        return true;
      },
      onSubscribe: (ctx, _id, payload) => {
        let document: DocumentNode;
        try {
          document = parse(payload.query, { maxTokens: FIXED_LIMITS.maxTokens });
        } catch (error) {
          return withCode([error as GraphQLError], "GRAPHQL_PARSE_FAILED");
        }
        const errors = validate(schema, document, rules);
        if (errors.length) return withCode(errors, "GRAPHQL_VALIDATION_FAILED");
        if (getOperationAST(document, payload.operationName)?.operation !== OperationTypeNode.SUBSCRIPTION) {
          return [clientError("only subscriptions go over the WebSocket; send queries and mutations as HTTP POST", "BAD_REQUEST", 400)];
        }
        const requestId = randomUUID();
        log.info({ requestId, operationName: payload.operationName ?? null, subject: ctx.extra.caller!.subject }, "subscription");
        const contextValue: Context = {
          ledger,
          events,
          caller: ctx.extra.caller!,
          requestId,
          started: process.hrtime.bigint(),
          outcomes: [],
          authorizedRootFields: new Set<string>(),
          // A subscription lives long: what it reads must not be remembered from one event to the next.
          loaders: createLoaders(ledger, { cache: false }),
        };
        return { schema, document, variableValues: payload.variables, operationName: payload.operationName, contextValue };
      },
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? { ...result, errors: format(result.errors) } : undefined),
      onError: (_ctx, _id, _payload, errors) => format(errors),
    },
    wsServer,
  );
}
