import { startSolvent } from "./app";
import { loadConfig } from "./config";
import { createLogger } from "./logger";

async function main() {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const solvent = await startSolvent(config, log).catch((error: unknown) => {
    log.fatal({ err: error }, "could not start");
    process.exit(1);
  });
  log.info({ url: solvent.url }, `Solvent is serving GraphQL at ${solvent.url}`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down: finishing requests in flight");
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
