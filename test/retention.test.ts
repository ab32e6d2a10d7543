import { DebitDocument } from "./generated/graphql";
import { openAccount } from "./support/flows";
import { key, startTestServer, type TestServer } from "./support/harness";
import { ledgerViolations } from "./support/ledgerInvariant";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { IDEMPOTENCY_PURGE_INTERVAL_SECONDS: "1", IDEMPOTENCY_RETENTION_HOURS: "24" } });
});
afterAll(() => server.stop());

const keyExists = async (idempotencyKey: string) =>
  (await server.sql.query("SELECT 1 FROM idempotency_keys WHERE key = $1", [idempotencyKey])).rowCount === 1;

async function waitFor(condition: () => Promise<boolean>, ms: number) {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test("keys older than the retention are purged by the background job; younger ones stay and still replay", async () => {
  const account = await openAccount(server, { deposit: "100" });
  const debit = (idempotencyKey: string, amount: string) =>
    server.query(DebitDocument, { input: { accountId: account.id, amount, idempotencyKey } }).then((d) => d.debit);
  const old = key("old");
  const young = key("young");
  await debit(old, "1");
  await debit(young, "2");
  await server.sql.query("UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = $1", [old]);
  await server.sql.query("UPDATE idempotency_keys SET created_at = now() - interval '23 hours' WHERE key = $1", [young]);

  await waitFor(async () => !(await keyExists(old)), 10_000);
  expect(await keyExists(young)).toBe(true);
  // The line follows the purge's commit (and log lines are written asynchronously): it is waited for, not read at once.
  await waitFor(async () => server.logs.some((line) => line.msg === "expired idempotency keys and delivered events purged"), 5_000);

  // A purged key is free again; a kept one still guards its request.
  expect(await debit(old, "3")).toMatchObject({ __typename: "PostingSuccess", replayed: false });
  expect(await debit(young, "2")).toMatchObject({ __typename: "PostingSuccess", replayed: true });
  expect((await debit(young, "4")).__typename).toBe("IdempotencyKeyReused");
  expect(await ledgerViolations(server.sql)).toEqual([]);
});

test("a large backlog is purged in batches, all of it", async () => {
  await server.sql.query(`
    INSERT INTO idempotency_keys (scope, key, operation, fingerprint, result, created_at)
    SELECT 'retention-test', 'backlog-' || i, 'credit', repeat('0', 64), '{"transactionIds": []}', now() - interval '30 days'
      FROM generate_series(1, 2500) AS i`);
  await waitFor(
    async () => Number((await server.sql.query("SELECT count(*) FROM idempotency_keys WHERE scope = 'retention-test'")).rows[0].count) === 0,
    20_000,
  );
});

test("delivered events older than their retention are purged; one a sink still owes stays", async () => {
  const account = await openAccount(server, { deposit: "1" });
  const { rows } = await server.sql.query<{ seq: string }>("SELECT seq FROM outbox WHERE subject = $1 ORDER BY seq", [account.id]);
  expect(rows).toHaveLength(2);
  const [delivered, owed] = rows.map((r) => r.seq);
  await server.sql.query("UPDATE outbox SET created_at = now() - interval '200 hours' WHERE subject = $1", [account.id]);
  // A dead-lettered delivery to a sink of this test's own: kept for whoever investigates it.
  await server.sql.query("INSERT INTO outbox_sinks (name) VALUES ('retention-test')");
  await server.sql.query("INSERT INTO outbox_deliveries (sink, event_seq, subject, position, dead_at) VALUES ('retention-test', $1, $2, 0, now())", [
    owed,
    account.id,
  ]);
  const exists = async (seq: string) => (await server.sql.query("SELECT 1 FROM outbox WHERE seq = $1", [seq])).rowCount === 1;
  await waitFor(async () => !(await exists(delivered)), 10_000);
  expect(await exists(owed)).toBe(true);
  await server.sql.query("DELETE FROM outbox_sinks WHERE name = 'retention-test'");
});
