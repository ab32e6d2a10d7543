import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { PROJECT_ROOT } from "../../src/paths";

/*
 * The built server as a child process, for jest's tests (serverProcess.ts) and for the
 * browser tests' setup (web/e2e), which runs outside jest.
 */

/** The built server (`npm start` runs the same file) as a process of its own; `npm test` builds dist/ before jest runs. */
export interface ServerProcess {
  child: ChildProcess;
  /** What it wrote to stdout (its JSON log lines) and to stderr, as it came. */
  stdout: string[];
  stderr: string[];
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/** The servers spawned and not yet exited. */
export const running = new Set<ChildProcess>();

/** Starts the server with these variables over the test's environment (`undefined` removes one). */
export function spawnServer(env: Record<string, string | undefined>): ServerProcess {
  const merged: NodeJS.ProcessEnv = { ...process.env, PORT: "0", NODE_OPTIONS: undefined, ...env };
  for (const name of Object.keys(merged)) if (merged[name] === undefined) delete merged[name];
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, "dist/src/main.js")], { env: merged, stdio: ["ignore", "pipe", "pipe"] });
  const stdout: string[] = [];
  const stderr: string[] = [];
  child.stdout!.on("data", (chunk: Buffer) => stdout.push(chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
  running.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  return { child, stdout, stderr, exited };
}

const describe = (server: ServerProcess) => `stdout:\n${server.stdout.join("")}\nstderr:\n${server.stderr.join("")}`;

/** Resolves with the GraphQL URL once the server says it serves; fails if it exits first or takes longer than `timeoutMs`. */
export function serving(server: ServerProcess, timeoutMs = 60_000): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${describe(server)}`)), timeoutMs);
    const watch = () => {
      const match = /"url":"([^"]+)"/.exec(server.stdout.join(""));
      if (!match) return;
      clearTimeout(timer);
      server.child.stdout!.off("data", watch);
      resolve(match[1]);
    };
    server.child.stdout!.on("data", watch);
    watch();
    void server.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${describe(server)}`));
    });
  });
}

/** The exit code, or a failure naming what the server wrote if it is still running after `timeoutMs` (it is then killed). */
export async function exitCode(server: ServerProcess, timeoutMs: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      server.child.kill("SIGKILL");
      reject(new Error(`server still running after ${timeoutMs} ms:\n${describe(server)}`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([server.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Its stdout as log records; fails on a line that is not JSON. */
export function logLines(server: ServerProcess): Array<Record<string, unknown>> {
  return server.stdout
    .join("")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
