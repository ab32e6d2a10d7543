"use strict";
/*
 * The built server with tracing into an in-memory exporter, as a process of its own (for
 * test/tracing.test.ts): the instrumentations patch modules as Node's own require loads them,
 * which jest's module registry bypasses. Plain JavaScript, so that Node runs it as it is.
 * Configured by the environment as the server is; prints {"url"} once serving, then answers
 * IPC messages: "spans" with the finished spans, "stop" by stopping and exiting.
 */
const { tracing } = require("@opentelemetry/sdk-node");
const { traceInto } = require("../../dist/src/tracing");
const { loadConfig } = require("../../dist/src/config");
const { createLogger } = require("../../dist/src/logger");

const log = createLogger("warn");
const exporter = new tracing.InMemorySpanExporter();
// Loads nothing of the server yet: the app is required below, after the instrumentations are in place.
const traced = traceInto("solvent", new tracing.SimpleSpanProcessor(exporter), log);
const { startSolvent } = require("../../dist/src/app");

const spans = () =>
  exporter.getFinishedSpans().map((span) => ({
    name: span.name,
    kind: span.kind,
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    attributes: span.attributes,
  }));

startSolvent(loadConfig(), log).then((solvent) => {
  process.stdout.write(JSON.stringify({ url: solvent.url }) + "\n");
  process.on("message", async (message) => {
    if (message === "spans") process.send(spans());
    if (message === "stop") {
      await solvent.stop();
      await traced.stop(5000);
      process.exit(0);
    }
  });
});
