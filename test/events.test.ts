import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import {
  CloseAccountDocument,
  CreditDocument,
  DebitDocument,
  ReverseTransactionDocument,
  TransferInFullDocument,
  UpdateAccountDocument,
  UpdateTransactionDocument,
} from "./generated/graphql";
import { eventually, undelivered, webhookReceiver, type Received } from "./support/events";
import { openAccount } from "./support/flows";
import { key, startTestServer, type TestServer } from "./support/harness";
import { ledgerViolations } from "./support/ledgerInvariant";
import { scratchDatabase, type ScratchDatabase } from "./support/scratchDatabase";

/*
 * The outbox and the webhook sink. Every change writes its events in its own
 * database transaction; the relay POSTs them, signed, retrying what fails
 * with backoff, dead-lettering what keeps failing or is refused, and sending
 * again what a crash left unmarked. A database of its own keeps other tests'
 * events out.
 */
const SECRET = randomBytes(32).toString("hex");
let database: ScratchDatabase;
let receiver: Awaited<ReturnType<typeof webhookReceiver>>;
let server: TestServer;
let crashes = 0;

const eventsEnv = () => ({
  EVENTS_WEBHOOK_URL: receiver.url,
  EVENTS_WEBHOOK_SECRET: SECRET,
  EVENTS_WEBHOOK_TIMEOUT_MS: "300",
  EVENTS_RETRY_BASE_MS: "10",
  EVENTS_RETRY_MAX_MS: "100",
  EVENTS_POLL_INTERVAL_MS: "20",
  EVENTS_MAX_ATTEMPTS: "4",
  EVENTS_LEASE_MS: "200",
});

beforeAll(async () => {
  database = await scratchDatabase("events");
  receiver = await webhookReceiver();
  server = await startTestServer({ databaseUrl: database.url, env: eventsEnv() });
});
beforeEach(() => receiver.respondWith(() => 200));
afterEach(async () => {
  expect(await ledgerViolations(server.sql)).toEqual([]);
});
afterAll(async () => {
  await server.stop();
  await receiver.close();
  await database.drop();
});

function ok<T extends { __typename: string }>(result: T): Extract<T, { __typename: `${string}Success` }> {
  if (!result.__typename.endsWith("Success")) throw new Error(JSON.stringify(result));
  return result as Extract<T, { __typename: `${string}Success` }>;
}
const credit = async (accountId: string, amount: string) =>
  ok((await server.query(CreditDocument, { input: { accountId, amount, idempotencyKey: key("ev") } })).credit);
const allDelivered = () => eventually(() => undelivered(server.sql, "webhook"), (n) => n === 0);
const about = (subject: string) => receiver.deduplicated().filter((e) => e.subject === subject);
const metrics = async () => (await fetch(server.url.replace(/graphql$/, "metrics"))).text();

test("every change writes its events in its own transaction; the webhook gets them as CloudEvents, in the account's order", async () => {
  const account = await openAccount(server, { deposit: "100.00" });
  const other = await openAccount(server, { deposit: "1.00" });
  const credited = await credit(account.id, "25.50");
  // Refused and rolled-back changes write nothing.
  const before = Number((await server.sql.query("SELECT count(*) FROM outbox")).rows[0].count);
  const refused = await server.query(DebitDocument, { input: { accountId: account.id, amount: "1000.00", idempotencyKey: key() } });
  expect(refused.debit.__typename).toBe("InsufficientFunds");
  const reference = key("ref");
  await server.query(CreditDocument, { input: { accountId: other.id, amount: "0.01", reference, idempotencyKey: key() } });
  const collided = await server.query(CreditDocument, { input: { accountId: account.id, amount: "0.01", reference, idempotencyKey: key() } });
  expect(collided.credit.__typename).toBe("ReferenceTaken");
  const client = await server.sql.connect();
  try {
    await client.query("BEGIN");
    await client.query("UPDATE accounts SET status = 'FROZEN', version = version + 1 WHERE id = $1", [account.id]);
    await client.query("ROLLBACK");
  } finally {
    client.release();
  }
  // Only the credit on the other account.
  expect(Number((await server.sql.query("SELECT count(*) FROM outbox")).rows[0].count)).toBe(before + 1);

  let version = credited.account.version;
  const update = async (status: "FROZEN" | "ACTIVE") =>
    ok((await server.query(UpdateAccountDocument, { input: { accountId: account.id, expectedVersion: version, status } })).updateAccount).account
      .version;
  version = await update("FROZEN");
  version = await update("ACTIVE");
  // Setting what the account already has still moves the version, and that version has its event.
  version = await update("ACTIVE");
  const moved = ok((await server.query(TransferInFullDocument, { input: { fromAccountId: account.id, toAccountId: other.id, amount: "5.00", idempotencyKey: key() } })).transfer);
  const reversed = ok((await server.query(ReverseTransactionDocument, { input: { transactionId: credited.transaction.id, idempotencyKey: key() } })).reverseTransaction);
  ok((await server.query(UpdateTransactionDocument, { input: { transactionId: moved.debit.id, description: "rent" } })).updateTransaction);
  const emptied = ok((await server.query(DebitDocument, { input: { accountId: account.id, amount: reversed.account.balance, idempotencyKey: key() } })).debit);
  ok((await server.query(CloseAccountDocument, { input: { accountId: account.id, expectedVersion: emptied.account.version } })).closeAccount);

  await allDelivered();
  // The account opens empty at version 0; its opening deposit is a posting like any other.
  expect(about(account.id).map((e) => [e.type, e.accountversion])).toEqual([
    ["solvent.account.opened", 0],
    ["solvent.transaction.posted", 1],
    ["solvent.transaction.posted", 2],
    ["solvent.account.updated", 3],
    ["solvent.account.updated", 4],
    ["solvent.account.updated", 5],
    ["solvent.transaction.posted", 6],
    ["solvent.transaction.posted", 7],
    ["solvent.transaction.reversed", 7],
    ["solvent.transaction.updated", 7],
    ["solvent.transaction.posted", 8],
    ["solvent.account.closed", 9],
  ]);

  const posted = about(account.id).find((e) => e.data.transaction?.id === credited.transaction.id)!;
  expect(posted).toEqual({
    specversion: "1.0",
    id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    source: "urn:solvent:ledger",
    type: "solvent.transaction.posted",
    subject: account.id,
    time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    datacontenttype: "application/json",
    accountversion: 2,
    data: {
      transaction: expect.objectContaining({
        id: credited.transaction.id,
        accountId: account.id,
        type: "CREDIT",
        kind: "DEPOSIT",
        amount: "25.50",
        currency: "USD",
        balanceAfter: "125.50",
        accountVersion: 2,
        actor: "test-admin",
      }),
      account: expect.objectContaining({ id: account.id, balance: "125.50", version: 2, status: "ACTIVE", currency: "USD" }),
    },
  });
  const transferLegs = receiver.deduplicated().filter((e) => e.data.transaction?.transferId === moved.transferId);
  expect(transferLegs.map((e) => [e.subject, e.data.transaction!.type])).toEqual(
    expect.arrayContaining([
      [account.id, "DEBIT"],
      [other.id, "CREDIT"],
    ]),
  );
  expect(about(account.id)[3].data.previous).toEqual({ customerName: "Test Customer", type: "CHECKING", status: "ACTIVE" });
  expect(about(account.id)[5].data).toMatchObject({ previous: { status: "ACTIVE" }, account: { status: "ACTIVE", version: 5 } });
  expect(about(account.id)[7].data.transaction).toMatchObject({ id: reversed.reversal.id, kind: "REVERSAL", reversalOfId: credited.transaction.id });
  expect(about(account.id)[8].data.transaction).toMatchObject({ id: credited.transaction.id, status: "REVERSED" });
});

/** Checks a request as a receiver should: HMAC-SHA256 over "<t>.<raw body>", and a fresh timestamp. */
function verifySignature({ headers, body }: Received, secret: string): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(headers["solvent-signature"]));
  if (!match) return false;
  const [, timestamp, signature] = match;
  const expected = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest();
  const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
  return fresh && timingSafeEqual(expected, Buffer.from(signature, "hex"));
}

test("each request is signed as documented: HMAC-SHA256 of timestamp and body, which a forgery fails", async () => {
  const account = await openAccount(server, { deposit: "3.00" });
  await allDelivered();
  const requests = receiver.received.filter((r) => r.event.subject === account.id);
  expect(requests.length).toBeGreaterThanOrEqual(2);
  for (const request of requests) {
    expect(request.headers["content-type"]).toBe("application/cloudevents+json; charset=utf-8");
    expect(verifySignature(request, SECRET)).toBe(true);
    expect(verifySignature(request, randomBytes(32).toString("hex"))).toBe(false);
    expect(verifySignature({ ...request, body: request.body.replace(account.id, "00000000-0000-4000-8000-000000000000") }, SECRET)).toBe(false);
  }
});

test("a receiver answering 500 gets retries, then success; 429 and timeouts are retried too", async () => {
  const account = await openAccount(server, {});
  await allDelivered();
  const failuresBefore = (await metrics()).match(/solvent_event_delivery_failures_total\{sink="webhook"\} (\d+)/)?.[1] ?? "0";
  // 500, 429, then too slow to answer, then 200: each event needs four attempts.
  receiver.respondWith((event, attempt) => (event.subject !== account.id ? 200 : [500, 429, -1][attempt - 1] ?? 200));
  const posted = await credit(account.id, "7.00");
  await allDelivered();
  const attempts = receiver.received.filter((r) => r.event.data.transaction?.id === posted.transaction.id);
  expect(attempts).toHaveLength(4);
  expect(new Set(attempts.map((r) => r.event.id)).size).toBe(1);
  const failures = (await metrics()).match(/solvent_event_delivery_failures_total\{sink="webhook"\} (\d+)/)?.[1];
  expect(Number(failures) - Number(failuresBefore)).toBe(3);
});

test("a 4xx is not retried: the event is dead-lettered at once, shown in /metrics, and the account's later events still flow", async () => {
  const account = await openAccount(server, {});
  await allDelivered();
  receiver.respondWith((event) => (event.subject === account.id && event.data.transaction?.amount === "4.04" ? 400 : 200));
  const refused = await credit(account.id, "4.04");
  const after = await credit(account.id, "1.00");
  await allDelivered();
  expect(receiver.received.filter((r) => r.event.data.transaction?.id === refused.transaction.id)).toHaveLength(1);
  expect(about(account.id).map((e) => e.data.transaction?.id)).toContain(after.transaction.id);
  const { rows } = await server.sql.query(
    "SELECT d.attempts, d.last_error FROM outbox_deliveries d JOIN outbox o ON o.seq = d.event_seq WHERE d.sink = 'webhook' AND d.dead_at IS NOT NULL AND o.subject = $1",
    [account.id],
  );
  expect(rows).toEqual([{ attempts: 1, last_error: "webhook answered 400" }]);
  expect(await metrics()).toMatch(/solvent_outbox_events\{sink="webhook",state="dead"\} [1-9]/);
});

test("a receiver that keeps failing gets EVENTS_MAX_ATTEMPTS tries, then the event is dead", async () => {
  const account = await openAccount(server, {});
  await allDelivered();
  receiver.respondWith((event) => (event.subject === account.id ? 503 : 200));
  const posted = await credit(account.id, "2.00");
  await allDelivered();
  expect(receiver.received.filter((r) => r.event.data.transaction?.id === posted.transaction.id)).toHaveLength(4);
  const { rows } = await server.sql.query(
    "SELECT d.attempts FROM outbox_deliveries d JOIN outbox o ON o.seq = d.event_seq WHERE d.sink = 'webhook' AND d.dead_at IS NOT NULL AND o.transaction_id = $1",
    [posted.transaction.id],
  );
  expect(rows).toEqual([{ attempts: 4 }]);
});

test("a relay that crashes between sending and marking sends again after restart; the consumer de-duplicates by id", async () => {
  const crashing = await startTestServer({
    databaseUrl: database.url,
    env: eventsEnv(),
    // The first round that sends this test's posting dies before it marks anything delivered.
    beforeMark: async (sink, events) => {
      if (sink === "webhook" && crashes === 0 && events.some((e) => e.data.transaction?.amount === "9.99")) {
        crashes++;
        throw new Error("relay crashed between publish and mark");
      }
    },
  });
  await server.stop();
  try {
    const account = await openAccount(crashing, {});
    const { credit: posted } = await crashing.query(CreditDocument, { input: { accountId: account.id, amount: "9.99", idempotencyKey: key() } });
    if (posted.__typename !== "PostingSuccess") throw new Error(JSON.stringify(posted));
    await eventually(() => undelivered(crashing.sql, "webhook"), (n) => n === 0);
    expect(crashes).toBe(1);
    const copies = receiver.received.filter((r) => r.event.data.transaction?.id === posted.transaction.id);
    expect(copies.length).toBe(2);
    expect(copies[0].event).toEqual(copies[1].event);
    expect(receiver.deduplicated().filter((e) => e.data.transaction?.id === posted.transaction.id)).toHaveLength(1);
    expect(crashing.logs.some((line) => line.msg === "event relay round failed")).toBe(true);
  } finally {
    await crashing.stop();
    server = await startTestServer({ databaseUrl: database.url, env: eventsEnv() });
  }
});

test("a refused webhook configuration stops the server from starting", async () => {
  await expect(startTestServer({ databaseUrl: database.url, env: { EVENTS_WEBHOOK_URL: "ftp://x", EVENTS_WEBHOOK_SECRET: SECRET } })).rejects.toThrow(/http/);
  await expect(startTestServer({ databaseUrl: database.url, env: { EVENTS_WEBHOOK_URL: receiver.url, EVENTS_WEBHOOK_SECRET: "short" } })).rejects.toThrow(
    /at least 32/,
  );
});
