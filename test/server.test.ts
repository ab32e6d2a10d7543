import { randomUUID } from "node:crypto";
import { AccountBalanceDocument, AccountsWithCursorsDocument, DebitDocument } from "./generated/graphql";
import { withFaultyAccount } from "./support/faults";
import { openAccount } from "./support/flows";
import { ADMIN, key, startTestServer, type TestServer } from "./support/harness";
import { ledgerViolations } from "./support/ledgerInvariant";

type ErrorBody = { errors: Array<{ message: string; extensions: { code: string } }> };
const errorBody = (response: Response) => response.json() as Promise<ErrorBody>;

let server: TestServer;
let base: string;

beforeAll(async () => {
  server = await startTestServer();
  base = server.url.replace(/\/graphql$/, "");
});
afterEach(async () => {
  expect(await ledgerViolations(server.sql)).toEqual([]);
});
afterAll(() => server.stop());

test("/healthz answers while the process is up, /readyz when the database is reachable and migrated", async () => {
  const health = await fetch(`${base}/healthz`);
  expect(health.status).toBe(200);
  expect(await health.json()).toEqual({ status: "ok" });
  const ready = await fetch(`${base}/readyz`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toEqual({ status: "ready" });
});

test("/readyz is 503 while a migration is missing from the database", async () => {
  const { rows } = await server.sql.query("SELECT id, migration_name FROM _prisma_migrations ORDER BY migration_name DESC LIMIT 1");
  await server.sql.query("UPDATE _prisma_migrations SET migration_name = migration_name || '_hidden' WHERE id = $1", [rows[0].id]);
  try {
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: "unavailable" });
  } finally {
    await server.sql.query("UPDATE _prisma_migrations SET migration_name = $2 WHERE id = $1", [rows[0].id, rows[0].migration_name]);
  }
});

test("every request is logged once with its request id, operation name, union member and duration; no customer name", async () => {
  const account = await openAccount(server, { deposit: "5", customerName: "Zelda Secretname" });
  const requestId = `req-${randomUUID()}`;
  const response = await server.request(
    DebitDocument,
    { input: { accountId: account.id, amount: "9", idempotencyKey: key() } },
    { "x-request-id": requestId },
  );
  expect(response.headers.get("x-request-id")).toBe(requestId);
  expect(response.data?.debit.__typename).toBe("InsufficientFunds");
  const lines = server.logs.filter((line) => line.requestId === requestId);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ msg: "request", operationName: "Debit", outcome: "InsufficientFunds" });
  expect(typeof lines[0].durationMs).toBe("number");
  expect(JSON.stringify(server.logs)).not.toContain("Secretname");
});

test("a request id the client did not send is made up and returned", async () => {
  const response = await server.request(AccountBalanceDocument, { id: randomUUID() });
  expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  expect(response.data?.account).toBeNull();
});

test("an internal fault is masked: INTERNAL_SERVER_ERROR and the request id, details only in the log", async () => {
  await withFaultyAccount(server.sql, "XTS", async (id) => {
    const response = await server.request(AccountBalanceDocument, { id });
    expect(response.errors).toHaveLength(1);
    const [error] = response.errors!;
    expect(error.extensions?.code).toBe("INTERNAL_SERVER_ERROR");
    expect(error.message).not.toMatch(/XTS|currency|stack|at /);
    expect(error).not.toHaveProperty("extensions.stacktrace");
    const requestId = error.extensions?.requestId;
    expect(response.headers.get("x-request-id")).toBe(requestId);
    const logged = server.logs.find((line) => line.requestId === requestId && line.msg === "internal error");
    expect(logged).toMatchObject({ level: 50, err: { stack: expect.stringContaining("unknown currency XTS") } });
    expect(server.logs.filter((line) => line.requestId === requestId).at(-1)).toMatchObject({ msg: "request", outcome: "INTERNAL_SERVER_ERROR" });
  });
});

test("a client's mistake (a bad page size) is logged as a client error with its code, no stack; the request line says the same code", async () => {
  const response = await server.request(AccountsWithCursorsDocument, { first: 0 });
  expect(response.errors).toEqual([expect.objectContaining({ message: "`first` must be between 1 and 100", extensions: expect.objectContaining({ code: "BAD_USER_INPUT" }) })]);
  const requestId = response.headers.get("x-request-id");
  const lines = server.logs.filter((line) => line.requestId === requestId);
  expect(lines).toEqual([
    expect.objectContaining({ level: 30, msg: "client error", code: "BAD_USER_INPUT", operationName: "AccountsWithCursors" }),
    expect.objectContaining({ level: 30, msg: "request", outcome: "BAD_USER_INPUT" }),
  ]);
  expect(JSON.stringify(lines)).not.toMatch(/stack|internal/);
});

test("malformed JSON and oversized bodies get a 4xx with a GraphQL-shaped error, no stack trace", async () => {
  const malformed = await fetch(server.url, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" });
  expect(malformed.status).toBe(400);
  const body = await errorBody(malformed);
  expect(body.errors[0].extensions.code).toBe("BAD_REQUEST");
  expect(JSON.stringify(body)).not.toMatch(/node_modules|at \w+ \(/);

  const huge = await fetch(server.url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: `{ __typename }`, variables: { pad: "x".repeat(200_000) } }),
  });
  expect(huge.status).toBe(413);
  expect((await errorBody(huge)).errors[0].extensions.code).toBe("BAD_REQUEST");
});

test("a body GraphQL cannot read is refused with 415 and changes nothing: another charset, a content encoding", async () => {
  const authorization = `Bearer ${await server.token(ADMIN)}`;
  const account = await openAccount(server, { deposit: "5.00" });
  const debit = JSON.stringify({ query: `mutation { debit(input: { accountId: "${account.id}", amount: "1.00", idempotencyKey: "${key()}" }) { __typename } }` });
  const unreadable: Array<Record<string, string>> = [{ "content-type": "application/json; charset=latin1" }, { "content-type": "application/json", "content-encoding": "gzip" }];
  for (const headers of unreadable) {
    const refused = await fetch(server.url, { method: "POST", headers: { ...headers, authorization }, body: debit });
    expect(refused.status).toBe(415);
    expect((await errorBody(refused)).errors[0].extensions.code).toBe("BAD_REQUEST");
  }
  expect((await server.request(AccountBalanceDocument, { id: account.id })).data?.account?.balance).toBe("5.00");
});

test("GraphQL answers at /graphql with a query string or a trailing slash too, over POST and GET", async () => {
  const authorization = `Bearer ${await server.token(ADMIN)}`;
  for (const url of [`${server.url}?x=1`, `${server.url}/`]) {
    const answer = await fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization }, body: '{"query":"{ __typename }"}' });
    expect(await answer.json()).toEqual({ data: { __typename: "Query" } });
  }
  const get = await fetch(`${server.url}?query=${encodeURIComponent("{ __typename }")}`, { headers: { authorization, "apollo-require-preflight": "1" } });
  expect(await get.json()).toEqual({ data: { __typename: "Query" } });
});

test("a syntax error is a GraphQL error, not a 500", async () => {
  const response = await fetch(server.url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${await server.token(ADMIN)}` },
    body: JSON.stringify({ query: "mutation { debit(" }),
  });
  expect(response.status).toBe(400);
  expect((await errorBody(response)).errors[0].extensions.code).toBe("GRAPHQL_PARSE_FAILED");
});
