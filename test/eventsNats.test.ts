import { CreditDocument, DebitDocument, TransferInFullDocument } from "./generated/graphql";
import type { CloudEvent } from "../src/events";
import { deleteStream, eventually, NATS_URL, streamMessages, undelivered } from "./support/events";
import { openAccount } from "./support/flows";
import { key, startTestServer, type TestServer } from "./support/harness";
import { ledgerViolations } from "./support/ledgerInvariant";
import { scratchDatabase, type ScratchDatabase } from "./support/scratchDatabase";

/*
 * The NATS JetStream sink, against the real nats-server: a stream of this
 * run's own, event ids as message ids (JetStream drops what a crashed relay
 * sends again), and two server processes' relays sharing one outbox while
 * each account's events still arrive in order.
 */
const run = `${process.pid}${Date.now()}`;
const STREAM = `SOLVENT_TEST_${run}`;
const PREFIX = `solventtest${run}`;
let database: ScratchDatabase;
let servers: TestServer[] = [];
let crashes = 0;
/** How many times a relay published the crash test's event (before marking it, or crashing). */
let published = 0;

const natsEnv = {
  EVENTS_NATS_URL: NATS_URL,
  EVENTS_NATS_STREAM: STREAM,
  EVENTS_NATS_SUBJECT_PREFIX: PREFIX,
  EVENTS_POLL_INTERVAL_MS: "20",
  EVENTS_LEASE_MS: "200",
  EVENTS_RETRY_BASE_MS: "10",
};

beforeAll(async () => {
  database = await scratchDatabase("nats");
  servers = [
    await startTestServer({
      databaseUrl: database.url,
      env: natsEnv,
      // Its first round that publishes a 9.99 credit dies before it marks anything delivered.
      beforeMark: async (sink, events) => {
        if (sink !== "nats" || !events.some((e) => e.data.transaction?.amount === "9.99")) return;
        published++;
        if (crashes === 0) {
          crashes++;
          throw new Error("relay crashed between publish and mark");
        }
      },
    }),
  ];
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  await database.drop();
  await deleteStream(STREAM);
});

const first = () => servers[0];
const allPublished = () => eventually(() => undelivered(first().sql, "nats"), (n) => n === 0, 120_000);
const outboxIds = async () => (await first().sql.query<{ id: string }>("SELECT id FROM outbox ORDER BY seq")).rows.map((r) => r.id);

test("a relay that crashes between publish and mark publishes again; JetStream keeps the event once", async () => {
  const account = await openAccount(first(), {});
  const { credit } = await first().query(CreditDocument, { input: { accountId: account.id, amount: "9.99", idempotencyKey: key() } });
  if (credit.__typename !== "PostingSuccess") throw new Error(JSON.stringify(credit));
  await allPublished();
  expect({ crashes, published }).toEqual({ crashes: 1, published: 2 });
  const stored = (await streamMessages(STREAM)).filter((e) => e.data.transaction?.id === credit.transaction.id);
  expect(stored).toHaveLength(1);
  expect(stored[0]).toMatchObject({ type: "solvent.transaction.posted", subject: account.id, accountversion: 1, data: { transaction: { amount: "9.99" } } });
});

test("1,000 concurrent postings over 10 accounts through two servers: every event in JetStream exactly once, each account's versions strictly increasing", async () => {
  // A second server on the same database: two relays compete for the same outbox.
  servers.push(await startTestServer({ databaseUrl: database.url, env: natsEnv }));
  const accounts = await Promise.all(Array.from({ length: 10 }, (_, i) => openAccount(servers[i % 2], { deposit: "1000.00" })));
  const ids = accounts.map((a) => a.id);
  const pick = (i: number) => ids[(i * 7) % ids.length];
  await Promise.all(
    Array.from({ length: 1000 }, async (_, i) => {
      const server = servers[i % 2];
      const idempotencyKey = key("nats");
      if (i % 3 === 0) {
        const from = pick(i);
        const to = ids[(ids.indexOf(from) + 1 + (i % 9)) % ids.length];
        return server.query(TransferInFullDocument, { input: { fromAccountId: from, toAccountId: to, amount: "0.10", idempotencyKey } });
      }
      const input = { accountId: pick(i), amount: "0.25", idempotencyKey };
      return i % 3 === 1 ? server.query(CreditDocument, { input }) : server.query(DebitDocument, { input });
    }),
  );
  expect(await ledgerViolations(first().sql)).toEqual([]);
  await allPublished();

  const stored = await streamMessages(STREAM);
  const expected = await outboxIds();
  // Each event once (the crash test's re-send included), nothing else.
  expect(stored.map((e) => e.id).sort()).toEqual([...expected].sort());
  for (const id of ids) {
    const versions = stored.filter((e: CloudEvent) => e.subject === id && e.type === "solvent.transaction.posted").map((e) => e.accountversion);
    const { rows } = await first().sql.query("SELECT version FROM accounts WHERE id = $1", [id]);
    // Every version of the account, 1 (the opening deposit) to now, in the order JetStream stored them.
    expect(versions).toEqual(Array.from({ length: rows[0].version }, (_, v) => v + 1));
  }
  // Both relays took part.
  for (const server of servers) {
    const metrics = await (await fetch(server.url.replace(/graphql$/, "metrics"))).text();
    expect(Number(/solvent_events_delivered_total\{sink="nats"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThan(0);
  }
});
