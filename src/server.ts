import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import express from "express";
import type { GraphQLSchema } from "graphql";
import type { Authenticate } from "./auth";
import type { Config } from "./config";
import { consoleRouter } from "./console";
import { drainable } from "./drain";
import type { EventHub } from "./events";
import type { Ledger } from "./ledger";
import { authorizeOperation } from "./graphql/authorization";
import { checkBeforeExecution } from "./graphql/beforeExecution";
import { serviceUnavailableStatus } from "./graphql/busy";
import { createLoaders, type Context } from "./graphql/context";
import { graphqlHandler, type RequestContext } from "./graphql/http";
import { errorCode, formatError, INTERNAL_ERROR_MESSAGE, INTERNAL_SERVER_ERROR, logError } from "./graphql/errors";
import { armor, costLimit, FIXED_LIMITS, rateLimit } from "./graphql/limits";
import { compressPlayground, playgroundPlugin } from "./graphql/playground";
import { serveSubscriptions } from "./graphql/websocket";
import type { Logger } from "./logger";
import { graphqlMetricsPlugin, type Metrics } from "./metrics";
import { GRAPHQL_PATH } from "./paths";

/** The one log line each request gets. */
function logRequest(log: Logger, requestId: string, started: bigint, operationName: string | null, outcome: string) {
  log.info({ requestId, operationName, outcome, durationMs: Number(process.hrtime.bigint() - started) / 1e6 }, "request");
}

/** One log line per error (see logError) and one per request, under the request id the client sees. */
function requestLog(log: Logger): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ contextValue }) {
      return {
        async didEncounterErrors({ errors, operationName }) {
          for (const error of errors) logError(log, error, { requestId: contextValue.requestId, operationName });
        },
        async willSendResponse({ response, operationName, errors }) {
          if (response.body.kind === "single") {
            for (const error of response.body.singleResult.errors ?? []) {
              (error.extensions as Record<string, unknown>).requestId = contextValue.requestId;
            }
          }
          const outcome = contextValue.outcomes.join(",") || (errors?.length ? errorCode(errors[0]) : "ok");
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

interface ServerOptions {
  schema: GraphQLSchema;
  ledger: Ledger;
  events: EventHub;
  metrics: Metrics;
  authenticate: Authenticate;
  /** The development admin token the console offers (see console.ts), when the server made one. */
  developmentToken?: string;
  config: Pick<Config, "host" | "port" | "introspection" | "landingPage" | "limits" | "production">;
  log: Logger;
  ready: () => Promise<boolean>;
}

/** Each request's context: its id (the client's x-request-id, if sane), its caller, fresh loaders. */
function requestContext({ ledger, events, authenticate, log }: ServerOptions): RequestContext {
  return async (req, res, body) => {
    const header = req.headers["x-request-id"];
    const requestId = typeof header === "string" && REQUEST_ID.test(header) ? header : randomUUID();
    res.setHeader("x-request-id", requestId);
    const started = process.hrtime.bigint();
    // A request refused here never reaches the plugins: it is logged here.
    const caller = await authenticate(req.headers.authorization).catch((error: unknown) => {
      const name = (body as { operationName?: unknown } | undefined)?.operationName;
      const operationName = typeof name === "string" ? name : null;
      logRequest(log, requestId, started, operationName, logError(log, error, { requestId, operationName }));
      throw error;
    });
    return { ledger, events, caller, requestId, started, outcomes: [], authorizedRootFields: new Set<string>(), loaders: createLoaders(ledger) };
  };
}

/** Unreadable bodies (malformed JSON, too large) and the like: a clear answer with a GraphQL-shaped error, never a stack trace. */
function httpErrors(log: Logger) {
  return (error: unknown, res: http.ServerResponse) => {
    const { status = 500, message } = error as { status?: number; message?: string };
    const byClient = status >= 400 && status < 500;
    if (!byClient) log.error({ err: error }, "http error");
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.statusCode = byClient ? status : 500;
    res.setHeader("content-type", "application/json; charset=utf-8");
    const answer = { message: byClient ? message : INTERNAL_ERROR_MESSAGE, extensions: { code: byClient ? "BAD_REQUEST" : INTERNAL_SERVER_ERROR } };
    res.end(JSON.stringify({ errors: [answer] }));
  };
}

/** POST /graphql (any query string): the requests that go to GraphQL without Express. */
const isGraphqlPost = (req: http.IncomingMessage) => req.method === "POST" && GRAPHQL_PATH.test(req.url ?? "");

export async function startServer(options: ServerOptions): Promise<Server> {
  const { schema, ledger, events, authenticate, config, log } = options;
  const app = express();
  app.disable("x-powered-by");
  const timeout = config.limits.requestTimeoutMs;
  // A request must arrive in full within the timeout (slow clients cannot hold connections open).
  const httpServer = http.createServer({ requestTimeout: timeout, headersTimeout: timeout, connectionsCheckingInterval: Math.min(timeout, 1000) });
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
      config.landingPage ? playgroundPlugin() : ApolloServerPluginLandingPageDisabled(),
      requestLog(log),
      graphqlMetricsPlugin(options.metrics.graphql, schema),
      serviceUnavailableStatus(),
      ...guard.plugins,
      checkBeforeExecution([costLimit(schema, config.limits.maxCost), rateLimit(config.limits), authorizeOperation()]),
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
  app.use("/console", consoleRouter(options.developmentToken));
  const answerError = httpErrors(log);
  const graphql = graphqlHandler(apollo, requestContext(options), answerError);
  if (config.landingPage) app.get("/graphql", compressPlayground);
  app.use("/graphql", (req, res) => graphql(req, res));
  app.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => answerError(error, res));
  httpServer.on("request", (req, res) => (isGraphqlPost(req) ? graphql(req, res) : app(req, res)));

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
    // A connection without a token must start a subscription about as soon as a request must arrive.
    idleTimeoutMs: config.limits.requestTimeoutMs,
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
