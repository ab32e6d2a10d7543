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

/** Latencies in ms from pgbench's per-transaction logs (`-l`): the third field is the latency in µs. */
async function latencies(dir: string, prefix: string): Promise<number[]> {
  const files = (await readdir(dir)).filter((name) => name.startsWith(prefix + "."));
  const all: number[] = [];
  for (const file of files) {
    for (const line of (await readFile(path.join(dir, file), "utf8")).split("\n")) {
      const micros = Number(line.split(" ")[2]);
      if (line && Number.isFinite(micros)) all.push(micros / 1000);
    }
  }
  return all.sort((a, b) => a - b);
}

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
    args.push("-T", String(options.seconds), "-f", scriptFile, "-l", "--log-prefix", path.join(dir, "tx"), options.url);
    const { code, stdout, stderr } = await run(PGBENCH, args, options.onStart);
    const tps = Number(/^tps = ([\d.]+)/m.exec(stdout)?.[1] ?? NaN);
    const failed = Number(/number of failed transactions: (\d+)/.exec(stdout)?.[1] ?? 0);
    const sorted = await latencies(dir, "tx");
    const errors = new Map<string, number>();
    if (failed) errors.set("failed transactions", failed);
    const detail = firstLine(stderr);
    if (code !== 0) errors.set(`pgbench exit ${code}${detail ? `: ${detail}` : ""}`, 1);
    const transactions = Number(/number of transactions actually processed: (\d+)/.exec(stdout)?.[1] ?? 0);
    return {
      seconds: options.seconds,
      opsPerSecond: Number.isFinite(tps) ? tps : 0,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      latencies: sorted,
      errors,
      outcomes: new Map(transactions ? [["committed", transactions]] : []),
      successes: transactions,
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
