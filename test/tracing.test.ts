import { fork, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { signToken } from "../src/auth";
import { loadConfig } from "../src/config";
import { ADMIN } from "./support/harness";
import { scratchDatabase, type ScratchDatabase } from "./support/scratchDatabase";
import { exitCode, logLines, serving, spawnServer } from "./support/serverProcess";

/*
 * Tracing, on the built server (`npm test` builds dist/ first) as a process of its own: the
 * instrumentations patch modules as Node's require loads them, which jest's registry bypasses.
 * Once into an in-memory exporter (test/support/tracedServer.cjs), once by OTLP over HTTP into
 * a collector of the test's own, and once off.
 */

/** A span as the tests look at it, whichever way it came. */
interface SpanRecord {
  name: string;
  server: boolean;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Record<string, unknown>;
}

const SECRET = randomBytes(32).toString("base64url");
const RUN = randomBytes(4).toString("hex");
/** Values sent as GraphQL variables: none may appear in any span. */
const CUSTOMER_NAME = `Tracy Secretname ${RUN}`;
const DEPOSIT = "271.83";
const AMOUNT = "314.15";
const OPEN_KEY = `open-${RUN}`;
const CREDIT_KEY = `credit-${RUN}`;
const GET_VALUE = `get-value-${RUN}`;

const OPEN = `mutation Open($input: OpenAccountInput!) {
  openAccount(input: $input) { __typename ... on OpenAccountSuccess { account { id } } }
}`;
const CREDIT = `mutation Credit($input: PostingInput!) { credit(input: $input) { __typename } }`;
/** Read through Prisma: a filter on the customer's name. */
// The holds of an account are read through Prisma: the trace must show its statements too.
const ACCOUNTS = `query Accounts($filter: AccountFilter) { accounts(first: 5, filter: $filter) { edges { node { id balance holds(first: 1) { edges { node { id } } } } } } }`;

let database: ScratchDatabase;
beforeAll(async () => {
  database = await scratchDatabase("tracing");
});
afterAll(() => database?.drop());

/** The server's settings: its own database, HS256 tokens, and an outbox relay delivering to `webhookUrl`, polling every 50 ms. */
const serverEnv = (webhookUrl: string): Record<string, string | undefined> => ({
  DATABASE_URL: database.url,
  PORT: "0",
  LOG_LEVEL: "warn",
  // Few connections: on PGlite the test's own process serves them all.
  DB_POOL_SIZE: "2",
  AUTH_JWT_SECRET: SECRET,
  // The embedded database shares one session among its connections.
  DB_PREPARED_STATEMENTS: String(Boolean(process.env.TEST_DATABASE_URL)),
  EVENTS_WEBHOOK_URL: webhookUrl,
  EVENTS_WEBHOOK_SECRET: randomBytes(32).toString("base64url"),
  EVENTS_POLL_INTERVAL_MS: "50",
  OTEL_EXPORTER_OTLP_ENDPOINT: undefined,
});

/** A local HTTP server answering 200 to every POST, keeping the JSON bodies by path. */
async function receiver() {
  const bodies: Array<{ path: string; body: unknown }> = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      bodies.push({ path: request.url!, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const adminToken = () => signToken(new TextEncoder().encode(SECRET), ADMIN, { expiresInSeconds: 3600 });

/** Sends the requests every test traces; returns how many it sent. */
async function sendRequests(url: string): Promise<number> {
  const token = await adminToken();
  const post = async (query: string, variables: Record<string, unknown>) => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { data: Record<string, { __typename: string; account?: { id: string } }> };
  };
  const opened = await post(OPEN, {
    input: { customerName: CUSTOMER_NAME, type: "CHECKING", currency: "USD", initialDeposit: DEPOSIT, idempotencyKey: OPEN_KEY },
  });
  const accountId = opened.data.openAccount.account!.id;
  expect((await post(CREDIT, { input: { accountId, amount: AMOUNT, idempotencyKey: CREDIT_KEY } })).data.credit.__typename).toBe("PostingSuccess");
  await post(ACCOUNTS, { filter: { customerName: CUSTOMER_NAME } });
  // GraphQL over GET: the document and its variables travel in the query string.
  const get = new URL(url);
  get.searchParams.set("query", "query Get($name: String) { accounts(first: 1, filter: { customerName: $name }) { edges { node { id } } } }");
  get.searchParams.set("variables", JSON.stringify({ name: GET_VALUE }));
  const response = await fetch(get, { headers: { authorization: `Bearer ${token}`, "apollo-require-preflight": "true" } });
  expect(response.status).toBe(200);
  // Probes are not traced.
  expect((await fetch(new URL("/healthz", url))).status).toBe(200);
  return 4;
}

/** The chain of spans from `span` up to its trace's root (as far as parents were recorded). */
function ancestry(span: SpanRecord, spans: SpanRecord[]): SpanRecord[] {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const chain = [span];
  for (let parent = byId.get(span.parentSpanId!); parent; parent = byId.get(parent.parentSpanId!)) chain.push(parent);
  return chain;
}

/** What every run of sendRequests must have traced, whichever exporter the spans went through. */
function expectRequestTraces(spans: SpanRecord[], requests: number) {
  const roots = spans.filter((span) => !span.parentSpanId);
  // One trace per request, each rooted at the HTTP server span; nothing else starts a trace.
  expect(roots.map((root) => root.name).sort()).toEqual([...Array(requests - 1).fill("POST /graphql"), "GET /graphql"].sort());
  expect(roots.every((root) => root.server)).toBe(true);
  expect(new Set(spans.map((span) => span.traceId))).toEqual(new Set(roots.map((root) => root.traceId)));
  expect(spans.filter((span) => span.attributes["url.path"] === "/healthz")).toEqual([]);

  for (const operation of ["mutation Open", "mutation Credit", "query Accounts", "query Get"]) {
    const execute = spans.find((span) => span.name === operation);
    expect(execute).toBeDefined();
    const trace = spans.filter((span) => span.traceId === execute!.traceId);
    const [root] = trace.filter((span) => !span.parentSpanId);
    for (const phase of ["graphql.parse", "graphql.validate", operation]) {
      const span = trace.find((s) => s.name === phase);
      expect(span && ancestry(span, trace).at(-1)).toBe(root);
    }
    // Every statement of the request ran while its operation executed, within its trace.
    const statements = trace.filter((span) => span.name.startsWith("pg.query"));
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) expect(ancestry(statement, trace)).toContain(execute);
  }
  // Prisma's statements (its quoting of table names) are traced as the hand-written ones are, with placeholders for values.
  const accounts = spans.find((span) => span.name === "query Accounts")!;
  const prisma = spans.filter((span) => span.traceId === accounts.traceId && String(span.attributes["db.query.text"]).includes('"public"."holds"'));
  expect(prisma.length).toBeGreaterThan(0);
  expect(prisma.some((span) => /\$1\b/.test(String(span.attributes["db.query.text"])))).toBe(true);

  const recorded = JSON.stringify(spans);
  for (const value of [CUSTOMER_NAME, "Secretname", DEPOSIT, AMOUNT, OPEN_KEY, CREDIT_KEY, GET_VALUE]) expect(recorded).not.toContain(value);
  // Nor the statements' parameters, in whatever form (pg's enhancedDatabaseReporting would add db.postgresql.values).
  expect(spans.flatMap((span) => Object.keys(span.attributes)).filter((key) => /value|param/i.test(key))).toEqual([]);
}

describe("tracing into an in-memory exporter", () => {
  let child: ChildProcess;
  let webhooks: Awaited<ReturnType<typeof receiver>>;

  const spans = () =>
    new Promise<SpanRecord[]>((resolve) => {
      child.once("message", (message) =>
        resolve((message as Array<Omit<SpanRecord, "server"> & { kind: number }>).map(({ kind, ...span }) => ({ ...span, server: kind === 1 }))),
      );
      child.send("spans");
    });

  beforeAll(async () => {
    webhooks = await receiver();
    child = fork(path.join(__dirname, "support/tracedServer.cjs"), [], {
      env: Object.fromEntries(Object.entries({ ...process.env, ...serverEnv(webhooks.url), NODE_OPTIONS: undefined }).filter(([, v]) => v !== undefined)),
      execArgv: [],
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
  });
  afterAll(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.send("stop");
      await exited;
    }
    await webhooks.close();
  });

  it("makes one trace per request: the HTTP span at its root, GraphQL's parse, validate and execute, and every statement under them, with no values", async () => {
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const match = /\{"url":"([^"]+)"\}/.exec(out);
        if (match) resolve(match[1]);
      });
      child.once("exit", (code) => reject(new Error(`traced server exited with ${code}: ${out}`)));
    });
    const requests = await sendRequests(url);
    expectRequestTraces(await spans(), requests);
  });

  it("makes no trace of the outbox relay: its deliveries and its idle polling", async () => {
    const before = await spans();
    // The relay delivers the events the requests wrote, then polls every 50 ms with nothing to send.
    while (webhooks.bodies.length < 2) await sleep(50);
    await sleep(1000);
    expect(await spans()).toHaveLength(before.length);
  });
});

/** The spans in OTLP/JSON export requests, and the service.name each came with. */
function otlpSpans(bodies: Array<{ path: string; body: unknown }>): Array<SpanRecord & { service: unknown }> {
  type Attribute = { key: string; value: Record<string, unknown> };
  type Export = { resourceSpans: Array<{ resource: { attributes: Attribute[] }; scopeSpans: Array<{ spans: Array<Record<string, unknown> & { attributes: Attribute[] }> }> }> };
  const attributes = (list: Attribute[]) => Object.fromEntries(list.map(({ key, value }) => [key, Object.values(value)[0]]));
  return bodies.flatMap(({ path: at, body }) => {
    expect(at).toBe("/v1/traces");
    return (body as Export).resourceSpans.flatMap(({ resource, scopeSpans }) =>
      scopeSpans.flatMap(({ spans }) =>
        spans.map((span) => ({
          name: span.name as string,
          // OTLP numbers kinds from 1 (internal); SPAN_KIND_SERVER is 2.
          server: span.kind === 2,
          traceId: span.traceId as string,
          spanId: span.spanId as string,
          parentSpanId: (span.parentSpanId as string | undefined) || undefined,
          attributes: attributes(span.attributes),
          service: attributes(resource.attributes)["service.name"],
        })),
      ),
    );
  });
}

it("exports by OTLP over HTTP to OTEL_EXPORTER_OTLP_ENDPOINT, and sends the last spans on SIGTERM", async () => {
  const collector = await receiver();
  const webhooks = await receiver();
  try {
    const server = spawnServer({
      ...serverEnv(webhooks.url),
      // Info: the line saying it serves.
      LOG_LEVEL: "info",
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      // No batch is due before the signal: only the flush at shutdown sends these spans.
      OTEL_BSP_SCHEDULE_DELAY: "600000",
    });
    const requests = await sendRequests(await serving(server));
    expect(collector.bodies).toEqual([]);
    server.child.kill("SIGTERM");
    expect(await exitCode(server, 30_000)).toBe(0);
    const spans = otlpSpans(collector.bodies);
    expect(new Set(spans.map((span) => span.service))).toEqual(new Set(["solvent"]));
    expectRequestTraces(spans, requests);
  } finally {
    await collector.close();
    await webhooks.close();
  }
});

it("answers while the collector is out of reach, and says so in the log", async () => {
  const server = spawnServer({ ...serverEnv("http://127.0.0.1:9"), LOG_LEVEL: "info", OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9", OTEL_BSP_SCHEDULE_DELAY: "100" });
  const response = await fetch(await serving(server), {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${await adminToken()}` },
    body: JSON.stringify({ query: "{ accounts(first: 1) { edges { node { id } } } }" }),
  });
  expect(response.status).toBe(200);
  while (!logLines(server).some((line) => line.level === 40 && String(line.msg).startsWith("tracing: "))) await sleep(50);
  server.child.kill("SIGTERM");
  expect(await exitCode(server, 30_000)).toBe(0);
});

it("loads no OpenTelemetry package but the API when OTEL_EXPORTER_OTLP_ENDPOINT is unset", async () => {
  // NODE_DEBUG=module makes Node report every module it loads on stderr.
  const server = spawnServer({ ...serverEnv("http://127.0.0.1:9"), EVENTS_WEBHOOK_URL: undefined, EVENTS_WEBHOOK_SECRET: undefined, LOG_LEVEL: "info", NODE_DEBUG: "module" });
  await serving(server);
  server.child.kill("SIGTERM");
  expect(await exitCode(server, 30_000)).toBe(0);
  const loaded = server.stderr.join("");
  expect(loaded).toMatch(/load "[^"]*node_modules\/pg\//);
  // The API alone is loaded anyway: prom-client uses it (for exemplars).
  const packages = new Set([...loaded.matchAll(/load "[^"]*node_modules\/(@opentelemetry\/[^/]+)\//g)].map((match) => match[1]));
  expect([...packages]).toEqual(["@opentelemetry/api"]);
  expect(logLines(server).find((line) => typeof line.url === "string")).toMatchObject({ tracing: false });
});

it("refuses an OTEL_EXPORTER_OTLP_ENDPOINT that is not an http(s) URL, and names the service solvent unless OTEL_SERVICE_NAME says otherwise", () => {
  expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "localhost:4318" })).toThrow("OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL");
  expect(loadConfig({}).tracing).toBeUndefined();
  expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" }).tracing).toEqual({ serviceName: "solvent" });
  expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", OTEL_SERVICE_NAME: "ledger" }).tracing?.serviceName).toBe("ledger");
});
