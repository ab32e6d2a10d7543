import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { renderGraphiQL } from "@graphql-yoga/render-graphiql";
import { unwrapResolverError } from "@apollo/server/errors";
import { expressMiddleware } from "@as-integrations/express5";
import express from "express";
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from "graphql";
import type { Authenticate } from "./auth";
import type { Config } from "./config";
import { drainable } from "./drain";
import type { EventHub } from "./events";
import type { Ledger } from "./ledger";
import { PageRequestError } from "./ledger/history";
import { isDatabaseBusy } from "./ledger/sqlErrors";
import { serviceUnavailable, serviceUnavailableStatus } from "./graphql/busy";
import { createLoaders, type Context } from "./graphql/context";
import { armor, costLimit, FIXED_LIMITS, rateLimit } from "./graphql/limits";
import { serveSubscriptions } from "./graphql/websocket";
import type { Logger } from "./logger";
import type { Metrics } from "./metrics";

/** Error codes whose message is written for the client; anything else is masked. */
const CLIENT_ERROR_CODES = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_USER_INPUT",
  "BAD_REQUEST",
  "OPERATION_RESOLUTION_FAILURE",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "NOT_FOUND",
  "RATE_LIMITED",
  "QUERY_TOO_COSTLY",
]);
/** Extensions a client may read beside the code (the limits it ran into). */
const CLIENT_EXTENSIONS = ["retryAfterSeconds", "cost", "maxCost"];

export const INTERNAL_ERROR_MESSAGE = "Internal server error: quote the requestId when reporting it";

function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  if (isDatabaseBusy(unwrapResolverError(error))) return serviceUnavailable(formatted.path);
  if (unwrapResolverError(error) instanceof PageRequestError) {
    return { message: formatted.message, path: formatted.path, extensions: { code: "BAD_USER_INPUT" } };
  }
  // Apollo refuses some malformed requests with a 4xx status but no code: they are the client's to fix.
  const status = (error as { extensions?: { http?: { status?: number } } }).extensions?.http?.status;
  const code = status && status >= 400 && status < 500 && formatted.extensions?.code === "INTERNAL_SERVER_ERROR" ? "BAD_REQUEST" : formatted.extensions?.code;
  if (typeof code === "string" && CLIENT_ERROR_CODES.has(code)) {
    const extensions = Object.fromEntries(CLIENT_EXTENSIONS.filter((k) => formatted.extensions?.[k] !== undefined).map((k) => [k, formatted.extensions![k]]));
    return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code, ...extensions } };
  }
  return { message: INTERNAL_ERROR_MESSAGE, path: formatted.path, extensions: { code: "INTERNAL_SERVER_ERROR" } };
}

/** The one log line each request gets. */
function logRequest(log: Logger, requestId: string, started: bigint, operationName: string | null, outcome: string) {
  log.info({ requestId, operationName, outcome, durationMs: Number(process.hrtime.bigint() - started) / 1e6 }, "request");
}

/** One log line per request; internal errors logged in full, under the request id the client sees. */
function requestLog(log: Logger): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ contextValue }) {
      return {
        async didEncounterErrors({ errors, operationName }) {
          for (const error of errors) {
            if (!error.extensions?.code || error.extensions.code === "INTERNAL_SERVER_ERROR") {
              log.error({ requestId: contextValue.requestId, operationName, err: unwrapResolverError(error) }, "internal error");
            }
          }
        },
        async willSendResponse({ response, operationName, errors }) {
          if (response.body.kind === "single") {
            for (const error of response.body.singleResult.errors ?? []) {
              (error.extensions as Record<string, unknown>).requestId = contextValue.requestId;
            }
          }
          const outcome =
            contextValue.outcomes.join(",") || (errors?.length ? String(errors[0].extensions?.code ?? "INTERNAL_SERVER_ERROR") : "ok");
          logRequest(log, contextValue.requestId, contextValue.started, operationName ?? null, outcome);
        },
      };
    },
  };
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

export interface Server {
  url: string;
  stop(): Promise<void>;
}

/** GraphiQL with everything inlined (9 MB, made on first view): it works offline, unlike the CDN-hosted default pages. */
function graphiqlLandingPage(): ApolloServerPlugin<Context> {
  let html: string | undefined;
  const page = async () => (html ??= renderGraphiQL({ title: "Solvent", endpoint: "/graphql", defaultHeaders: '{"Authorization": "Bearer <token>"}' }));
  return {
    async serverWillStart() {
      return {
        async renderLandingPage() {
          return { html: page };
        },
      };
    },
  };
}

export async function startServer(options: {
  schema: GraphQLSchema;
  ledger: Ledger;
  events: EventHub;
  metrics: Metrics;
  authenticate: Authenticate;
  config: Pick<Config, "host" | "port" | "introspection" | "landingPage" | "limits" | "production">;
  log: Logger;
  ready: () => Promise<boolean>;
}): Promise<Server> {
  const { schema, ledger, events, authenticate, config, log } = options;
  const app = express();
  app.disable("x-powered-by");
  const timeout = config.limits.requestTimeoutMs;
  // A request must arrive in full within the timeout (slow clients cannot hold connections open).
  const httpServer = http.createServer({ requestTimeout: timeout, headersTimeout: timeout, connectionsCheckingInterval: Math.min(timeout, 1000) }, app);
  const drain = drainable(httpServer, log);
  const guard = armor(config.limits, config.production);
  const apollo = new ApolloServer<Context>({
    schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    introspection: config.introspection,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    // Parsed documents are cached anyway; persisted queries would only add a cache clients can fill.
    persistedQueries: false,
    validationRules: guard.validationRules,
    parseOptions: { maxTokens: FIXED_LIMITS.maxTokens },
    // main.ts owns shutdown: it also has the database to close.
    stopOnTerminationSignals: false,
    plugins: [
      // Nothing here is cacheable by HTTP caches; its hook on every field costs time on every request.
      ApolloServerPluginCacheControlDisabled(),
      config.landingPage ? graphiqlLandingPage() : ApolloServerPluginLandingPageDisabled(),
      requestLog(log),
      serviceUnavailableStatus(),
      ...guard.plugins,
      costLimit(schema, config.limits.maxCost),
      rateLimit(config.limits),
    ],
  });
  await apollo.start();

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  app.get("/metrics", async (_req, res) => {
    res.type(options.metrics.registry.contentType).send(await options.metrics.registry.metrics());
  });
  app.get("/readyz", async (_req, res) => {
    const ready = await options.ready().catch(() => false);
    res.status(ready ? 200 : 503).json({ status: ready ? "ready" : "unavailable" });
  });
  app.use(
    "/graphql",
    express.json({ limit: "100kb" }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const header = req.header("x-request-id");
        const requestId = header && REQUEST_ID.test(header) ? header : randomUUID();
        res.setHeader("x-request-id", requestId);
        const started = process.hrtime.bigint();
        // A request refused here never reaches the plugins: it is logged here.
        const caller = await authenticate(req.header("authorization")).catch((error: unknown) => {
          const operationName = typeof req.body?.operationName === "string" ? req.body.operationName : null;
          if (!(error instanceof GraphQLError)) log.error({ requestId, err: error }, "internal error");
          logRequest(log, requestId, started, operationName, error instanceof GraphQLError ? String(error.extensions.code) : "INTERNAL_SERVER_ERROR");
          throw error;
        });
        return { ledger, events, caller, requestId, started, outcomes: [], loaders: createLoaders(ledger) };
      },
    }),
  );
  // Malformed JSON and oversized bodies: a clear answer, never a stack trace.
  app.use((error: Error & { status?: number; type?: string }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const status = error.status && error.status < 500 ? error.status : 500;
    if (status === 500) log.error({ err: error }, "http error");
    res.status(status).json({
      errors: [{ message: status === 500 ? INTERNAL_ERROR_MESSAGE : error.message, extensions: { code: status === 500 ? "INTERNAL_SERVER_ERROR" : "BAD_REQUEST" } }],
    });
  });

  await listen(httpServer, config.port, config.host).catch(async (error: unknown) => {
    await apollo.stop();
    throw error;
  });
  // Only once listening: the WebSocket server would take a listen error (a port in use) and print it to the console.
  const subscriptions = serveSubscriptions({
    httpServer,
    schema,
    ledger,
    events,
    authenticate,
    validationRules: guard.validationRules,
    introspection: config.introspection,
    formatError,
    log,
  });
  const { port } = httpServer.address() as AddressInfo;
  return {
    url: `http://${config.host}:${port}/graphql`,
    // Answers the requests that arrived and closes; a request runs for a statement timeout or two at most.
    stop: async () => {
      await Promise.all([subscriptions.dispose(), drain.close(2 * timeout)]);
      await apollo.stop();
    },
  };
}

/** Listens, or fails with the reason (a port in use): a listen error is an event, which nothing else would handle. */
function listen(httpServer: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(port, host, () => {
      httpServer.off("error", reject);
      resolve();
    });
  });
}
