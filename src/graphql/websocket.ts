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
import type { Context as WsContext } from "graphql-ws";
import { useServer, type Extra } from "graphql-ws/use/ws";
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

/** The Authorization header among a subscription's `extensions.headers`, whatever its case. */
function authorizationHeader(extensions: Record<string, unknown> | null | undefined): string | undefined {
  const headers = extensions?.headers;
  if (!headers || typeof headers !== "object") return undefined;
  const value = Object.entries(headers).find(([name]) => name.toLowerCase() === "authorization")?.[1];
  return typeof value === "string" ? value : undefined;
}

/**
 * Who a subscription runs as: the connection's caller when it connected
 * with a token; otherwise the token the subscription itself carries in
 * `extensions.headers`, which is where GraphiQL's page sends its Headers
 * tab (it sends no connectionParams). A GraphQL error when there is none
 * or it is not valid.
 */
async function subscriptionCaller(
  authenticate: Authenticate,
  connectionCaller: Caller | undefined,
  extensions: Record<string, unknown> | null | undefined,
): Promise<Caller | GraphQLError> {
  if (connectionCaller) return connectionCaller;
  return authenticate(authorizationHeader(extensions)).catch((error: unknown) =>
    error instanceof GraphQLError ? error : new GraphQLError("authentication failed", { originalError: error as Error }),
  );
}

/**
 * Closes a connection that came without a token once it has had no
 * subscription running for about `idleMs` (between one and two): it could
 * not do anything else, and must not hold a socket for free.
 */
function closeWhileIdle(ctx: WsContext<Record<string, unknown>, Extra>, idleMs: number) {
  const check = setInterval(() => {
    if (Object.keys(ctx.subscriptions).length === 0) ctx.extra.socket.close(4401, "Unauthorized: no token, and no subscription running");
  }, idleMs);
  check.unref();
  ctx.extra.socket.once("close", () => clearInterval(check));
}

/**
 * GraphQL subscriptions over graphql-ws, on the HTTP server's /graphql path.
 * The connection authenticates once (connectionParams.authorization, a
 * bearer token), or, without one, each subscription does with its own
 * (see subscriptionCaller; such a connection is closed when it stays idle for
 * `idleTimeoutMs`); only subscriptions go this way (queries and mutations use
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
  idleTimeoutMs: number;
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
        const authorization = ctx.connectionParams?.authorization;
        // No token: each subscription must bring its own (see subscriptionCaller).
        if (authorization === undefined) {
          closeWhileIdle(ctx, options.idleTimeoutMs);
          return true;
        }
        const caller = await authenticate(String(authorization)).catch(() => undefined);
        if (!caller) return false;
        ctx.extra.caller = caller;
        return true;
      },
      onSubscribe: async (ctx, _id, payload) => {
        const caller = await subscriptionCaller(authenticate, ctx.extra.caller, payload.extensions);
        if (caller instanceof GraphQLError) return [caller];
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
        log.info({ requestId, operationName: payload.operationName ?? null, subject: caller.subject }, "subscription");
        const contextValue: Context = {
          ledger,
          events,
          caller,
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
