import { execFileSync, fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, openSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { signToken } from "../src/auth";
import { PROJECT_ROOT } from "../src/paths";
import { startPgbouncer } from "../test/support/pgbouncer";

/** Where a process of the server takes requests. */
export interface Endpoint {
  url: string;
  /** The Authorization header every request carries: an admin token the process accepts. */
  authorization: string;
}

export interface BenchServer {
  /** One per process: the load spreads its connections over them, as a load balancer would. */
  endpoints: Endpoint[];
  /** Its processes: the bench adds their CPU time and their peak RSS. */
  pids: number[];
  /** Stops it (SIGTERM: requests in flight finish, the pool closes); safe to call more than once. */
  stop(): Promise<void>;
}

export interface BenchServerOptions {
  databaseUrl: string;
  /** Where its stdout and stderr go (its JSON log lines). */
  logFile: string;
  logLevel: string;
  /** When set, `node --cpu-prof` writes the server's profile to this file as it exits. */
  profileFile?: string;
  /** Node's options; default: those of `npm start`. */
  nodeOptions?: string[];
  /** More environment settings (e.g. DB_POOL_SIZE); default: those `npm start` sets. */
  env?: Record<string, string>;
}

/**
 * How `npm start` runs node: the environment settings before `node` (MALLOC_ARENA_MAX) and node's
 * options (its memory settings), so the benchmark measures that runtime.
 */
export function startCommand(): { env: Record<string, string>; nodeOptions: string[] } {
  const start: string = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")).scripts.start;
  const [, settings = "", options = ""] = /\b((?:[A-Z_][A-Z0-9_]*=\S+ )*)node((?: --\S+)*) /.exec(start) ?? [];
  return parseVariant(`${settings} ${options}`);
}

/** `--variant`'s settings (and `npm start`'s): tokens starting with `-` are node options, `NAME=value` ones environment settings. */
export function parseVariant(text: string): { nodeOptions: string[]; env: Record<string, string> } {
  const tokens = text.split(/\s+/).filter(Boolean);
  const settings = tokens.filter((token) => !token.startsWith("-"));
  const malformed = settings.filter((token) => !/^[A-Z_][A-Z0-9_]*=/.test(token));
  if (malformed.length) throw new Error(`--variant: "${malformed.join(" ")}" is neither a node option (-...) nor NAME=value`);
  return {
    nodeOptions: tokens.filter((token) => token.startsWith("-")),
    env: Object.fromEntries(settings.map((token) => [token.slice(0, token.indexOf("=")), token.slice(token.indexOf("=") + 1)])),
  };
}

/** A grace period for requests in flight, then SIGKILL. */
const STOP_TIMEOUT_MS = 15_000;

export async function startBenchServer(options: BenchServerOptions): Promise<BenchServer> {
  const log = openSync(options.logFile, "a");
  const secret = randomBytes(32).toString("base64url");
  const child = fork(path.join(__dirname, "server.js"), [], {
    env: {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      HOST: "127.0.0.1",
      PORT: "0",
      LOG_LEVEL: options.logLevel,
      NODE_ENV: "production",
      // Requests carry a real token, verified as in production; one admin sends everything, so no rate limit (the admins' default, made sure of).
      AUTH_JWT_SECRET: secret,
      RATE_LIMIT_ADMIN_MUTATIONS_PER_SECOND: "0",
      ...(options.env ?? startCommand().env),
    },
    stdio: ["ignore", log, log, "ipc"],
    execArgv: (options.nodeOptions ?? startCommand().nodeOptions).concat(
      options.profileFile
        ? ["--cpu-prof", "--cpu-prof-dir", path.dirname(options.profileFile), "--cpu-prof-name", path.basename(options.profileFile)]
        : [],
    ),
  });
  closeSync(log);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.once("message", (message: { url?: string }) => (message.url ? resolve(message.url) : reject(new Error("bench server sent no URL"))));
    void exited.then(() => reject(new Error(`bench server exited (code ${child.exitCode}) before serving`)));
  });
  let stopped: Promise<void> | undefined;
  const token = await signToken(new TextEncoder().encode(secret), { subject: "bench", role: "admin" }, { expiresInSeconds: 24 * 3600 });
  return {
    endpoints: [{ url, authorization: `Bearer ${token}` }],
    pids: [child.pid!],
    stop: () =>
      (stopped ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      })()),
  };
}

/**
 * `processes` servers on one database through PgBouncer in transaction mode (DB_POOLER=transaction),
 * as several processes behind a pooler run in production; `poolSize` server connections in all.
 */
export async function startPooledBenchServer(options: BenchServerOptions & { processes: number; poolSize: number }): Promise<BenchServer> {
  const pooler = await startPgbouncer(options.databaseUrl, { poolSize: options.poolSize });
  const servers: BenchServer[] = [];
  const stop = async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await pooler.stop();
  };
  try {
    const env = { ...startCommand().env, ...options.env, DB_POOLER: "transaction", DIRECT_DATABASE_URL: options.databaseUrl };
    for (let i = 0; i < options.processes; i++) servers.push(await startBenchServer({ ...options, databaseUrl: pooler.url, env }));
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoints: servers.flatMap((s) => s.endpoints), pids: servers.flatMap((s) => s.pids), stop };
}

const readProc = (pid: number, file: string) => {
  try {
    return readFileSync(`/proc/${pid}/${file}`, "utf8");
  } catch {
    return undefined; // the process is gone
  }
};

/** A `VmRSS:`-style line of /proc/<pid>/status, in MiB. */
function statusMiB(pid: number, field: string): number | undefined {
  const kB = readProc(pid, "status")?.match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"))?.[1];
  return kB === undefined ? undefined : Number(kB) / 1024;
}

/** The resident set size of a process in MiB (undefined once it is gone). */
export const rssMiB = (pid: number) => statusMiB(pid, "VmRSS");

/**
 * The highest RSS of a process since `resetPeakRss` (or its start), in MiB: the kernel's own
 * high-water mark (VmHWM), so no peak between two samples is missed.
 */
export const peakRssMiB = (pid: number) => statusMiB(pid, "VmHWM");

/** Starts a new high-water mark at the current RSS (writing 5 to clear_refs, Linux ≥ 4.0). */
export function resetPeakRss(pid: number) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
  } catch {
    // gone
  }
}

let ticksPerSecond: number | undefined;

/**
 * The CPU time (user + system, every thread: JavaScript, GC helpers, libuv's pool) a process has
 * used so far, in seconds, from /proc/<pid>/stat; undefined once it is gone. Resolution: one clock
 * tick (getconf CLK_TCK, 10 ms on Linux).
 */
export function cpuSeconds(pid: number): number | undefined {
  const stat = readProc(pid, "stat");
  if (stat === undefined) return undefined;
  ticksPerSecond ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }));
  // After "pid (comm) ": field 3 (state) is index 0, so utime (14) and stime (15) are 11 and 12.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** The sum over processes of what `read` gives; undefined when any is gone. */
export function sumOver(pids: number[], read: (pid: number) => number | undefined): number | undefined {
  let sum = 0;
  for (const pid of pids) {
    const value = read(pid);
    if (value === undefined) return undefined;
    sum += value;
  }
  return sum;
}

/** Samples the processes' RSS (summed) every `everyMs` until stopped; returns the samples. */
export function sampleRss(pids: number[], everyMs: number): { stop(): number[] } {
  const samples: number[] = [];
  const take = () => {
    const rss = sumOver(pids, rssMiB);
    if (rss !== undefined) samples.push(rss);
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}
