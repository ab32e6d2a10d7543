import { randomBytes } from "node:crypto";
import fc from "fast-check";
import pg from "pg";
import { createDatabase } from "../src/db/client";
import { loadConfig } from "../src/config";
import { onPostgres } from "./support/harness";
import { ledgerViolations } from "./support/ledgerInvariant";
import { minorUnits, money } from "./support/money";
import { startPgbouncer, type Pgbouncer } from "./support/pgbouncer";
import { postgresDatabase, type ScratchDatabase } from "./support/postgresDatabase";
import { startServerProcess, type StartedServer } from "./support/serverProcess";

/*
 * Solvent behind Debian's PgBouncer in transaction mode (DB_POOLER=transaction):
 * three server processes share one pooler whose clients outnumber its server
 * connections, so consecutive statements of one process land on different
 * sessions. Named statements, startup timeouts and migration locks all break
 * there; every request must still get a proper answer and the ledger stay sound.
 */
if (process.env.CI && !onPostgres()) throw new Error("CI must run the pooler tests on PostgreSQL");
const describeOnPostgres = onPostgres() ? describe : describe.skip;

const ACCOUNTS = 8;
const OPENING_CENTS = 5_000n;
const MUTATIONS = 360;
const IN_FLIGHT = 36;
/** fast-check's generator, for reproducible request mixes: SOLVENT_POOLER_SEED replays one. */
const SEED = Number(process.env.SOLVENT_POOLER_SEED ?? Date.now() % 1_000_000);

it("DB_POOLER=transaction needs a direct URL for migrations, and turns named statements off", () => {
  const [pooled, direct] = ["postgresql://app@pooler:6432/ledger", "postgresql://app@primary:5432/ledger"];
  expect(() => loadConfig({ DATABASE_URL: pooled, DB_POOLER: "transaction" })).toThrow(/DIRECT_DATABASE_URL/);
  expect(() => loadConfig({ DB_POOLER: "transaction", DIRECT_DATABASE_URL: direct })).toThrow(/needs DATABASE_URL/);
  expect(() => loadConfig({ DB_POOLER: "session" })).toThrow(/DB_POOLER must be one of none, transaction/);
  expect(loadConfig({ DATABASE_URL: pooled, DB_POOLER: "transaction", DIRECT_DATABASE_URL: direct })).toMatchObject({
    pooler: "transaction",
    directDatabaseUrl: direct,
    preparedStatements: false,
  });
  expect(loadConfig({ DATABASE_URL: direct })).toMatchObject({ pooler: "none", preparedStatements: true });
});

describeOnPostgres("behind PgBouncer in transaction mode", () => {
  let database: ScratchDatabase;
  let pooler: Pgbouncer;
  let direct: pg.Pool;

  beforeAll(async () => {
    database = await postgresDatabase(process.env.TEST_DATABASE_URL!, "pooler");
    pooler = await startPgbouncer(database.url);
    direct = new pg.Pool({ connectionString: database.url, max: 2 });
  }, 60_000);

  afterAll(async () => {
    await direct?.end();
    await pooler?.stop();
    await database?.drop();
  });

  it("sets the timeouts in each transaction, where a connection's startup settings are refused", async () => {
    const settings = { poolSize: 2, statementTimeoutMs: 400, lockTimeoutMs: 200 };
    const straight = createDatabase(pooler.url, settings);
    await expect(straight.sql.pool.query("SELECT 1")).rejects.toThrow(/unsupported startup parameter/);
    await straight.close();

    const pooled = createDatabase(pooler.url, { ...settings, pooler: "transaction" });
    try {
      const { rows } = await pooled.sql.pool.query("SELECT current_setting('statement_timeout') AS statement, current_setting('lock_timeout') AS lock");
      expect(rows[0]).toEqual({ statement: "400ms", lock: "200ms" });
      await expect(pooled.sql.pool.query("SELECT pg_sleep(2)")).rejects.toMatchObject({ code: "57014" });
      // SET LOCAL ends with its transaction: the server connection goes back to the pool with the defaults.
      const after = new pg.Client({ connectionString: pooler.url });
      await after.connect();
      const { rows: plain } = await after.query("SELECT current_setting('statement_timeout') AS statement");
      await after.end();
      expect(plain[0].statement).toBe("0");
    } finally {
      await pooled.close();
    }
  });

  it("three processes move money through it with no internal error, and the ledger stays sound", async () => {
    const secret = randomBytes(32).toString("base64url");
    const env = { DATABASE_URL: pooler.url, DB_POOLER: "transaction", DIRECT_DATABASE_URL: database.url };
    // Started together: their migrations meet on the direct URL, one at a time under the migration lock.
    const servers: StartedServer[] = await Promise.all([0, 1, 2].map(() => startServerProcess(env, secret)));
    const ask = async (server: StartedServer, query: string, variables: Record<string, unknown>) => {
      const response = await fetch(server.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${server.token}` },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { data?: Record<string, Record<string, unknown>>; errors?: unknown[] };
      if (response.status !== 200 || body.errors) throw new Error(`${response.status} ${JSON.stringify(body.errors)}`);
      return Object.values(body.data!)[0];
    };
    try {
      const accounts: string[] = [];
      for (let i = 0; i < ACCOUNTS; i++) {
        const opened = await ask(
          servers[i % 3],
          `mutation ($input: OpenAccountInput!) { openAccount(input: $input) { __typename ... on OpenAccountSuccess { account { id } } } }`,
          { input: { customerName: `Pooled ${i}`, type: "CHECKING", initialDeposit: money(OPENING_CENTS), idempotencyKey: `open-${i}` } },
        );
        accounts.push((opened.account as { id: string }).id);
      }

      const operation = fc.oneof(
        fc.record({ op: fc.constant("credit" as const), account: fc.nat(ACCOUNTS - 1), cents: fc.bigInt(1n, 900n) }),
        fc.record({ op: fc.constant("debit" as const), account: fc.nat(ACCOUNTS - 1), cents: fc.bigInt(1n, 1_500n) }),
        fc.record({ op: fc.constant("transfer" as const), account: fc.nat(ACCOUNTS - 1), to: fc.nat(ACCOUNTS - 2), cents: fc.bigInt(1n, 1_500n) }),
      );
      const plan = fc.sample(operation, { numRuns: MUTATIONS, seed: SEED });
      const expected = accounts.map(() => OPENING_CENTS);
      const outcomes: Record<string, number> = {};
      const failures: string[] = [];
      let next = 0;
      const worker = async () => {
        for (let i = next++; i < plan.length; i = next++) {
          const step = plan[i];
          const server = servers[i % 3];
          const key = `pooled-${SEED}-${i}`;
          try {
            let answer: Record<string, unknown>;
            if (step.op === "transfer") {
              const to = (step.account + 1 + step.to) % ACCOUNTS;
              answer = await ask(
                server,
                `mutation ($input: TransferInput!) { transfer(input: $input) { __typename ... on UserError { code } } }`,
                { input: { fromAccountId: accounts[step.account], toAccountId: accounts[to], amount: money(step.cents), idempotencyKey: key } },
              );
              if (answer.__typename === "TransferSuccess") {
                expected[step.account] -= step.cents;
                expected[to] += step.cents;
              }
            } else {
              answer = await ask(
                server,
                `mutation ($input: PostingInput!) { ${step.op}(input: $input) { __typename ... on UserError { code } } }`,
                { input: { accountId: accounts[step.account], amount: money(step.cents), idempotencyKey: key } },
              );
              if (answer.__typename === "PostingSuccess") expected[step.account] += step.op === "credit" ? step.cents : -step.cents;
            }
            outcomes[answer.__typename as string] = (outcomes[answer.__typename as string] ?? 0) + 1;
          } catch (error) {
            failures.push(`${step.op} #${i}: ${(error as Error).message}`);
          }
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, worker));

      if (failures.length) throw new Error(`seed ${SEED}: ${failures.length} requests failed, e.g. ${failures.slice(0, 3).join("; ")}`);
      expect(Object.keys(outcomes).filter((member) => !["PostingSuccess", "TransferSuccess", "InsufficientFunds"].includes(member))).toEqual([]);
      expect(Object.values(outcomes).reduce((a, b) => a + b, 0)).toBe(MUTATIONS);
      const { rows } = await direct.query<{ id: string; balance: string }>("SELECT id, balance::text FROM accounts");
      const balances = new Map(rows.map((row) => [row.id, minorUnits(row.balance)]));
      expect(accounts.map((id) => balances.get(id))).toEqual(expected);
      expect(await ledgerViolations(direct)).toEqual([]);
      // The migrations' session lock went with their direct connection, not into the pooler.
      const { rows: locks } = await direct.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'");
      expect(locks[0].n).toBe(0);
      for (const server of servers) expect(server.stdout.join("")).not.toMatch(/INTERNAL_SERVER_ERROR|"level":50/);
    } finally {
      for (const server of servers) server.child.kill("SIGTERM");
      expect(await Promise.all(servers.map((server) => server.exited))).toEqual([0, 0, 0]);
    }
  }, 180_000);
});
