import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { unwrapResolverError } from "@apollo/server/errors";
import { expressMiddleware } from "@as-integrations/express5";
import express from "express";
import type { GraphQLFormattedError, GraphQLSchema } from "graphql";
import type { Ledger } from "./ledger";
import { PageRequestError } from "./ledger/history";
import { createLoaders, type Context } from "./graphql/context";
import type { Logger } from "./logger";

/** Error codes whose message is written for the client; anything else is masked. */
const CLIENT_ERROR_CODES = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_USER_INPUT",
  "BAD_REQUEST",
  "OPERATION_RESOLUTION_FAILURE",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
]);

export const INTERNAL_ERROR_MESSAGE = "Internal server error: quote the requestId when reporting it";

function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  if (unwrapResolverError(error) instanceof PageRequestError) {
    return { message: formatted.message, path: formatted.path, extensions: { code: "BAD_USER_INPUT" } };
  }
  const code = formatted.extensions?.code;
  if (typeof code === "string" && CLIENT_ERROR_CODES.has(code)) {
    return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code } };
  }
  return { message: INTERNAL_ERROR_MESSAGE, path: formatted.path, extensions: { code: "INTERNAL_SERVER_ERROR" } };
}

/** One log line per request; internal errors logged in full, under the request id the client sees. */
function requestLog(log: Logger): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ contextValue }) {
      const started = process.hrtime.bigint();
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
          log.info(
            {
              requestId: contextValue.requestId,
              operationName: operationName ?? null,
              outcome,
              durationMs: Number(process.hrtime.bigint() - started) / 1e6,
            },
            "request",
          );
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

export async function startServer(options: {
  schema: GraphQLSchema;
  ledger: Ledger;
  log: Logger;
  host: string;
  port: number;
  ready: () => Promise<boolean>;
}): Promise<Server> {
  const { schema, ledger, log } = options;
  const app = express();
  app.disable("x-powered-by");
  const httpServer = http.createServer(app);
  const apollo = new ApolloServer<Context>({
    schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    // main.ts owns shutdown: it also has the database to close.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      requestLog(log),
    ],
  });
  await apollo.start();

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
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
        return { ledger, caller: { subject: "anonymous" }, requestId, outcomes: [], loaders: createLoaders(ledger) };
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

  await new Promise<void>((resolve) => httpServer.listen(options.port, options.host, resolve));
  const { port } = httpServer.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}/graphql`,
    // Stops accepting connections and lets requests in flight finish.
    stop: () => apollo.stop(),
  };
}
