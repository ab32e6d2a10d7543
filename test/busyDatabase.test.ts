import { setTimeout as sleep } from "node:timers/promises";
import type pg from "pg";
import { loadConfig } from "../src/config";
import { createDatabase } from "../src/db/client";
import { isDatabaseBusy } from "../src/ledger/sqlErrors";
import { AccountBalanceDocument, DebitDocument } from "./generated/graphql";
import { openAccount, postingCount } from "./support/flows";
import { key, onPostgres, startTestServer, testDatabaseUrl, type TestServer } from "./support/harness";
import { ledgerViolations } from "./support/ledgerInvariant";

/*
 * One account's row held locked (a long transaction, an operator's SELECT
 * ... FOR UPDATE) with more requests waiting for it than the pool has
 * connections. The waits are bounded (pool, lock, statement): those requests
 * are answered SERVICE_UNAVAILABLE having changed nothing, and the rest of
 * the server, other accounts and /readyz, keeps answering. Lock waits need
 * PostgreSQL: the embedded database runs one transaction at a time.
 */
const onPostgresOnly = onPostgres() ? test : test.skip;

// Two connections, short waits: a few requests on one held row fill the pool.
const BUSY = { DB_POOL_SIZE: "2", DB_POOL_TIMEOUT_MS: "1000", DB_LOCK_TIMEOUT_MS: "500", REQUEST_TIMEOUT_MS: "5000" };
/** Every answer must come well within this while the row is held (the waits above add up to ~1.5 s; the machine is shared). */
const ANSWER_WITHIN_MS = 5000;
/** The row is held at most this long: longer than any bounded answer, so an unbounded wait shows. */
const HOLD_MS = 10_000;

let server: TestServer;
let base: string;

beforeAll(async () => {
  server = await startTestServer({ env: BUSY });
  base = server.url.replace(/\/graphql$/, "");
});
afterEach(async () => {
  expect(await ledgerViolations(server.sql)).toEqual([]);
});
afterAll(() => server.stop());

/** Holds the account's row locked from a connection of the test's own until `until` settles or HOLD_MS pass; then rolls back. */
async function whileRowLocked(accountId: string, until: () => Promise<unknown>) {
  const holder = await server.sql.connect();
  try {
    await holder.query("BEGIN");
    await holder.query("SELECT id FROM accounts WHERE id = $1 FOR UPDATE", [accountId]);
    // Unreferenced: a pending timer left after the race would keep jest from exiting.
    await Promise.race([until(), sleep(HOLD_MS, undefined, { ref: false })]);
  } finally {
    await holder.query("ROLLBACK");
    holder.release();
  }
}

/** A promise of the result and how long it took to come. */
function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  return work.then((value) => ({ value, ms: performance.now() - started }));
}

const debit = (accountId: string, idempotencyKey: string) =>
  server.request(DebitDocument, { input: { accountId, amount: "1.00", idempotencyKey } });

onPostgresOnly("debits on a locked account answer SERVICE_UNAVAILABLE (503, retryable) and post nothing; other accounts and /readyz still answer; a retry with the same key posts once", async () => {
  const locked = await openAccount(server, { deposit: "100.00" });
  const other = await openAccount(server, { deposit: "100.00" });
  const keys = Array.from({ length: 4 }, () => key("held")); // twice the pool
  let held: Array<{ value: Awaited<ReturnType<typeof debit>>; ms: number }> = [];
  let elsewhere: { value: Awaited<ReturnType<typeof debit>>; ms: number } | undefined;
  let ready: { value: Response; ms: number } | undefined;
  await whileRowLocked(locked.id, async () => {
    const waiting = Promise.all(keys.map((k) => timed(debit(locked.id, k))));
    await sleep(100); // the debits hold both connections, waiting for the row
    [held, elsewhere, ready] = await Promise.all([waiting, timed(debit(other.id, key("other"))), timed(fetch(`${base}/readyz`))]);
  });

  for (const { value, ms } of held) {
    expect(ms).toBeLessThan(ANSWER_WITHIN_MS);
    expect(value.status).toBe(503);
    expect(value.headers.get("retry-after")).toBe("1");
    expect(value.errors).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/nothing was changed.*same idempotency key/),
        extensions: expect.objectContaining({ code: "SERVICE_UNAVAILABLE", retryAfterSeconds: 1 }),
      }),
    ]);
  }
  expect(await postingCount(server, locked.id)).toBe(1); // the opening deposit only
  // Logged as what the client was told, a busy database, not as an internal error.
  const requestIds = held.map(({ value }) => value.headers.get("x-request-id"));
  const lines = server.logs.filter((line) => requestIds.includes(line.requestId as string));
  expect(lines.filter((line) => line.msg === "request").map((line) => line.outcome)).toEqual(keys.map(() => "SERVICE_UNAVAILABLE"));
  expect(lines.filter((line) => line.level === 50 || line.msg === "internal error")).toEqual([]);
  // Another account's debit waits for a connection, not for the row: it is answered either way, within the pool's limit.
  expect(elsewhere!.ms).toBeLessThan(ANSWER_WITHIN_MS);
  expect([elsewhere!.value.data?.debit.__typename ?? elsewhere!.value.errors?.[0].extensions?.code]).toEqual([
    expect.stringMatching(/^(PostingSuccess|SERVICE_UNAVAILABLE)$/),
  ]);
  expect(ready!.ms).toBeLessThan(ANSWER_WITHIN_MS);
  expect(ready!.value.status).toBe(200);

  // The row is free again: each retry with its key posts once, and a second retry replays it.
  for (const k of keys) {
    const retried = await debit(locked.id, k);
    expect(retried.data?.debit).toMatchObject({ __typename: "PostingSuccess", replayed: false });
    expect((await debit(locked.id, k)).data?.debit).toMatchObject({ __typename: "PostingSuccess", replayed: true });
  }
  expect(await postingCount(server, locked.id)).toBe(1 + keys.length);
  expect((await server.query(AccountBalanceDocument, { id: locked.id })).account?.balance).toBe("96.00");
});

/** Runs `query` through node-postgres and through Prisma, on a pool of one connection with short waits, and returns both failures. */
async function failures(query: string, occupy: (pool: pg.Pool) => Promise<() => void>): Promise<unknown[]> {
  const database = createDatabase(testDatabaseUrl(), { poolSize: 1, poolTimeoutMs: 200, lockTimeoutMs: 200, statementTimeoutMs: 400 });
  const release = await occupy(database.sql.pool);
  try {
    return await Promise.all([
      database.sql.pool.query(query).then(() => undefined, (error: unknown) => error),
      database.db.$queryRawUnsafe(query).then(() => undefined, (error: unknown) => error),
    ]);
  } finally {
    release();
    await database.close();
  }
}

const nothing = async () => () => {};

test("a pool that gives no connection in time is the database being busy, from node-postgres and through Prisma", async () => {
  const errors = await failures("SELECT 1", async (pool) => {
    const client = await pool.connect();
    return () => client.release();
  });
  expect(errors.map(isDatabaseBusy)).toEqual([true, true]);
});

onPostgresOnly("a lock not granted in time and a statement out of time are the database being busy, from node-postgres and through Prisma", async () => {
  const holder = await server.sql.connect();
  try {
    await holder.query("BEGIN");
    await holder.query("LOCK TABLE currencies IN ACCESS EXCLUSIVE MODE");
    expect((await failures("SELECT count(*) FROM currencies", nothing)).map(isDatabaseBusy)).toEqual([true, true]);
  } finally {
    await holder.query("ROLLBACK");
    holder.release();
  }
  expect((await failures("SELECT pg_sleep(2)::text", nothing)).map(isDatabaseBusy)).toEqual([true, true]);
});

test("other database errors are not the database being busy", async () => {
  expect((await failures("SELECT * FROM no_such_table", nothing)).map(isDatabaseBusy)).toEqual([false, false]);
});

test("the lock timeout is below the statement timeout, by default and when set", () => {
  expect(loadConfig({})).toMatchObject({ poolTimeoutMs: 5000, lockTimeoutMs: 2000, limits: { requestTimeoutMs: 10_000 } });
  expect(loadConfig({ REQUEST_TIMEOUT_MS: "1000" }).lockTimeoutMs).toBe(500);
  expect(() => loadConfig({ DB_LOCK_TIMEOUT_MS: "10000" })).toThrow(/DB_LOCK_TIMEOUT_MS \(10000\) must be below the statement timeout/);
});

test("pooled connections stay open for DB_POOL_IDLE_TIMEOUT_MS (5 minutes by default), not node-postgres's 10 s", async () => {
  expect(loadConfig({}).poolIdleTimeoutMs).toBe(300_000);
  expect(loadConfig({ DB_POOL_IDLE_TIMEOUT_MS: "60000" }).poolIdleTimeoutMs).toBe(60_000);
  expect(() => loadConfig({ DB_POOL_IDLE_TIMEOUT_MS: "0" })).toThrow(/DB_POOL_IDLE_TIMEOUT_MS/);
  const database = createDatabase(testDatabaseUrl(), { poolSize: 1, poolIdleTimeoutMs: loadConfig({}).poolIdleTimeoutMs });
  try {
    expect(database.sql.pool.options.idleTimeoutMillis).toBe(300_000);
  } finally {
    await database.close();
  }
});

onPostgresOnly("a write that waits for its batch longer than DB_POOL_TIMEOUT_MS is answered SERVICE_UNAVAILABLE and posts nothing; sent again, it posts", async () => {
  // One write statement at a time, held by a debit waiting for a locked row: the next write waits for its batch.
  const single = await startTestServer({ env: { DB_WRITE_CONCURRENCY: "1", DB_POOL_TIMEOUT_MS: "300", DB_LOCK_TIMEOUT_MS: "1500", REQUEST_TIMEOUT_MS: "5000" } });
  try {
    const locked = await openAccount(single, { deposit: "10.00" });
    const other = await openAccount(single, { deposit: "10.00" });
    const behind = key("behind");
    const send = (accountId: string, idempotencyKey: string) =>
      single.request(DebitDocument, { input: { accountId, amount: "1.00", idempotencyKey } });
    let answers: Array<Awaited<ReturnType<typeof send>>> = [];
    await whileRowLocked(locked.id, async () => {
      const first = send(locked.id, key("locked"));
      await sleep(100);
      answers = await Promise.all([first, send(other.id, behind)]);
    });
    expect(answers.map((answer) => [answer.status, answer.errors?.[0].extensions?.code])).toEqual([
      [503, "SERVICE_UNAVAILABLE"], // the lock was not granted in time
      [503, "SERVICE_UNAVAILABLE"], // no place in a batch in time
    ]);
    expect(await postingCount(single, other.id)).toBe(1);
    expect((await send(other.id, behind)).data?.debit).toMatchObject({ __typename: "PostingSuccess", replayed: false });
    expect(await ledgerViolations(single.sql)).toEqual([]);
  } finally {
    await single.stop();
  }
});
