import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { print } from "graphql";
import {
  CloseAccountDocument,
  CreditDocument,
  DebitDocument,
  OpenAccountDocument,
  ReverseTransactionDocument,
  TransactionsDocument,
  TransferInFullDocument,
  UpdateAccountDocument,
  UpdateTransactionDocument,
  AccountsWithCursorsDocument,
} from "./generated/graphql";
import { openAccount } from "./support/flows";
import { ADMIN, key, startTestServer, type TestServer } from "./support/harness";
import { databaseDigest, ledgerViolations } from "./support/ledgerInvariant";
import { scratchDatabase, type ScratchDatabase } from "./support/scratchDatabase";

/*
 * The bad-input campaign: for every mutation, 1,000 generated requests with
 * hostile inputs (wrong types, huge, negative, fractional and exponent
 * amounts, unicode and control characters, 1 MB strings, deep nesting,
 * unknown fields, duplicate keys, forged ids), sent as variables, as inline
 * literals and as raw JSON bodies. Every answer must be a typed failure, a
 * success, or a GraphQL error a client can act on: never a 5xx, never
 * INTERNAL_SERVER_ERROR. Whenever the answer is not a success, the database
 * must be byte for byte what it was. Afterwards the server still serves and
 * the ledger still balances. A database of its own keeps the byte-for-byte
 * comparison cheap.
 */
const RUNS = 1000;
/** HOSTILE_SEED=<n> replays a run; the seed of a failing run is in its report. */
const seed = () => Number(process.env.HOSTILE_SEED ?? Math.floor(Math.random() * 2 ** 31));

let database: ScratchDatabase;
let server: TestServer;
let authorization: string;
/** Digest of the database as the last accepted request left it. */
let digest: string;

/** Accounts and a posting the valid parts of inputs point at. */
const known = { accounts: [] as string[], transactions: [] as string[], versions: [0, 1, 2, 3] };

beforeAll(async () => {
  database = await scratchDatabase("hostile");
  server = await startTestServer({ databaseUrl: database.url });
  authorization = `Bearer ${await server.token(ADMIN)}`;
  const accounts = await Promise.all([
    openAccount(server, { deposit: "1000.00" }),
    openAccount(server, { deposit: "1000.00" }),
    openAccount(server, { deposit: "1000", currency: "JPY" }),
    openAccount(server, {}),
  ]);
  known.accounts = accounts.map((a) => a.id);
  const { debit } = await server.query(DebitDocument, { input: { accountId: known.accounts[0], amount: "1.00", idempotencyKey: key() } });
  if (debit.__typename !== "PostingSuccess") throw new Error(JSON.stringify(debit));
  known.transactions = [debit.transaction.id];
  digest = await databaseDigest(server.sql);
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

// ---------------------------------------------------------------- hostile values

const MB = "x".repeat(1024 * 1024);
/** `levels` objects (or arrays) inside each other. */
function deep(levels: number, wrap: (inner: unknown) => unknown = (inner) => ({ a: inner })): unknown {
  let value: unknown = "bottom";
  for (let i = 0; i < levels; i++) value = wrap(value);
  return value;
}

const hostileStrings = fc.oneof(
  fc.constantFrom(
    "",
    " ",
    "\u0000",
    "nul\u0000inside",
    "\u0007\u001b[31mred",
    "\ud800",
    "lone \udc00 low",
    "\u202egnp.exe",
    "zero\u200bwidth",
    "'; DROP TABLE accounts; --",
    "\" OR 1=1 --",
    "${jndi:ldap://x/a}",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "%s%s%n",
    "null",
    "undefined",
    "🙂".repeat(300),
    "x".repeat(256),
    "x".repeat(1001),
    "x".repeat(99_000),
    MB,
  ),
  fc.string({ unit: "binary", maxLength: 300 }),
  fc.string({ unit: "grapheme", maxLength: 50 }),
);

const hostileAmounts = fc.oneof(
  fc.constantFrom(
    "0",
    "-0",
    "0.00",
    "-1",
    "-0.01",
    "1.001",
    "0.001",
    "1e3",
    "1E-2",
    "NaN",
    "Infinity",
    "-Infinity",
    "",
    " 1",
    "1 ",
    "1,00",
    "1_000",
    "0x10",
    "+1",
    "1.",
    ".5",
    "00001",
    "１",
    "٣",
    "9".repeat(40),
    "9".repeat(41),
    "10000000000000.01",
    "10000000000000000",
  ),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
  fc.tuple(fc.nat(), fc.nat({ max: 10 ** 9 })).map(([whole, fraction]) => `${whole}.${fraction}`),
  fc.double().map(String),
);

const hostileNumbers = fc.oneof(
  fc.constantFrom(0, -1, 1.5, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 1, 1e308, -1e308, Number.NaN, Number.POSITIVE_INFINITY),
  fc.integer(),
  fc.double(),
);

const hostileIds = fc.oneof(
  fc.uuid().map(String),
  fc.constantFrom(
    "00000000-0000-0000-0000-000000000000",
    "00000000-0000-4000-8000-00000000000g",
    "0000000000004000800000000000000a",
    "{00000000-0000-4000-8000-000000000000}",
    "1",
    "-1",
    "' OR ''='",
  ),
);

/** Anything at all where an object or a scalar was expected. */
const wrongTypes = fc.oneof(
  fc.constantFrom(null, true, false, [], {}, [1, 2], { $gt: "" }, { __proto__: { admin: true } }, deep(2000), deep(3000, (inner) => [inner])),
  hostileNumbers,
  fc.jsonValue({ maxDepth: 4 }),
);

const hostileMetadata = fc.oneof(
  fc.constantFrom(
    deep(1300),
    deep(3000),
    Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])),
    { big: "x".repeat(9000) },
    { "\u0000": "nul key" },
    { nul: "a\u0000b" },
    { lone: "\ud800" },
    { n: 1e308, m: -0 },
    [],
    "not an object",
  ),
  fc.dictionary(hostileStrings, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }),
);

// ---------------------------------------------------------------- inputs

type Kind = "accountId" | "transactionId" | "money" | "key" | "text" | "version" | "metadata" | "accountType" | "status" | "currency" | "accountNumber";

const valid: Record<Kind, fc.Arbitrary<unknown>> = {
  accountId: fc.constantFrom(...[0, 1, 2, 3].map((i) => () => known.accounts[i])).map((get) => get()),
  transactionId: fc.constant(null).map(() => known.transactions[0]),
  money: fc.constantFrom("0.01", "1.00", "5", 2),
  key: fc.constant(null).map(() => randomUUID()),
  text: fc.constantFrom("hello", "Ada Lovelace", "ref"),
  version: fc.constantFrom(...known.versions),
  metadata: fc.constantFrom({ purpose: "rent" }, { a: 1, b: [true, null] }),
  accountType: fc.constantFrom("CHECKING", "SAVINGS"),
  status: fc.constantFrom("ACTIVE", "FROZEN"),
  currency: fc.constantFrom("USD", "JPY", "KWD"),
  accountNumber: fc.nat({ max: 10 ** 9 }).map((n) => String(1_000_000_000 + n)),
};

/** Of the type the schema asks for, so they get past it: what is wrong is for the ledger and the database to find. */
const wellTyped: Record<Kind, fc.Arbitrary<unknown>> = {
  accountId: fc.oneof(hostileIds, hostileStrings),
  transactionId: fc.oneof(hostileIds, hostileStrings),
  money: fc.oneof(hostileAmounts, fc.integer().map((n) => n), fc.constantFrom(0, -1, 0.001, 1e15, 1e16)),
  key: hostileStrings,
  text: hostileStrings,
  version: fc.oneof(fc.constantFrom(-1, -(2 ** 31), 2 ** 31 - 1, 0), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })),
  metadata: hostileMetadata.filter((m) => typeof m === "object" && m !== null && !Array.isArray(m)),
  accountType: valid.accountType,
  status: fc.constantFrom("ACTIVE", "FROZEN", "CLOSED"),
  currency: fc.oneof(fc.constantFrom("usd", "XXX", "US", "USDD", "€", ""), hostileStrings),
  accountNumber: fc.oneof(fc.constantFrom("12345", "1".repeat(35), "12 345 678", "-123456", "１２３４５６", "000000"), hostileStrings),
};

/** Anything at all, of any type. */
const anything: Record<Kind, fc.Arbitrary<unknown>> = Object.fromEntries(
  Object.entries(wellTyped).map(([kind, arbitrary]) => [kind, fc.oneof(arbitrary, wrongTypes)]),
) as Record<Kind, fc.Arbitrary<unknown>>;

const validOr = (kind: Kind, other: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 1, arbitrary: valid[kind] }, { weight: 3, arbitrary: other });

/**
 * Two in three inputs have every field, each of the type the schema wants
 * (valid or not), so they reach the ledger; the rest have anything in any
 * field, fields left out, and fields the schema does not have.
 */
function inputOf(fields: Record<string, Kind>): fc.Arbitrary<Record<string, unknown>> {
  const each = (pick: Record<Kind, fc.Arbitrary<unknown>>) =>
    Object.fromEntries(Object.entries(fields).map(([name, kind]) => [name, validOr(kind, pick[kind])]));
  const typed = fc.record(each(wellTyped));
  const extra = fc.dictionary(fc.constantFrom("owner", "balance", "version", "__proto__", "role", "id", "constructor"), wrongTypes, { maxKeys: 2 });
  const loose = fc.tuple(fc.record(each(anything), { requiredKeys: [] }), fc.option(extra)).map(([input, junk]) => ({ ...input, ...(junk ?? {}) }));
  return fc.oneof({ weight: 2, arbitrary: typed }, { weight: 1, arbitrary: loose });
}

/**
 * A GraphQL literal for a JSON value: JSON with the quotes taken off keys that
 * are GraphQL names (others stay quoted, which GraphQL refuses). JSON escapes
 * every quote inside strings, so no string can look like a key.
 */
const literal = (value: unknown): string => (JSON.stringify(value) ?? "null").replace(/"([_A-Za-z][_0-9A-Za-z]*)":/g, "$1: ");

/** Three ways to send the same hostile input: as variables, as a literal in the document, as a raw body with surprises. */
function requests(field: string, document: string, input: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<string> {
  return fc.oneof(
    input.map((value) => JSON.stringify({ query: document, variables: { input: value } })),
    input.map((value) => JSON.stringify({ query: `mutation { ${field}(input: ${literal(value)}) { __typename } }` })),
    fc.tuple(input, fc.constantFrom("duplicate", "junk-variables", "junk-query", "operation-name", "extensions")).map(([value, surprise]) => {
      const variables = JSON.stringify({ input: value });
      switch (surprise) {
        case "duplicate":
          // JSON with a key twice: the parser keeps one, and the request must still be judged as a whole.
          return `{"query": ${JSON.stringify(document)}, "variables": ${variables}, "variables": {"input": {"amount": "-5"}}}`;
        case "junk-variables":
          return `{"query": ${JSON.stringify(document)}, "variables": ${JSON.stringify(JSON.stringify(value))}}`;
        case "junk-query":
          return `{"query": ${variables}, "variables": ${variables}}`;
        case "operation-name":
          return `{"query": ${JSON.stringify(document)}, "variables": ${variables}, "operationName": ${literal(value)}}`;
        default:
          return `{"query": ${JSON.stringify(document)}, "variables": ${variables}, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "${"0".repeat(64)}"}}}`;
      }
    }),
  );
}

// ---------------------------------------------------------------- judging

type Answer = { data?: Record<string, { __typename?: string } | null> | null; errors?: Array<{ message: string; extensions?: { code?: string } }> };

/** Sends one raw body and checks the answer and the database; returns what it was, for the tally. */
async function judge(field: string, body: string): Promise<string> {
  const response = await fetch(server.url, { method: "POST", headers: { "content-type": "application/json", authorization }, body });
  expect(response.status).toBeLessThan(500);
  const answer = (await response.json()) as Answer;
  const codes = (answer.errors ?? []).map((e) => e.extensions?.code);
  expect(codes).not.toContain("INTERNAL_SERVER_ERROR");
  expect(codes).not.toContain(undefined);
  const member = answer.data?.[field]?.__typename;
  const after = await databaseDigest(server.sql);
  if (member?.endsWith("Success")) {
    digest = after;
    return member;
  }
  // Rejected, whichever way: nothing may have changed.
  expect(after).toBe(digest);
  return member ?? String(codes[0]);
}

const campaigns: Array<[string, string, Record<string, Kind>]> = [
  [
    "openAccount",
    print(OpenAccountDocument),
    { ownerId: "text", customerName: "text", type: "accountType", currency: "currency", accountNumber: "accountNumber", initialDeposit: "money", idempotencyKey: "key" },
  ],
  ["updateAccount", print(UpdateAccountDocument), { accountId: "accountId", expectedVersion: "version", customerName: "text", type: "accountType", status: "status" }],
  ["closeAccount", print(CloseAccountDocument), { accountId: "accountId", expectedVersion: "version" }],
  ...(["credit", "debit"] as const).map((field): [string, string, Record<string, Kind>] => [
    field,
    print(field === "credit" ? CreditDocument : DebitDocument),
    { accountId: "accountId", amount: "money", expectedVersion: "version", idempotencyKey: "key", reference: "text", description: "text", metadata: "metadata" },
  ]),
  [
    "transfer",
    print(TransferInFullDocument),
    {
      fromAccountId: "accountId",
      toAccountId: "accountId",
      amount: "money",
      expectedFromVersion: "version",
      expectedToVersion: "version",
      idempotencyKey: "key",
      reference: "text",
      description: "text",
      metadata: "metadata",
    },
  ],
  ["reverseTransaction", print(ReverseTransactionDocument), { transactionId: "transactionId", idempotencyKey: "key", reason: "text" }],
  ["updateTransaction", print(UpdateTransactionDocument), { transactionId: "transactionId", description: "text", metadata: "metadata" }],
];

test.each(campaigns)(
  `%s: ${RUNS} hostile requests, each a typed failure or a clear error that changes nothing`,
  async (field, document, fields) => {
    const tally: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(requests(field, document, inputOf(fields)), async (body) => {
        const what = await judge(field, body);
        tally[what] = (tally[what] ?? 0) + 1;
      }),
      { numRuns: RUNS, seed: seed(), verbose: 0 },
    );
    // The campaign reached the ledger's own rules too, not only the schema's.
    expect(Object.keys(tally).some((what) => what === "ValidationFailed" || what.endsWith("NotFound"))).toBe(true);
    expect(await ledgerViolations(server.sql)).toEqual([]);
  },
  600_000,
);

test(`queries with forged cursors, ids, page sizes and filters: ${RUNS} requests, never a 5xx, never a change`, async () => {
  const cursor = fc.oneof(
    fc.base64String({ maxLength: 80 }),
    fc.jsonValue({ maxDepth: 2 }).map((v) => Buffer.from(JSON.stringify(v)).toString("base64url")),
    fc.tuple(fc.string(), hostileIds).map(([at, id]) => Buffer.from(JSON.stringify([at, id])).toString("base64url")),
    hostileStrings,
    wrongTypes,
  );
  const page = fc.record(
    {
      accountId: fc.oneof(valid.accountId, anything.accountId),
      first: fc.oneof(fc.constantFrom(0, 1, 20, 100, 101, -1, 2 ** 31), hostileNumbers, wrongTypes),
      after: cursor,
      filter: fc.oneof(
        fc.record({ type: fc.oneof(fc.constantFrom("CREDIT"), wrongTypes), from: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), hostileStrings), to: hostileStrings }, { requiredKeys: [] }),
        wrongTypes,
      ),
    },
    { requiredKeys: [] },
  );
  const body = fc.oneof(
    page.map((variables) => JSON.stringify({ query: print(TransactionsDocument), variables })),
    page.map((variables) => JSON.stringify({ query: print(AccountsWithCursorsDocument), variables })),
  );
  await fc.assert(
    fc.asyncProperty(body, async (raw) => {
      await judge(raw.includes("accounts(") ? "accounts" : "transactions", raw);
    }),
    { numRuns: RUNS, seed: seed(), verbose: 0 },
  );
}, 600_000);

test("after all that, the server still serves", async () => {
  const base = server.url.replace(/\/graphql$/, "");
  expect((await fetch(`${base}/healthz`)).status).toBe(200);
  expect((await fetch(`${base}/readyz`)).status).toBe(200);
  const account = await openAccount(server, { deposit: "3.00" });
  const { credit } = await server.query(CreditDocument, { input: { accountId: account.id, amount: "2.00", idempotencyKey: key() } });
  expect(credit.__typename === "PostingSuccess" && credit.account.balance).toBe("5.00");
  expect(await ledgerViolations(server.sql)).toEqual([]);
});
