import { startSolvent } from "../src/app";
import { loadConfig } from "../src/config";
import { createLogger } from "../src/logger";
import { CannedResolver, NaiveResolver } from "./resolvers";

/*
 * The server the benchmark drives: the real Solvent with the baselines'
 * extra fields, in a process of its own so the load generator never shares
 * its event loop. Started by bench/serverProcess.ts with an IPC channel: it
 * reports its URL there, and stops when told to (SIGTERM, SIGINT) or when
 * the channel closes (the benchmark died).
 */
async function main() {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const solvent = await startSolvent(config, log, { resolvers: [CannedResolver, NaiveResolver] });

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    solvent.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, "unclean shutdown");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.on("disconnect", stop);
  process.send?.({ url: solvent.url });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
