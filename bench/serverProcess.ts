import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, openSync, readFileSync } from "node:fs";
import path from "node:path";
import { signToken } from "../src/auth";
import { PROJECT_ROOT } from "../src/paths";

export interface BenchServer {
  url: string;
  /** The Authorization header every request carries: an admin token the server accepts. */
  authorization: string;
  pid: number;
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
}

/** The node options `npm start` runs the server with (its memory settings), so the benchmark measures that runtime. */
export function startNodeOptions(): string[] {
  const start: string = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")).scripts.start;
  return /\bnode((?: --\S+)*) /.exec(start)?.[1].trim().split(" ").filter(Boolean) ?? [];
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
    },
    stdio: ["ignore", log, log, "ipc"],
    execArgv: startNodeOptions().concat(
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
    url,
    authorization: `Bearer ${token}`,
    pid: child.pid!,
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

/** The resident set size of a process in MiB, from /proc (undefined once it is gone). */
export function rssMiB(pid: number): number | undefined {
  try {
    const kB = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kB === undefined ? undefined : Number(kB) / 1024;
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS every `everyMs` until stopped; returns the samples. */
export function sampleRss(pid: number, everyMs: number): { stop(): number[] } {
  const samples: number[] = [];
  const take = () => {
    const rss = rssMiB(pid);
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
