import { IncomingMessage } from "node:http";
import type { NodeSDKConfiguration } from "@opentelemetry/sdk-node";
import type { TracingConfig } from "./config";
import type { Logger } from "./logger";
import { GRAPHQL_PATH } from "./paths";

/*
 * OpenTelemetry tracing, on when OTEL_EXPORTER_OTLP_ENDPOINT is set. The
 * instrumentations patch http, express, graphql and pg as they are required,
 * so tracing starts before the server's modules load (main.ts loads ./app
 * after it). The OpenTelemetry packages are required inside the functions
 * below: with tracing off none of them is loaded.
 */

type SpanProcessor = NonNullable<NodeSDKConfiguration["spanProcessors"]>[number];

export interface Tracing {
  /** Exports the spans still buffered, then stops; gives up after `timeoutMs`, so that an unreachable collector cannot hold up the exit. */
  stop(timeoutMs: number): Promise<void>;
}

/** Probes and scrapes come every few seconds: as traces they would bury the requests'. */
const UNTRACED_PATHS = new Set(["/healthz", "/readyz", "/metrics"]);

/** GraphQL over GET carries the document and its variables in the query string. */
const GRAPHQL_QUERY_PARAMETERS = ["query", "variables", "extensions"];

/**
 * Registers the instrumentations and a tracer provider exporting by OTLP over HTTP (JSON). The exporter
 * reads its standard settings itself: OTEL_EXPORTER_OTLP_ENDPOINT (spans go to its /v1/traces), _HEADERS,
 * _TIMEOUT and their _TRACES_ variants; OTEL_BSP_* tune the batches.
 */
export function startTracing(config: TracingConfig, log: Logger): Tracing {
  const { tracing } = require("@opentelemetry/sdk-node") as typeof import("@opentelemetry/sdk-node");
  const { OTLPTraceExporter } = require("@opentelemetry/exporter-trace-otlp-http") as typeof import("@opentelemetry/exporter-trace-otlp-http");
  return traceInto(config.serviceName, new tracing.BatchSpanProcessor(new OTLPTraceExporter()), log);
}

/** Registers the instrumentations and a tracer provider handing its spans to `spanProcessor` (the tests give an in-memory one). */
export function traceInto(serviceName: string, spanProcessor: SpanProcessor, log: Logger): Tracing {
  const { NodeSDK, api, core, tracing } = require("@opentelemetry/sdk-node") as typeof import("@opentelemetry/sdk-node");
  const { HttpInstrumentation } = require("@opentelemetry/instrumentation-http") as typeof import("@opentelemetry/instrumentation-http");
  const { ExpressInstrumentation } = require("@opentelemetry/instrumentation-express") as typeof import("@opentelemetry/instrumentation-express");
  const { GraphQLInstrumentation } = require("@opentelemetry/instrumentation-graphql") as typeof import("@opentelemetry/instrumentation-graphql");
  const { PgInstrumentation } = require("@opentelemetry/instrumentation-pg") as typeof import("@opentelemetry/instrumentation-pg");

  const sdk = new NodeSDK({
    serviceName,
    // A trace starts only at a request the server receives (or continues the caller's, from its traceparent header).
    // Work outside requests is never a trace: start-up (which runs an introspection query of its own),
    // the outbox relay, hold sweeps and purges, GraphQL subscriptions over WebSocket.
    sampler: new tracing.ParentBasedSampler({
      root: {
        shouldSample: (_context, _traceId, _name, kind) => ({
          decision: kind === api.SpanKind.SERVER ? tracing.SamplingDecision.RECORD_AND_SAMPLED : tracing.SamplingDecision.NOT_RECORD,
        }),
        toString: () => "IncomingRequestsOnly",
      },
    }),
    spanProcessors: [spanProcessor],
    // Traces only: left unset, the SDK would export metrics and logs by OTLP too (OTEL_METRICS_EXPORTER and OTEL_LOGS_EXPORTER default to otlp).
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.has(request.url?.split("?")[0] ?? ""),
        redactedQueryParamsServer: GRAPHQL_QUERY_PARAMETERS,
        // Calls outside a request would be dropped by the sampler: no need to make their spans.
        requireParentforOutgoingSpans: true,
        // The HTTP span is named "<method> <route>" when something names the route: Express for its own routes,
        // this for GraphQL's, which POST requests reach without Express (graphql/http.ts).
        requestHook: (_span, request) => {
          const metadata = core.getRPCMetadata(api.context.active());
          if (request instanceof IncomingMessage && metadata?.type === core.RPCType.HTTP && GRAPHQL_PATH.test(request.url ?? "")) metadata.route = "/graphql";
        },
      }),
      new ExpressInstrumentation(),
      // Parse, validate and execute (named after the operation); a span per resolved field would multiply
      // a history read's spans by its rows, and the statements under execute already show where time goes.
      new GraphQLInstrumentation({ ignoreResolveSpans: true, allowValues: false }),
      // Statement text only (values stay out: enhancedDatabaseReporting is off). Statements outside a request
      // (the outbox relay polls every 200 ms) would be dropped by the sampler; requireParentSpan spares making their spans.
      new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }),
    ],
  });
  // The SDK reports its failures (a collector out of reach: the batch is dropped) to its diagnostic logger, silent by default.
  const report = (message: string, ...details: unknown[]) => log.warn({ details: details.map(String) }, `tracing: ${message}`);
  api.diag.setLogger({ error: report, warn: report, info: () => {}, debug: () => {}, verbose: () => {} }, api.DiagLogLevel.WARN);
  sdk.start();
  return {
    stop: (timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`spans not exported within ${timeoutMs} ms`)), timeoutMs);
        timer.unref();
        sdk.shutdown().then(resolve, reject).finally(() => clearTimeout(timer));
      }),
  };
}
