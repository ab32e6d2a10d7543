import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { availableParallelism } from "node:os";
import { percentile, type Measurement } from "./measurement";

export const PGBENCH = process.env.PGBENCH || "pgbench";

export interface PgbenchRun {
  url: string;
  script: string;
  clients: number;
  /** Whole seconds: pgbench -T takes nothing else. */
  seconds: number;
  /** Where the script and the per-transaction logs go while it runs. */
  workDir: string;
  /** Lets the caller stop it (SIGINT of the whole run). */
  onStart?: (stop: () => void) => void;
}

function run(file: string, args: string[], onStart?: (stop: () => void) => void): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr: stderr || (error && typeof error.code !== "number" ? error.message : "") });
    });
    onStart?.(() => child.kill("SIGINT"));
  });
}

/** A transaction as pgbench's per-transaction log (`-l`) has it: its latency (third field, µs) and when it ended (fifth and sixth: s and µs). */
interface Logged {
  latencyMs: number;
  endMs: number;
}

async function logged(dir: string, prefix: string): Promise<Logged[]> {
  const files = (await readdir(dir)).filter((name) => name.startsWith(prefix + "."));
  const all: Logged[] = [];
  for (const file of files) {
    for (const line of (await readFile(path.join(dir, file), "utf8")).split("\n")) {
      const fields = line.split(" ").map(Number);
      if (fields.length >= 6 && fields.every(Number.isFinite)) all.push({ latencyMs: fields[2] / 1000, endMs: fields[4] * 1000 + fields[5] / 1000 });
    }
  }
  return all;
}

/**
 * How much longer than its slice pgbench runs, untimed. Each run opens new backends, and a
 * backend's first ledger statement costs ~34 ms (catalog caches filled, the PL/pgSQL
 * functions compiled and planned): 64 of them are ~2 s of the two cores, which the server's
 * pooled connections paid long before. Counted, they made D at 64 connections ~30 tps.
 */
export const PGBENCH_WARMUP_SECONDS = 2;

/**
 * pgbench with the same number of clients as the HTTP run, prepared
 * statements, for the same time. Errors: failed transactions, and a run
 * pgbench ended badly (it aborts a client on an SQL error).
 */
export async function pgbench(options: PgbenchRun): Promise<Measurement> {
  const dir = await mkdtemp(path.join(options.workDir, "pgbench-"));
  try {
    const scriptFile = path.join(dir, "script.sql");
    await writeFile(scriptFile, options.script);
    const threads = Math.min(options.clients, availableParallelism());
    const args = ["-n", "-M", "prepared", "-c", String(options.clients), "-j", String(threads)];
    args.push("-T", String(options.seconds + PGBENCH_WARMUP_SECONDS), "-f", scriptFile, "-l", "--log-prefix", path.join(dir, "tx"), options.url);
    const { code, stdout, stderr } = await run(PGBENCH, args, options.onStart);
    const failed = Number(/number of failed transactions: (\d+)/.exec(stdout)?.[1] ?? 0);
    // What counts: the transactions that ended in the last `seconds` of the run.
    const transactions = await logged(dir, "tx");
    const end = transactions.reduce((last, t) => Math.max(last, t.endMs), 0);
    const timed = transactions.filter((t) => t.endMs > end - options.seconds * 1000);
    const sorted = timed.map((t) => t.latencyMs).sort((a, b) => a - b);
    const errors = new Map<string, number>();
    if (failed) errors.set("failed transactions", failed);
    const detail = firstLine(stderr);
    if (code !== 0) errors.set(`pgbench exit ${code}${detail ? `: ${detail}` : ""}`, 1);
    return {
      seconds: options.seconds,
      opsPerSecond: timed.length / options.seconds,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      latencies: sorted,
      errors,
      outcomes: new Map(timed.length ? [["committed", timed.length]] : []),
      successes: timed.length,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const firstLine = (text: string) => text.split("\n").find((line) => line.trim())?.trim().slice(0, 160) ?? "";

export async function pgbenchVersion(): Promise<string> {
  const { stdout } = await run(PGBENCH, ["--version"]);
  return stdout.trim();
}
