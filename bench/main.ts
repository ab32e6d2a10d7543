import { createReadStream, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import pg from "pg";
import { PROJECT_ROOT } from "../src/paths";
import { ledgerViolations } from "../test/support/ledgerInvariant";
import { createBenchDatabase, DEFAULT_ADMIN_URL, describePostgres, SEED, seed } from "./database";
import { drive } from "./load";
import { merge, total, type Measurement } from "./measurement";
import { parseOptions, roundsOf, USAGE, type Options } from "./options";
import { pgbench, pgbenchVersion } from "./pgbench";
import {
  autocannonVersion,
  BASELINE_MOVE_TEXT,
  describeMachine,
  describeMeasurement,
  problems,
  renderReport,
  say,
  today,
  TURN_LABELS,
  unsteadyBaselines,
  type Row,
  type Soak,
  type Turn,
} from "./report";
import { primeLoad, scenarios, type Scenario } from "./scenarios";
import { parseVariant, startBenchServer, startPooledBenchServer, type BenchServer } from "./serverProcess";
import { pgbenchScripts, type PgbenchScripts } from "./statements";
import type { Load } from "./workloads";

const RESULTS_DIR = path.join(PROJECT_ROOT, "bench", "results");
/** Migrating, seeding, capturing the statements, starting the server, checking the ledger: roughly. */
const SETUP_SECONDS = 15;
const PRIME_CONNECTIONS = 16;
/** PgBouncer's server connections for the pooled scenario: one process's default pool (4 × cores). */
const POOLER_SIZE = 4 * os.availableParallelism();
/** Priming's usual length, for the estimate. */
const PRIME_SECONDS = 12;
/** A limit only: priming stops after one request per account. */
const PRIME_TIMEOUT_SECONDS = 300;


class Interrupted extends Error {}

/** Clean-up steps, run in reverse order of registration; one failing does not stop the others. */
class Cleanup {
  private readonly steps: Array<() => Promise<unknown>> = [];
  add(step: () => Promise<unknown>) {
    this.steps.push(step);
  }
  async run() {
    for (const step of this.steps.reverse()) {
      await step().catch((error: unknown) => say(`cleanup: ${String(error)}`));
    }
  }
}

/** What a run of these options costs, for the plan it prints and the README. */
function estimateSeconds(options: Options, chosen: Scenario[], byName: Map<string, Scenario>): number {
  const perSlice = options.slice + 0.3; // connecting, pgbench starting
  let perConnections = 0;
  for (const scenario of chosen) {
    const of = byName.get(scenario.baselinesOf)!;
    const http = 1 + (options.variant ? 1 : 0) + (of.loads.canned ? 1 : 0) + (scenario.loads.naive ? 1 : 0);
    perConnections += http * options.warmup + roundsOf(options) * perSlice * (http + (of.script ? 1 : 0));
  }
  const soak = options.soakSeconds ? options.soakWarmup + options.soakSeconds : 0;
  return SETUP_SECONDS + (options.warmup > 0 ? PRIME_SECONDS : 0) + perConnections * options.connections.length + soak;
}

async function main(): Promise<number> {
  const parsed = parseOptions(process.argv.slice(2), path.join(RESULTS_DIR, `${today()}.md`));
  if (parsed === "help") {
    console.log(USAGE);
    return 0;
  }
  const options = parsed;
  const variantSettings = options.variant === undefined ? undefined : parseVariant(options.variant);
  const adminUrl = process.env.BENCH_DATABASE_URL || DEFAULT_ADMIN_URL;

  let interrupted: NodeJS.Signals | undefined;
  let stopRunning: (() => void) | undefined;
  const onStart = (stop: () => void) => (stopRunning = stop);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = signal;
      say(`${signal}: stopping, then dropping the bench database`);
      stopRunning?.();
    });
  }
  const checkpoint = () => {
    if (interrupted) throw new Interrupted(interrupted);
  };

  const cleanup = new Cleanup();
  let logFile: string | undefined;
  try {
    const workDir = await mkdtemp(path.join(os.tmpdir(), "solvent-bench-"));
    cleanup.add(() => rm(workDir, { recursive: true, force: true }));

    say("creating and migrating the bench database");
    const database = await createBenchDatabase(adminUrl);
    cleanup.add(() => database.drop());
    const byName = new Map(scenarios(database.url).map((s) => [s.name, s]));
    const chosen = options.scenarios.map((name) => byName.get(name)!);
    const estimate = estimateSeconds(options, chosen, byName);
    const about = estimate < 120 ? `${Math.round(estimate)} s` : `${Math.round(estimate / 60)} min`;
    say(`${options.smoke ? "smoke" : "full"} run of ${options.scenarios.join(", ")} at ${options.connections.join(", ")} connections: about ${about}`);
    say(`database ${database.name}; seeding`);
    checkpoint();
    await seed(database.url);
    const scripts = await pgbenchScripts(database.url);
    const header = describeMachine(await describePostgres(database.url), [await pgbenchVersion(), `autocannon ${autocannonVersion()}`]);
    checkpoint();

    const profileFile = options.profile ? path.join(RESULTS_DIR, `server-${new Date().toISOString().replace(/[:.]/g, "-")}.cpuprofile`) : undefined;
    if (profileFile) mkdirSync(RESULTS_DIR, { recursive: true });
    logFile = path.join(workDir, "server.log");
    const server = await startBenchServer({ databaseUrl: database.url, logFile, logLevel: options.serverLogLevel, profileFile });
    cleanup.add(async () => {
      await server.stop();
      if (profileFile) say(`CPU profile of the server: ${path.relative(process.cwd(), profileFile)}`);
    });
    const where = (s: BenchServer) => `${s.endpoints.map((e) => e.url).join(", ")} (pid ${s.pids.join(", ")})`;
    say(`bench server ${where(server)}`);
    let variant: BenchServer | undefined;
    if (variantSettings) {
      variant = await startBenchServer({ databaseUrl: database.url, logFile, logLevel: options.serverLogLevel, ...variantSettings });
      cleanup.add(() => variant!.stop());
      say(`variant server (S′: ${options.variant}) ${where(variant)}`);
    }
    const pooling = chosen.find((scenario) => scenario.pooled)?.pooled;
    let pooled: BenchServer | undefined;
    if (pooling) {
      // As many server connections as one process's pool: the pooler, not the processes, bounds what PostgreSQL serves.
      pooled = await startPooledBenchServer({ databaseUrl: database.url, logFile, logLevel: options.serverLogLevel, processes: pooling.processes, poolSize: POOLER_SIZE });
      cleanup.add(() => pooled!.stop());
      say(`pooled server: ${pooling.processes} processes through PgBouncer ${where(pooled)}`);
    }

    const runner = new Runner(options, { server, variant, pooled }, database.url, scripts, workDir, onStart, checkpoint);
    if (options.warmup > 0) await runner.prime();
    const rows: Row[] = [];
    for (const scenario of chosen) {
      for (const connections of options.connections) rows.push(await runner.row(scenario, byName, connections));
    }
    const soak = options.soakSeconds ? await runner.soak(byName.get("debit-uniform")!, options.connections[0]) : undefined;

    const violations = await checkLedger(database.url);
    const found = problems(rows, soak).concat(violations.map((v) => `ledger: ${v}`));
    const unsteady = unsteadyBaselines(rows);
    const report = renderReport({
      title: `Solvent benchmark, ${today()}${options.smoke ? " (smoke)" : ""}`,
      machine: header,
      options,
      rows,
      soak,
      violations,
    });
    console.log(report);
    if (unsteady.length) say(`UNSTEADY: a baseline moved more than ${BASELINE_MOVE_TEXT} over the rounds:\n  ${unsteady.join("\n  ")}`);
    if (options.out) {
      mkdirSync(path.dirname(options.out), { recursive: true });
      writeFileSync(options.out, report);
      say(`wrote ${path.relative(process.cwd(), options.out)}`);
    }
    if (found.length) {
      say(`FAILED:\n  ${found.join("\n  ")}`);
      await showServerErrors(logFile);
      return 1;
    }
    say("no errors; every scenario and baseline had successful operations");
    return 0;
  } catch (error) {
    if (error instanceof Interrupted) return 130;
    await showServerErrors(logFile);
    throw error;
  } finally {
    await cleanup.run();
  }
}

/** Prints the server's last error lines (and anything it wrote that is not a log line): its log goes with the run's temporary folder. */
async function showServerErrors(logFile: string | undefined, keep = 10) {
  if (!logFile || !existsSync(logFile)) return;
  const lines: string[] = [];
  for await (const line of readline.createInterface({ input: createReadStream(logFile), crlfDelay: Infinity })) {
    if (line && (!line.startsWith("{") || /"level":(50|60)/.test(line))) lines.push(line.slice(0, 2000));
    if (lines.length > keep) lines.shift();
  }
  if (lines.length) say(`the server's last errors:\n${lines.join("\n")}`);
}

async function checkLedger(url: string): Promise<string[]> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    return await ledgerViolations(pool);
  } finally {
    await pool.end();
  }
}

/** The round's order: S′ goes before S in every other round, so neither always follows the other's load (or F's, D's). */
function inTurn<T>(turns: Map<Turn, T>, round: number): Array<[Turn, T]> {
  const order = [...turns];
  if (round % 2 === 0 && turns.has("variant")) [order[0], order[1]] = [order[1], order[0]];
  return order;
}

/**
 * Runs the measurements. A measure (a scenario at a connection count) interleaves its targets: S,
 * S′, F, N, D one slice each, round after round, so that each round's ratios compare figures taken
 * seconds apart on a shared machine.
 */
class Runner {
  constructor(
    private readonly options: Options,
    private readonly servers: { server: BenchServer; variant?: BenchServer; pooled?: BenchServer },
    private readonly databaseUrl: string,
    private readonly scripts: PgbenchScripts,
    private readonly workDir: string,
    private readonly onStart: (stop: () => void) => void,
    private readonly checkpoint: () => void,
  ) {}

  private drive(server: BenchServer, load: Load, connections: number, seconds: number, more: { rssEveryMs?: number; requests?: number } = {}) {
    this.checkpoint();
    return drive(load, {
      endpoints: server.endpoints,
      connections,
      seconds,
      timeoutSeconds: this.options.timeoutSeconds,
      serverPids: server.pids,
      onStart: this.onStart,
      ...more,
    });
  }

  private pgbench(script: keyof PgbenchScripts, clients: number, seconds: number) {
    this.checkpoint();
    return pgbench({ url: this.databaseUrl, script: this.scripts[script], clients, seconds, workDir: this.workDir, onStart: this.onStart });
  }

  /** Before the first timed run, when runs are warmed up: see primeLoad. */
  async prime() {
    say(`priming the server: one debit on each of the ${SEED.accounts.toLocaleString("en")} accounts`);
    const { server, variant, pooled } = this.servers;
    const primed = [server, variant, pooled].flatMap((server) =>
      server ? [this.drive(server, primeLoad(), PRIME_CONNECTIONS, PRIME_TIMEOUT_SECONDS, { requests: SEED.accounts })] : [],
    );
    for (const m of await Promise.all(primed)) {
      if (total(m.errors)) throw new Error(`priming the server failed: ${describeMeasurement(m)}`);
    }
    this.checkpoint();
  }

  /** The targets of a measure, in the order they take turns: each runs its load for the seconds given. */
  private turns(scenario: Scenario, of: Scenario, connections: number): Map<Turn, (seconds: number) => Promise<Measurement>> {
    const http = (server: BenchServer, load: Load) => (seconds: number) => this.drive(server, load, connections, seconds);
    const { server, variant, pooled } = this.servers;
    const turns = new Map<Turn, (seconds: number) => Promise<Measurement>>([["solvent", http(scenario.pooled ? pooled! : server, scenario.loads.solvent)]]);
    if (variant) turns.set("variant", http(variant, scenario.loads.solvent));
    if (of.loads.canned) turns.set("canned", http(server, of.loads.canned));
    if (scenario.loads.naive) turns.set("naive", http(server, scenario.loads.naive));
    const script = of.script;
    if (script) turns.set("database", (seconds) => this.pgbench(script, connections, seconds));
    return turns;
  }

  async row(scenario: Scenario, byName: Map<string, Scenario>, connections: number): Promise<Row> {
    const at = `${scenario.name} ×${connections}`;
    const turns = this.turns(scenario, byName.get(scenario.baselinesOf)!, connections);
    const { warmup, slice } = this.options;
    if (warmup > 0) {
      for (const [turn, run] of turns) if (turn !== "database") await run(warmup);
    }
    const slices = new Map([...turns.keys()].map((turn) => [turn, [] as Measurement[]]));
    const rounds = roundsOf(this.options);
    for (let round = 1; round <= rounds; round++) {
      const line: string[] = [];
      for (const [turn, run] of inTurn(turns, round)) {
        const m = await run(slice);
        slices.get(turn)!.push(m);
        line.push(`${TURN_LABELS[turn]} ${describeMeasurement(m, "short")}`);
      }
      say(`${at} round ${round}/${rounds}: ${line.join("; ")}`);
    }
    this.checkpoint();
    const all = (turn: Turn) => {
      const measured = slices.get(turn);
      return measured && merge(measured);
    };
    const row: Row = {
      scenario,
      connections,
      slices: Object.fromEntries(slices) as Row["slices"],
      solvent: all("solvent")!,
      variant: all("variant"),
      canned: all("canned"),
      naive: all("naive"),
      database: all("database"),
    };
    for (const turn of turns.keys()) say(`${at} ${TURN_LABELS[turn]}: ${describeMeasurement(row[turn]!)}`);
    return row;
  }

  async soak(scenario: Scenario, connections: number): Promise<Soak> {
    const { soakWarmup, soakSeconds, soakSampleEvery } = this.options;
    say(`soak: ${scenario.name} ×${connections}, ${soakWarmup} s warm-up then ${soakSeconds} s sampling RSS every ${soakSampleEvery} s`);
    if (soakWarmup) await this.drive(this.servers.server, scenario.loads.solvent, connections, soakWarmup);
    const measurement = await this.drive(this.servers.server, scenario.loads.solvent, connections, soakSeconds, { rssEveryMs: soakSampleEvery * 1000 });
    this.checkpoint();
    say(`soak: ${describeMeasurement(measurement)}`);
    return { connections, everySeconds: soakSampleEvery, measurement, samples: measurement.rssSamples ?? [] };
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
