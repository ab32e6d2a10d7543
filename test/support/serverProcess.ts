import { signToken } from "../../src/auth";
import { ADMIN } from "./harness";
import { running, serving, spawnServer, type ServerProcess } from "./serverChild";

export { exitCode, logLines, serving, spawnServer, type ServerProcess } from "./serverChild";

// Registered when a test file imports this module: a test that fails half-way leaves no server running.
afterEach(() => {
  for (const child of running) child.kill("SIGKILL");
});

/** A server process that serves, and an admin token for it. */
export interface StartedServer extends ServerProcess {
  url: string;
  token: string;
}

/**
 * Starts the server and waits until it serves. The token is signed with the
 * given secret (AUTH_JWT_SECRET), or else is the one the server printed: on
 * the embedded database with no authentication configured it signs its own.
 */
export async function startServerProcess(env: Record<string, string | undefined>, secret?: string): Promise<StartedServer> {
  const server = spawnServer(secret ? { ...env, AUTH_JWT_SECRET: secret } : env);
  const url = await serving(server);
  const printed = /"adminToken":"([^"]+)"/.exec(server.stdout.join(""))?.[1];
  const token = secret ? await signToken(new TextEncoder().encode(secret), ADMIN, { expiresInSeconds: 3600 }) : printed;
  if (!token) throw new Error(`no admin token printed:\n${server.stdout.join("")}`);
  return { ...server, url, token };
}

