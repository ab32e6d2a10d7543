import { loadConfig, type Config } from "./config";
import { createLogger, type Logger } from "./logger";
import { startTracing } from "./tracing";

/** How long shutdown waits for the last spans to reach the collector. */
const TRACING_STOP_MS = 5000;

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** A bad setting is one JSON log line saying which and why (its stack says nothing more), then exit code 1. */
function configure(): { config: Config; log: Logger } {
  try {
    const config = loadConfig();
    return { config, log: createLogger(config.logLevel) };
  } catch (error) {
    // The log level is a setting too: a bad configuration is reported at the default level.
    createLogger("info").fatal(`invalid configuration: ${messageOf(error)}`);
    process.exit(1);
  }
}

async function main() {
  const { config, log } = configure();
  const tracing = config.tracing && startTracing(config.tracing, log);
  // Loaded only now: tracing patches http, express, graphql and pg as they are required.
  const { startSolvent } = require("./app") as typeof import("./app");
  // startSolvent has stopped whatever it had started when it fails: one log line, with the details under err.
  const solvent = await startSolvent(config, log).catch((error: unknown) => {
    log.fatal({ err: error }, `could not start: ${messageOf(error)}`);
    process.exit(1);
  });
  log.info({ url: solvent.url, tracing: Boolean(tracing) }, `Solvent is serving GraphQL at ${solvent.url}`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down: answering the requests that arrived, then closing");
    solvent
      .stop()
      // The last requests' spans are still in the exporter's buffer.
      .then(() => tracing?.stop(TRACING_STOP_MS).catch((error: unknown) => log.warn({ err: error }, "spans lost at shutdown")))
      .then(
        () => {
          log.info("stopped");
          process.exit(0);
        },
        (error: unknown) => {
          log.error({ err: error }, "unclean shutdown");
          process.exit(1);
        },
      );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

void main();
