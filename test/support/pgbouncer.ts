import { execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";

/** Debian's PgBouncer (`apt-get install pgbouncer`; 1.18 on bookworm), or the one PGBOUNCER names. */
const PGBOUNCER = process.env.PGBOUNCER ?? "/usr/sbin/pgbouncer";

export interface Pgbouncer {
  /** The URL clients use: `database` on PostgreSQL, through the pooler. */
  url: string;
  /** What it logged (pgbouncer.log). */
  log(): string;
  stop(): Promise<void>;
}

const postgresUser = () => ({ uid: Number(execFileSync("id", ["-u", "postgres"])), gid: Number(execFileSync("id", ["-g", "postgres"])) });

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * PgBouncer in transaction mode in front of the database `databaseUrl` names,
 * with `poolSize` server connections and the packaged defaults otherwise (no
 * max_prepared_statements in 1.18).
 * It refuses to run as root, so as root it runs as the postgres user. Outside jest
 * too (the benchmark's pooler scenario): its folder goes when it stops.
 */
export async function startPgbouncer(databaseUrl: string, { poolSize = 20 } = {}): Promise<Pgbouncer> {
  if (!existsSync(PGBOUNCER)) throw new Error(`no PgBouncer at ${PGBOUNCER}: apt-get install pgbouncer (or set PGBOUNCER)`);
  const target = new URL(databaseUrl);
  const user = decodeURIComponent(target.username) || "postgres";
  const database = target.pathname.slice(1);
  const dir = mkdtempSync(path.join(tmpdir(), "solvent-pgbouncer-"));
  const port = await freePort();
  const config = path.join(dir, "pgbouncer.ini");
  const logFile = path.join(dir, "pgbouncer.log");
  writeFileSync(path.join(dir, "users.txt"), `"${user}" ""\n`);
  writeFileSync(
    config,
    [
      "[databases]",
      `${database} = host=${target.hostname} port=${target.port || 5432} dbname=${database}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      `unix_socket_dir = ${dir}`,
      "auth_type = trust",
      `auth_file = ${dir}/users.txt`,
      "pool_mode = transaction",
      "max_client_conn = 1000",
      `default_pool_size = ${poolSize}`,
      `logfile = ${logFile}`,
      "",
    ].join("\n"),
  );
  const owner = process.getuid?.() === 0 ? postgresUser() : undefined;
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const child = spawn(PGBOUNCER, [config], { stdio: "ignore", ...owner });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const log = () => (existsSync(logFile) ? readFileSync(logFile, "utf8") : "");
  const url = `postgresql://${encodeURIComponent(user)}@127.0.0.1:${port}/${database}`;
  for (let attempt = 0; ; attempt++) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query("SELECT 1");
      break;
    } catch (error) {
      if (attempt === 50 || child.exitCode !== null) {
        const logged = log();
        child.kill("SIGKILL");
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`PgBouncer did not start: ${(error as Error).message}\n${logged}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  return {
    url,
    log,
    async stop() {
      child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
