import { randomBytes } from "node:crypto";
import { statementName } from "../src/db/sql";
import { openAccount } from "./support/flows";
import { ADMIN, key, startTestServer, type TestServer } from "./support/harness";

let server: TestServer;
let base: string;
let authorization: string;

beforeAll(async () => {
  server = await startTestServer();
  base = server.url.replace(/\/graphql$/, "");
  authorization = `Bearer ${await server.token(ADMIN)}`;
});
afterAll(() => server.stop());

/** Raw GraphQL over HTTP: documents the generated client could not send (random names, broken ones). */
async function post(query: string, variables?: Record<string, unknown>) {
  const response = await fetch(server.url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as { data?: Record<string, { __typename?: string }>; errors?: unknown[] } };
}

const scrape = async () => {
  const response = await fetch(`${base}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
};
/** The value of one sample ("name{labels}"), 0 when absent. */
const sample = (text: string, series: string) => {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
};
const seriesOf = (text: string, prefix: string) => text.split("\n").filter((l) => l.startsWith(prefix));
const random = () => randomBytes(6).toString("hex");

test("random operation names and aliases add no series: the operation is the root field", async () => {
  const account = await openAccount(server, { deposit: "100" });
  const send = (i: number) =>
    i % 2
      ? post(`query Q_${random()} { a_${random()}: account(id: "${account.id}") { id } }`)
      : post(`mutation M_${random()}($input: PostingInput!) { c_${random()}: credit(input: $input) { __typename } }`, {
          input: { accountId: account.id, amount: "1", idempotencyKey: key() },
        });
  // Every series these requests can touch exists after the first two.
  await send(0);
  await send(1);
  const before = await scrape();
  for (let i = 0; i < 50; i++) {
    const { status, body } = await send(i);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
  }
  const after = await scrape();
  const names = (text: string, prefix: string) => seriesOf(text, prefix).map((line) => line.split(" ")[0]);
  expect(names(after, "solvent_graphql_requests_total{")).toEqual(names(before, "solvent_graphql_requests_total{"));
  expect(names(after, "solvent_graphql_")).toEqual(names(before, "solvent_graphql_"));
  expect(after).not.toMatch(/Q_|M_|a_[0-9a-f]{12}|c_[0-9a-f]{12}/);
  const credit = 'solvent_graphql_requests_total{operation_type="mutation",operation="credit",outcome="ok"}';
  const read = 'solvent_graphql_requests_total{operation_type="query",operation="account",outcome="ok"}';
  expect(sample(after, credit) - sample(before, credit)).toBe(25);
  expect(sample(after, read) - sample(before, read)).toBe(25);
  expect(sample(after, 'solvent_graphql_request_duration_seconds_count{operation_type="mutation",operation="credit"}')).toBeGreaterThanOrEqual(26);
});

test("a VersionConflict is the outcome of operation debit; several root fields are `multiple`", async () => {
  const account = await openAccount(server, { deposit: "10" });
  const series = 'solvent_graphql_requests_total{operation_type="mutation",operation="debit",outcome="VERSION_CONFLICT"}';
  const before = sample(await scrape(), series);
  const { body } = await post(`mutation($input: PostingInput!) { debit(input: $input) { __typename } }`, {
    input: { accountId: account.id, amount: "1", expectedVersion: account.version + 5, idempotencyKey: key() },
  });
  expect(body.data?.debit.__typename).toBe("VersionConflict");
  const text = await scrape();
  expect(sample(text, series) - before).toBe(1);

  await post(`{ a: account(id: "${account.id}") { id } h: hold(id: "${account.id}") { id } }`);
  expect(sample(await scrape(), 'solvent_graphql_requests_total{operation_type="query",operation="multiple",outcome="ok"}')).toBeGreaterThanOrEqual(1);
});

test("parse and validation failures are counted under fixed operations, with their error codes", async () => {
  const parse = 'solvent_graphql_requests_total{operation_type="unknown",operation="parse_failure",outcome="GRAPHQL_PARSE_FAILED"}';
  const validation = 'solvent_graphql_requests_total{operation_type="unknown",operation="validation_failure",outcome="GRAPHQL_VALIDATION_FAILED"}';
  const before = await scrape();
  expect((await post(`query Broken_${random()} { account(`)).status).toBe(400);
  expect((await post(`query Wrong_${random()} { noSuchField_${random()} }`)).status).toBe(400);
  const after = await scrape();
  expect(sample(after, parse) - sample(before, parse)).toBe(1);
  expect(sample(after, validation) - sample(before, validation)).toBe(1);
  expect(sample(after, 'solvent_graphql_errors_total{code="GRAPHQL_PARSE_FAILED"}') - sample(before, 'solvent_graphql_errors_total{code="GRAPHQL_PARSE_FAILED"}')).toBe(1);
  expect(after).not.toMatch(/Broken_|Wrong_|noSuchField/);
});

test("a request refused before it is read (no token) counts as UNAUTHENTICATED", async () => {
  const series = 'solvent_graphql_requests_total{operation_type="unknown",operation="unknown",outcome="UNAUTHENTICATED"}';
  const before = sample(await scrape(), series);
  const response = await fetch(server.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ __typename }" }) });
  expect(response.status).toBe(401);
  expect(sample(await scrape(), series) - before).toBe(1);
});

test("the pool's connections and the statements' durations, by statement name", async () => {
  const account = await openAccount(server, { deposit: "10" });
  await post(`{ account(id: "${account.id}") { id transactions(first: 5) { edges { node { id } } } } }`);
  const text = await scrape();
  expect(sample(text, 'solvent_db_pool_connections{state="total"}')).toBeGreaterThanOrEqual(1);
  expect(text).toMatch(/^solvent_db_pool_connections\{state="idle"\} \d+$/m);
  expect(text).toMatch(/^solvent_db_pool_connections\{state="waiting"\} \d+$/m);
  expect(sample(text, 'solvent_db_query_duration_seconds_count{statement="open_account"}')).toBeGreaterThanOrEqual(1);
  const statements = [...text.matchAll(/^solvent_db_query_duration_seconds_count\{statement="([^"]+)"\}/gm)].map((m) => m[1]);
  expect(statements.length).toBeGreaterThanOrEqual(2);
  for (const statement of statements) expect(statement).toMatch(/^[a-z_]{3,40}$/);
});

test("statement names: the function called, else the verb and the main table", () => {
  expect(statementName(`SELECT r.refusal, (r.account).id FROM post_entry($1::"TransactionKind", $2::uuid[]) r`)).toBe("post_entry");
  expect(statementName("SELECT sweep_expired_holds($1::int) AS swept")).toBe("sweep_expired_holds");
  expect(statementName("\n  UPDATE accounts a SET status = 'CLOSED' WHERE id = $1")).toBe("update_accounts");
  expect(statementName("SELECT t.id, t.amount FROM transactions t WHERE t.id = ANY($1::uuid[])")).toBe("select_transactions");
  expect(statementName("SELECT count(*) FROM holds")).toBe("select_holds");
  expect(statementName("SELECT count(*) FROM now()")).toBe("select");
});
