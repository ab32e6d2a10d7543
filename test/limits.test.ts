import { randomUUID } from "node:crypto";
import http from "node:http";
import net from "node:net";
import { gunzipSync } from "node:zlib";
import { AccountBalanceDocument, CreditDocument } from "./generated/graphql";
import { withFaultyAccount } from "./support/faults";
import { openAccount } from "./support/flows";
import { loadConfig } from "../src/config";
import type { Caller } from "../src/ledger/caller";
import { ADMIN, key, startTestServer, type TestServer } from "./support/harness";
import { databaseDigest, ledgerViolations } from "./support/ledgerInvariant";

/*
 * Limits on what a request may ask for. Over a limit, the answer is a clear
 * GraphQL error and no database work is done: the server logs every SQL
 * statement at debug level, and none is logged for a refused request. The
 * over-limit operations are written out here, not compiled from
 * test/operations: no client should ever send them.
 */
type Body = { data?: Record<string, unknown>; errors?: Array<{ message: string; extensions: Record<string, unknown> }> };

let server: TestServer;
let authorization: string;

beforeAll(async () => {
  server = await startTestServer({ logLevel: "debug" });
  authorization = `Bearer ${await server.token(ADMIN)}`;
});
afterEach(async () => {
  expect(await ledgerViolations(server.sql)).toEqual([]);
});
afterAll(() => server.stop());

const statements = (logs: TestServer["logs"]) => logs.filter((line) => line.msg === "sql").length;

/** Posts raw GraphQL; returns the answer and how many SQL statements the server ran for it. */
async function post(target: TestServer, body: unknown, headers: Record<string, string> = {}) {
  const before = statements(target.logs);
  const response = await fetch(target.url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${await target.token(ADMIN)}`, ...headers },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as Body;
  return { status: response.status, headers: response.headers, body: answer, sql: statements(target.logs) - before };
}

const nested = (depth: number): string =>
  depth === 0 ? "id" : `transactions(first: 1) { edges { node { account { ${nested(depth - 1)} } } } }`;

test.each<[string, string, string, RegExp]>([
  ["a selection deeper than 10", `{ account(id: "${randomUUID()}") { ${nested(3)} } }`, "GRAPHQL_VALIDATION_FAILED", /depth limit of 10/],
  [
    "16 aliases",
    `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: account(id: "${randomUUID()}") { id }`).join(" ")} }`,
    "GRAPHQL_VALIDATION_FAILED",
    /Aliases limit of 15/,
  ],
  [
    "11 directives",
    `query ($t: Boolean = true) { ${Array.from({ length: 11 }, (_, i) => `a${i}: __typename @include(if: $t)`).join(" ")} }`,
    "GRAPHQL_VALIDATION_FAILED",
    /Directives limit of 10/,
  ],
  ["more than 2,000 tokens", `{ ${"__typename ".repeat(2001)}}`, "GRAPHQL_PARSE_FAILED", /more that 2000 tokens/],
  [
    "100 accounts with 100 postings each",
    "{ accounts(first: 100) { edges { node { id transactions(first: 100) { edges { node { id amount } } } } } } }",
    "QUERY_TOO_COSTLY",
    /would cost 40401, more than the 10000 allowed/,
  ],
])("%s: a clear error, and no database work", async (_label, query, code, message) => {
  const { status, body, sql } = await post(server, { query });
  expect(status).toBe(400);
  expect(body.data).toBeUndefined();
  expect(body.errors?.[0]).toMatchObject({ message: expect.stringMatching(message), extensions: { code } });
  expect(sql).toBe(0);
});

test("the cost counts pages: the same shape with small pages is served", async () => {
  const { status, body } = await post(server, {
    query: "{ accounts(first: 10) { edges { node { id transactions(first: 10) { edges { node { id amount } } } } } } }",
  });
  expect(status).toBe(200);
  expect(body.errors).toBeUndefined();
});

test("a cost that variables decide is computed with each request's variables, though the document is the same", async () => {
  const query = `query ($n: Int, $m: Int, $all: Boolean!) {
    accounts(first: $n) { edges { node { id transactions(first: 100) { edges { node { id } } } } } }
    more: accounts(first: $m) @include(if: $all) { edges { node { transactions(first: 100) { edges { node { id } } } } } }
  }`;
  const ask = (variables: Record<string, unknown>) => post(server, { query, variables });
  for (const round of [1, 2]) {
    expect([round, (await ask({ n: 1, m: 100, all: false })).status]).toEqual([round, 200]);
    expect((await ask({ n: 100, m: 1, all: false })).body.errors?.[0].extensions.code).toBe("QUERY_TOO_COSTLY");
    expect((await ask({ n: 1, m: 100, all: true })).body.errors?.[0].extensions.code).toBe("QUERY_TOO_COSTLY");
  }
});

test("a batch of operations is refused whole: nothing in it runs", async () => {
  const account = await openAccount(server, { deposit: "1.00" });
  const credit = (k: string) => ({
    query: `mutation { credit(input: {accountId: "${account.id}", amount: "1", idempotencyKey: "${k}"}) { __typename } }`,
  });
  const before = await databaseDigest(server.sql);
  const { status, body, sql } = await post(server, [credit(key()), credit(key())]);
  expect(status).toBe(400);
  expect(body.errors?.[0]).toMatchObject({ message: "Operation batching disabled.", extensions: { code: "BAD_REQUEST" } });
  expect(sql).toBe(0);
  expect(await databaseDigest(server.sql)).toBe(before);
});

describe("rate limit on mutations, per subject, with a configured limit for tellers and admins", () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({
      logLevel: "debug",
      env: {
        RATE_LIMIT_TELLER_MUTATIONS_PER_SECOND: "2",
        RATE_LIMIT_TELLER_MUTATION_BURST: "3",
        RATE_LIMIT_ADMIN_MUTATIONS_PER_SECOND: "1",
        RATE_LIMIT_ADMIN_MUTATION_BURST: "1",
      },
    });
  });
  afterAll(() => limited.stop());

  test("a burst of 3, then RATE_LIMITED (429, Retry-After) with nothing posted; others and queries are not held up", async () => {
    const account = await openAccount(server, { deposit: "1.00" });
    const teller = await limited.as({ subject: "busy-teller", role: "teller" });
    const creditOnce = () => teller.request(CreditDocument, { input: { accountId: account.id, amount: "1.00", idempotencyKey: key("rl") } });
    const burst = await Promise.all([creditOnce(), creditOnce(), creditOnce()]);
    expect(burst.map((r) => r.data?.credit.__typename)).toEqual(["PostingSuccess", "PostingSuccess", "PostingSuccess"]);

    const before = await databaseDigest(limited.sql);
    const sqlBefore = statements(limited.logs);
    const refused = await creditOnce();
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(refused.errors?.[0]).toMatchObject({
      message: expect.stringContaining("at most 2 mutations a second (bursts of 3)"),
      extensions: { code: "RATE_LIMITED", retryAfterSeconds: 1 },
    });
    expect(statements(limited.logs)).toBe(sqlBefore);
    expect(await databaseDigest(limited.sql)).toBe(before);

    // Another subject has its own bucket; reading is not limited.
    const other = await limited.as({ subject: "other-teller", role: "teller" });
    expect((await other.request(CreditDocument, { input: { accountId: account.id, amount: "1.00", idempotencyKey: key("rl") } })).data?.credit.__typename).toBe(
      "PostingSuccess",
    );
    expect((await teller.request(AccountBalanceDocument, { id: account.id })).data?.account?.balance).toBe("5.00");

    // The bucket refills at 2 a second.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await creditOnce()).data?.credit.__typename).toBe("PostingSuccess");
  });

  test("each mutation field counts: 4 aliased credits in one request exceed a burst of 3", async () => {
    const account = await openAccount(server, { deposit: "1.00" });
    const alias = (i: number) => `c${i}: credit(input: {accountId: "${account.id}", amount: "1", idempotencyKey: "${key()}"}) { __typename }`;
    const before = await databaseDigest(limited.sql);
    const { status, body } = await post(limited, { query: `mutation { ${[1, 2, 3, 4].map(alias).join(" ")} }` }, {
      authorization: `Bearer ${await limited.token({ subject: "alias-teller", role: "teller" })}`,
    });
    expect(status).toBe(429);
    expect(body.errors?.[0].extensions.code).toBe("RATE_LIMITED");
    expect(await databaseDigest(limited.sql)).toBe(before);
  });

  /** Sends a mutation document as a teller of its own (a full bucket); `c(i)` is a credit of 1.00 aliased `c<i>`. */
  async function asFreshTeller(document: (c: (i: number, directives?: string) => string) => string) {
    const account = await openAccount(server, { deposit: "1.00" });
    const c = (i: number, directives = "") =>
      `c${i}: credit(input: {accountId: "${account.id}", amount: "1", idempotencyKey: "${key(`c${i}`)}"}) ${directives} { __typename }`;
    const before = await databaseDigest(limited.sql);
    const authorization = `Bearer ${await limited.token({ subject: `teller-${randomUUID()}`, role: "teller" })}`;
    const answer = await post(limited, { query: document(c) }, { authorization });
    return { ...answer, unchanged: (await databaseDigest(limited.sql)) === before };
  }

  test("an admin's configured limit: 1 a second, bursts of 1", async () => {
    const account = await openAccount(server, { deposit: "1.00" });
    const admin = await limited.as({ subject: "busy-admin", role: "admin" });
    const creditOnce = () => admin.request(CreditDocument, { input: { accountId: account.id, amount: "1.00", idempotencyKey: key("rl") } });
    expect((await creditOnce()).data?.credit.__typename).toBe("PostingSuccess");
    const refused = await creditOnce();
    expect(refused.status).toBe(429);
    expect(refused.errors?.[0].message).toContain("at most 1 mutations a second (bursts of 1) per admin");
  });

  test("fields in named fragments count: 4 credits spread from nested fragments exceed a burst of 3", async () => {
    const { status, body, unchanged } = await asFreshTeller(
      (c) => `mutation { ...Two ...More }
        fragment Two on Mutation { ${c(1)} ${c(2)} }
        fragment More on Mutation { ... on Mutation { ${c(3)} } ...Last }
        fragment Last on Mutation { ${c(4)} }`,
    );
    expect(status).toBe(429);
    expect(body.errors?.[0].extensions.code).toBe("RATE_LIMITED");
    expect(unchanged).toBe(true);
  });

  test("skipped fields do not count, nor a field repeated under one name (it runs once): 3 credits fit a burst of 3", async () => {
    const { status, body, unchanged } = await asFreshTeller((c) => {
      const first = c(1);
      return `mutation ($no: Boolean = false) { ...Three ${first} ${c(4, "@skip(if: true)")} ${c(5, "@include(if: $no)")} }
        fragment Three on Mutation { ${first} ${c(2)} ... on Mutation { ${c(3)} } }`;
    });
    expect(status).toBe(200);
    expect(Object.keys(body.data ?? {})).toEqual(["c1", "c2", "c3"]);
    expect(unchanged).toBe(false);
  });
});

describe("rate limits by role, by default", () => {
  let defaults: TestServer;
  beforeAll(async () => {
    // The harness turns the customers' limit off; "" is unset: the default.
    defaults = await startTestServer({ env: { RATE_LIMIT_CUSTOMER_MUTATIONS_PER_SECOND: "" } });
  });
  afterAll(() => defaults.stop());

  /** Sends documents of 15 debits (of accounts that do not exist: nothing is written) until one is refused; the debits accepted before it, and the seconds it took. */
  async function debitUntilRefused(caller: Caller, documents: number) {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    const debit = (i: number) => `d${i}: debit(input: {accountId: "${randomUUID()}", amount: "1", idempotencyKey: "${key()}"}) { __typename }`;
    let accepted = 0;
    const authorization = `Bearer ${await defaults.token(caller)}`;
    for (let n = 0; n < documents; n++) {
      const query = `mutation { ${Array.from({ length: 15 }, (_, i) => debit(i)).join(" ")} }`;
      const response = await fetch(defaults.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization },
        body: JSON.stringify({ query }),
      });
      if (response.status === 429) return { accepted, refused: ((await response.json()) as Body).errors?.[0].message, seconds: seconds() };
      expect(response.status).toBe(200);
      accepted += 15;
    }
    return { accepted, refused: undefined, seconds: seconds() };
  }

  test("customers: 100 a second, bursts of 200", async () => {
    const { accepted, refused, seconds } = await debitUntilRefused({ subject: `customer-${randomUUID()}`, role: "customer" }, 40);
    expect(refused).toContain("at most 100 mutations a second (bursts of 200) per customer");
    // The burst, and what refilled while the requests were sent (slower on a busy machine), to one document of 15.
    expect(accepted).toBeGreaterThanOrEqual(195);
    expect(accepted).toBeLessThanOrEqual(200 + 100 * seconds + 15);
  });

  test.each<Caller["role"]>(["teller", "admin"])("%s: no limit", async (role) => {
    expect(await debitUntilRefused({ subject: `${role}-${randomUUID()}`, role }, 30)).toMatchObject({ accepted: 450, refused: undefined });
  });
});

describe("rate limit settings", () => {
  test("by default customers are limited, tellers and admins are not", () => {
    expect(loadConfig({}).limits.mutationRates).toEqual({
      customer: { perSecond: 100, burst: 200 },
      teller: { perSecond: 0, burst: 1 },
      admin: { perSecond: 0, burst: 1 },
    });
    expect(loadConfig({ RATE_LIMIT_TELLER_MUTATIONS_PER_SECOND: "50" }).limits.mutationRates.teller).toEqual({ perSecond: 50, burst: 100 });
  });

  test.each([
    ["RATE_LIMIT_MUTATIONS_PER_SECOND", /RATE_LIMIT_CUSTOMER_MUTATIONS_PER_SECOND/],
    ["RATE_LIMIT_MUTATION_BURST", /RATE_LIMIT_CUSTOMER_MUTATION_BURST/],
  ])("the old %s is refused at start-up, naming its replacement", (name, replacement) => {
    expect(() => loadConfig({ [name]: "0" })).toThrow(replacement);
  });
});

test("a request that does not arrive within REQUEST_TIMEOUT_MS is cut off with 408", async () => {
  const slow = await startTestServer({ env: { REQUEST_TIMEOUT_MS: "500" } });
  try {
    const { port } = new URL(slow.url);
    const socket = net.connect(Number(port), "127.0.0.1");
    const answer = new Promise<string>((resolve) => {
      let text = "";
      socket.on("data", (chunk) => (text += chunk.toString()));
      socket.on("close", () => resolve(text));
    });
    // Headers promise 100 bytes of body; only a few ever come.
    socket.write(`POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"query"`);
    const started = Date.now();
    expect(await answer).toMatch(/^HTTP\/1\.1 408/);
    expect(Date.now() - started).toBeLessThan(3000);
  } finally {
    await slow.stop();
  }
});

describe("introspection, the GraphiQL page and CSRF", () => {
  const introspect = (target: TestServer) => post(target, { query: "{ __schema { queryType { name } } }" });
  const page = (target: TestServer) => fetch(target.url, { headers: { accept: "text/html" } }).then(async (r) => ({ status: r.status, text: await r.text() }));

  test("in development both are on", async () => {
    expect((await introspect(server)).body.data).toEqual({ __schema: { queryType: { name: "Query" } } });
    const landing = await page(server);
    expect(landing.status).toBe(200);
    expect(landing.text).toContain("<title>Solvent</title>");
  });

  test("with NODE_ENV=production both are off by default, field suggestions are not given, and internals stay masked", async () => {
    const production = await startTestServer({ env: { NODE_ENV: "production" } });
    try {
      const refused = await introspect(production);
      expect(refused.status).toBe(400);
      expect(refused.body.errors?.[0].message).toMatch(/introspection is not allowed/i);
      expect((await page(production)).text).not.toContain("<title>Solvent</title>");
      const typo = await post(production, { query: "{ acount(id: \"x\") { id } }" });
      expect(typo.body.errors?.[0].message).not.toMatch(/Did you mean/);

      await withFaultyAccount(production.sql, "XTP", async (id) => {
        const fault = await post(production, { query: `{ account(id: "${id}") { balance } }` });
        expect(fault.body.errors?.[0]).toEqual({
          message: "Internal server error: quote the requestId when reporting it",
          path: ["account", "balance"],
          extensions: { code: "INTERNAL_SERVER_ERROR", requestId: fault.headers.get("x-request-id") },
        });
        expect(JSON.stringify(fault.body)).not.toMatch(/XTP|currency|at \w+ \(|node_modules|SELECT/);
      });
    } finally {
      await production.stop();
    }
  });

  test("each can be switched on in production, and off in development", async () => {
    const open = await startTestServer({ env: { NODE_ENV: "production", GRAPHQL_INTROSPECTION: "true", GRAPHQL_LANDING_PAGE: "true" } });
    const closed = await startTestServer({ env: { GRAPHQL_INTROSPECTION: "false", GRAPHQL_LANDING_PAGE: "false" } });
    try {
      expect((await introspect(open)).body.data).toBeDefined();
      expect((await page(open)).text).toContain("<title>Solvent</title>");
      expect((await introspect(closed)).body.errors?.[0].message).toMatch(/introspection is not allowed/i);
      expect((await page(closed)).text).not.toContain("<title>Solvent</title>");
    } finally {
      await Promise.all([open.stop(), closed.stop()]);
    }
  });

  test("the page is served compressed, subscribes over graphql-ws, and says where the token goes; GraphQL answers are not compressed", async () => {
    const answer = await new Promise<http.IncomingMessage>((resolve, reject) =>
      http.get(server.url, { headers: { accept: "text/html", "accept-encoding": "gzip" } }, resolve).on("error", reject),
    );
    const body = Buffer.concat(await answer.toArray());
    expect(answer.headers["content-encoding"]).toBe("gzip");
    const html = gunzipSync(body).toString("utf8");
    expect(body.length).toBeLessThan(html.length / 3);
    expect(html).toContain('"subscriptionsProtocol":"WS"');
    for (const explained of ['{\\"Authorization\\": \\"Bearer <token>\\"}', "npm start", "npm run token -- --role customer", "Shift-Ctrl-R"]) {
      expect(html).toContain(explained);
    }
    const { headers } = await post(server, { query: "{ __typename }" }, { "accept-encoding": "gzip" });
    expect(headers.get("content-encoding")).toBeNull();
  });

  test("CSRF prevention: a simple GET or a text/plain POST is refused before it runs", async () => {
    const get = await fetch(`${server.url}?query=${encodeURIComponent("{ __typename }")}`, { headers: { authorization } });
    expect(get.status).toBe(400);
    expect(await get.text()).toMatch(/Cross-Site Request Forgery/);
    const plain = await fetch(server.url, { method: "POST", headers: { "content-type": "text/plain", authorization }, body: '{"query":"{ __typename }"}' });
    expect(plain.status).toBe(400);
  });
});
