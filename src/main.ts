import { startSolvent } from "./app";
import { loadConfig, type Config } from "./config";
import { createLogger, type Logger } from "./logger";

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
  // startSolvent has stopped whatever it had started when it fails: one log line, with the details under err.
  const solvent = await startSolvent(config, log).catch((error: unknown) => {
    log.fatal({ err: error }, `could not start: ${messageOf(error)}`);
    process.exit(1);
  });
  log.info({ url: solvent.url }, `Solvent is serving GraphQL at ${solvent.url}`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down: answering the requests that arrived, then closing");
    solvent.stop().then(
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
