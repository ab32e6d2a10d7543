import { print } from "graphql";
import { createClient, type Client as WsClient, type FormattedExecutionResult } from "graphql-ws";
import WebSocket from "ws";
import {
  AccountActivityDocument,
  AccountByIdDocument,
  AccountUpdatedDocument,
  CreditDocument,
  DebitDocument,
  TransferInFullDocument,
  type AccountActivitySubscription as Activity,
  type AccountUpdatedSubscription as Updated,
} from "./generated/graphql";
import { eventually } from "./support/events";
import { openAccount } from "./support/flows";
import { ADMIN, key, startTestServer, type TestServer } from "./support/harness";
import { ledgerViolations } from "./support/ledgerInvariant";
import { scratchDatabase, type ScratchDatabase } from "./support/scratchDatabase";
import type { Caller } from "../src/ledger/caller";

/*
 * GraphQL subscriptions over graphql-ws on /graphql, fed from the database:
 * a subscriber of one server process receives what was posted through
 * another. A database of its own; two servers on it.
 */
let database: ScratchDatabase;
let serverA: TestServer;
let serverB: TestServer | undefined;
const clients: WsClient[] = [];
const env = { AUTH_JWT_SECRET: "s".repeat(40), EVENTS_POLL_INTERVAL_MS: "20" };

beforeAll(async () => {
  database = await scratchDatabase("subscriptions");
  serverA = await startTestServer({ databaseUrl: database.url, env });
});
afterEach(async () => {
  expect(await ledgerViolations(serverA.sql)).toEqual([]);
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  await Promise.all([serverA.stop(), serverB?.stop()]);
  await database.drop();
});

async function connect(server: TestServer, caller: Caller | null = ADMIN) {
  const client = createClient({
    url: server.url.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    connectionParams: caller ? { authorization: `Bearer ${await server.token(caller)}` } : {},
    retryAttempts: 0,
  });
  clients.push(client);
  return client;
}

/** Subscribes and waits until the server listens, so nothing posted afterwards can be missed. */
async function subscribe<T>(
  server: TestServer,
  client: WsClient,
  query: string,
  accountId: string,
  extensions?: Record<string, unknown>,
): Promise<Subscribed<T>> {
  const before = server.solvent.events.hub.subscribers(accountId);
  const iterator = client.iterate<T>({ query, variables: { accountId }, extensions });
  const first = iterator.next();
  await eventually(async () => server.solvent.events.hub.subscribers(accountId), (n) => n > before, 10_000);
  return { first, iterator };
}

type Result<T> = FormattedExecutionResult<T, unknown>;
type Subscribed<T> = { first: Promise<IteratorResult<Result<T>>>; iterator: AsyncIterableIterator<Result<T>> };

/** The data of the next `count` results; fails on an error. */
async function take<T>(subscription: Subscribed<T>, count: number): Promise<T[]> {
  const results = [await subscription.first];
  while (results.length < count) results.push(await subscription.iterator.next());
  return results.map(({ value }) => {
    if (!value?.data || value.errors) throw new Error(JSON.stringify(value));
    return value.data;
  });
}

const postAll = async (server: TestServer, accountId: string, otherId: string) => {
  await server.query(CreditDocument, { input: { accountId, amount: "10.00", idempotencyKey: key() } });
  await server.query(DebitDocument, { input: { accountId, amount: "3.50", idempotencyKey: key() } });
  await server.query(TransferInFullDocument, { input: { fromAccountId: otherId, toAccountId: accountId, amount: "1.25", idempotencyKey: key() } });
};

const expectActivity = (activity: Activity[]) =>
  // The client's document asks for more; these are the fields that must be so.
  expect(activity.map((r) => r.accountActivity)).toMatchObject([
    { id: expect.any(String), type: "CREDIT", kind: "DEPOSIT", amount: "10.00", balanceAfter: "15.00", accountVersion: 2 },
    { id: expect.any(String), type: "DEBIT", kind: "WITHDRAWAL", amount: "3.50", balanceAfter: "11.50", accountVersion: 3 },
    { id: expect.any(String), type: "CREDIT", kind: "TRANSFER", amount: "1.25", balanceAfter: "12.75", accountVersion: 4 },
  ]);

test("a subscriber receives each posting on its account, in order, and the account after each change", async () => {
  const account = await openAccount(serverA, { deposit: "5.00" });
  const other = await openAccount(serverA, { deposit: "5.00" });
  const client = await connect(serverA);
  const activity = await subscribe<Activity>(serverA, client, print(AccountActivityDocument), account.id);
  const updated = await subscribe<Updated>(serverA, client, print(AccountUpdatedDocument), account.id);
  await postAll(serverA, account.id, other.id);
  expectActivity(await take(activity, 3));
  expect((await take(updated, 3)).map((r) => r.accountUpdated)).toMatchObject([
    { id: account.id, status: "ACTIVE", balance: "15.00", version: 2 },
    { id: account.id, status: "ACTIVE", balance: "11.50", version: 3 },
    { id: account.id, status: "ACTIVE", balance: "12.75", version: 4 },
  ]);
  await activity.iterator.return?.();
  await eventually(async () => serverA.solvent.events.hub.subscribers(account.id), (n) => n === 1);
});

test("a subscriber of one server receives postings made through another", async () => {
  serverB = await startTestServer({ databaseUrl: database.url, env });
  const account = await openAccount(serverB, { deposit: "5.00" });
  const other = await openAccount(serverB, { deposit: "5.00" });
  const client = await connect(serverA);
  const activity = await subscribe<Activity>(serverA, client, print(AccountActivityDocument), account.id);
  await postAll(serverB, account.id, other.id);
  expectActivity(await take(activity, 3));
  const { account: now } = await serverB.query(AccountByIdDocument, { id: account.id });
  expect(now?.version).toBe(4);
});

test("subscriptions are authorized like queries: a token to connect, and only accounts the caller may see", async () => {
  const alices = await openAccount(serverA, { deposit: "1.00", ownerId: "alice" });
  const bobs = await openAccount(serverA, { deposit: "1.00", ownerId: "bob" });

  // A bad token when connecting closes the socket.
  const forged = createClient({ url: serverA.url.replace(/^http/, "ws"), webSocketImpl: WebSocket, connectionParams: { authorization: "Bearer forged" }, retryAttempts: 0 });
  clients.push(forged);
  const refused = await new Promise<number>((resolve) => {
    forged.on("closed", (event) => resolve((event as { code: number }).code));
    forged.iterate({ query: print(AccountActivityDocument), variables: { accountId: alices.id } }).next().catch(() => undefined);
  });
  expect(refused).toBe(4403);
  // No token when connecting: a subscription without one of its own is refused.
  const anonymous = await connect(serverA, null);
  for (const extensions of [undefined, { headers: { Authorization: "Bearer forged" } }]) {
    const unauthenticated = await anonymous
      .iterate({ query: print(AccountActivityDocument), variables: { accountId: alices.id }, extensions })
      .next()
      .catch((errors: unknown) => errors);
    expect(unauthenticated).toEqual([expect.objectContaining({ extensions: { code: "UNAUTHENTICATED" } })]);
  }

  const alice = await connect(serverA, { subject: "alice", role: "customer" });
  const denied = await alice.iterate({ query: print(AccountActivityDocument), variables: { accountId: bobs.id } }).next();
  expect(denied.value?.errors).toEqual([expect.objectContaining({ message: `no account ${bobs.id}`, extensions: { code: "NOT_FOUND" } })]);

  const own = await subscribe<Activity>(serverA, alice, print(AccountActivityDocument), alices.id);
  await serverA.query(CreditDocument, { input: { accountId: alices.id, amount: "2.00", idempotencyKey: key() } });
  expect((await take(own, 1))[0].accountActivity).toMatchObject({ amount: "2.00", accountVersion: 2 });

  const query = await alice.iterate({ query: `query { account(id: "${alices.id}") { id } }` }).next().catch((errors: unknown) => errors);
  expect(query).toEqual([expect.objectContaining({ message: expect.stringContaining("only subscriptions go over the WebSocket"), extensions: { code: "BAD_REQUEST" } })]);
  const invalid = await alice.iterate({ query: "subscription { accountActivity { id } }" }).next().catch((errors: unknown) => errors);
  expect(invalid).toEqual([expect.objectContaining({ extensions: { code: "GRAPHQL_VALIDATION_FAILED" } })]);
});

test("a subscription sent as an HTTP POST is a 400 BAD_REQUEST that points to the WebSocket; nothing runs", async () => {
  const account = await openAccount(serverA, { deposit: "1.00" });
  const response = await serverA.request(AccountActivityDocument, { accountId: account.id });
  expect(response.status).toBe(400);
  expect(response.data).toBeUndefined();
  expect(response.errors).toEqual([
    expect.objectContaining({ message: expect.stringMatching(/WebSocket \(graphql-ws\).*\/graphql/), extensions: expect.objectContaining({ code: "BAD_REQUEST" }) }),
  ]);
  expect(serverA.solvent.events.hub.subscribers(account.id)).toBe(0);
});

test("GraphiQL's way: no token when connecting, the Headers tab in each subscription's extensions.headers", async () => {
  const account = await openAccount(serverA, { deposit: "5.00" });
  // What the page sends: empty connectionParams, then the headers with the subscription.
  const page = await connect(serverA, null);
  const headers = { Authorization: `Bearer ${await serverA.token({ subject: "playground-user", role: "teller" })}` };
  const activity = await subscribe<Activity>(serverA, page, print(AccountActivityDocument), account.id, { headers });
  await serverA.query(CreditDocument, { input: { accountId: account.id, amount: "2.00", idempotencyKey: key() } });
  expect((await take(activity, 1))[0].accountActivity).toMatchObject({ type: "CREDIT", amount: "2.00", accountVersion: 2 });
  expect(serverA.logs).toContainEqual(expect.objectContaining({ msg: "subscription", subject: "playground-user" }));
});

test("a connection without a token is closed once no subscription has run on it for a while; one with a subscription stays", async () => {
  const quick = await startTestServer({ databaseUrl: database.url, env: { ...env, REQUEST_TIMEOUT_MS: "300" } });
  try {
    const account = await openAccount(quick, { deposit: "1.00" });
    const opened = async () => {
      // The server's idle clock starts when it accepts the connection: after this, however late the acknowledgement arrives.
      const since = Date.now();
      const socket = new WebSocket(quick.url.replace(/^http/, "ws"), "graphql-transport-ws");
      const closed = new Promise<{ code: number; at: number }>((resolve) => socket.on("close", (code) => resolve({ code, at: Date.now() })));
      await new Promise((resolve) => socket.on("open", resolve));
      socket.send(JSON.stringify({ type: "connection_init", payload: {} }));
      await new Promise((resolve) => socket.once("message", resolve));
      return { socket, closed, since };
    };
    const idle = await opened();
    const { code, at } = await idle.closed;
    expect({ code, afterMs: at - idle.since >= 250 }).toEqual({ code: 4401, afterMs: true });

    const busy = await opened();
    const headers = { Authorization: `Bearer ${await quick.token(ADMIN)}` };
    busy.socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: print(AccountActivityDocument), variables: { accountId: account.id }, extensions: { headers } } }));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(busy.socket.readyState).toBe(WebSocket.OPEN);
    busy.socket.send(JSON.stringify({ id: "1", type: "complete" }));
    expect((await busy.closed).code).toBe(4401);
  } finally {
    await quick.stop();
  }
});
