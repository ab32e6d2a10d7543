import { parseArgs } from "node:util";

export const SCENARIO_NAMES = [
  "debit-uniform",
  "credit-uniform",
  "debit-hot",
  "debit-hot-versioned",
  "transfer-uniform",
  "transfer-pooled",
  "journal-entry",
  "hold-capture",
  "read-history",
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface Options {
  smoke: boolean;
  /** Seconds of timed load per target (each scenario, each baseline, each connection count), in slices. */
  duration: number;
  /** Seconds of one slice: the targets of a measure take turns, one slice each per round. */
  slice: number;
  /** Seconds of untimed load on each HTTP target before the first round (JIT, caches, pools). */
  warmup: number;
  connections: number[];
  scenarios: ScenarioName[];
  /** 0 skips the soak. */
  soakSeconds: number;
  soakWarmup: number;
  /** Seconds between two RSS samples in the soak. */
  soakSampleEvery: number;
  timeoutSeconds: number;
  serverLogLevel: string;
  profile: boolean;
  /** A second server, with these node options and NAME=value environment settings, measured (S′) in every round beside S. */
  variant?: string;
  /** Results file; undefined writes none (smoke). */
  out?: string;
}

export const USAGE = `usage: npm run bench -- [options]

  --smoke                 every scenario and baseline for 1 s at 16 connections, no soak,
                          no results file; exits non-zero on any error or a scenario with no success
  --duration <s>          seconds of timed load per scenario and baseline (default 10; smoke 1)
  --slice <s>             the scenario and its baselines take turns in slices of this many seconds,
                          duration/slice rounds (default 2; smoke 1)
  --warmup <s>            untimed load on each HTTP target before the first round (default 2; smoke 0)
  --connections <list>    concurrent connections, e.g. 16,64 (default 16,64; smoke 16)
  --scenarios <list>      some of ${SCENARIO_NAMES.join(", ")} (default all)
  --soak-seconds <s>      steady debit-uniform load while the server's RSS is sampled (default 300; 0 skips; smoke 0)
  --soak-warmup <s>       load before the first soak sample (default 30)
  --soak-sample <s>       seconds between RSS samples (default 5)
  --timeout <s>           per-request timeout (default 30)
  --server-log-level <l>  LOG_LEVEL of the bench server (default info, as in production)
  --profile               run the server under node --cpu-prof; the .cpuprofile lands in bench/results/
  --variant="<settings>" also start a second server with other node options and NAME=value environment
                          settings (e.g. "--max-semi-space-size=16 DB_POOL_SIZE=4") and measure it (S′)
                          in every round beside S: throughput, CPU/op and peak RSS side by side
  --out <file>            results file (default bench/results/<YYYY-MM-DD>.md; smoke writes none)

  BENCH_DATABASE_URL      admin URL of the PostgreSQL server to create the bench database on
                          (default postgresql://postgres@127.0.0.1:5432/postgres)
  PGBENCH                 the pgbench to run (default: pgbench on the PATH)`;

/** Rounds of a measure: each target gets `slice` seconds per round, `duration` seconds in all (rounded). */
export const roundsOf = (options: Pick<Options, "duration" | "slice">) => Math.max(1, Math.round(options.duration / options.slice));

function seconds(name: string, raw: string | undefined, fallback: number, min = 0): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  // Whole seconds: pgbench -T takes nothing else, and every run of a row must last as long.
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be a whole number of seconds >= ${min}, not "${raw}"`);
  return value;
}

function list(raw: string): string[] {
  return raw.split(",").map((item) => item.trim()).filter(Boolean);
}

export function parseOptions(argv: string[], defaultOut: string): Options | "help" {
  const { values } = parseArgs({
    args: argv,
    options: {
      smoke: { type: "boolean", default: false },
      duration: { type: "string" },
      slice: { type: "string" },
      warmup: { type: "string" },
      connections: { type: "string" },
      scenarios: { type: "string" },
      "soak-seconds": { type: "string" },
      "soak-warmup": { type: "string" },
      "soak-sample": { type: "string" },
      timeout: { type: "string" },
      "server-log-level": { type: "string", default: "info" },
      profile: { type: "boolean", default: false },
      variant: { type: "string" },
      out: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) return "help";
  const smoke = values.smoke ?? false;
  const connections = list(values.connections ?? (smoke ? "16" : "16,64")).map(Number);
  if (!connections.length || connections.some((n) => !Number.isInteger(n) || n < 1)) throw new Error("--connections must list positive integers");
  const scenarios = values.scenarios ? list(values.scenarios) : [...SCENARIO_NAMES];
  const unknown = scenarios.filter((name) => !(SCENARIO_NAMES as readonly string[]).includes(name));
  if (unknown.length) throw new Error(`unknown scenario(s) ${unknown.join(", ")}; choose from ${SCENARIO_NAMES.join(", ")}`);
  const duration = seconds("duration", values.duration, smoke ? 1 : 10, 1);
  const slice = seconds("slice", values.slice, smoke ? 1 : 2, 1);
  if (slice > duration) throw new Error(`--slice (${slice}) must not exceed --duration (${duration})`);
  return {
    smoke,
    duration,
    slice,
    warmup: seconds("warmup", values.warmup, smoke ? 0 : 2),
    connections,
    scenarios: scenarios as ScenarioName[],
    soakSeconds: seconds("soak-seconds", values["soak-seconds"], smoke ? 0 : 300),
    soakWarmup: seconds("soak-warmup", values["soak-warmup"], 30),
    soakSampleEvery: seconds("soak-sample", values["soak-sample"], 5, 1),
    timeoutSeconds: seconds("timeout", values.timeout, 30, 1),
    serverLogLevel: values["server-log-level"] ?? "info",
    profile: values.profile ?? false,
    variant: values.variant,
    out: values.out ?? (smoke ? undefined : defaultOut),
  };
}
