import type { GraphQLFormattedError } from "graphql";
import {
  AccountByIdDocument,
  CreditDocument,
  DebitDocument,
  OpenAccountDocument,
  TransferInFullDocument,
  UpdateAccountDocument,
  type AccountFieldsFragment,
  type CreditMutationVariables,
  type OpenAccountInput,
  type PostingInput,
  type TransferInput,
  type UpdateAccountInput,
} from "./generated/graphql";
import { openAccount } from "./support/flows";
import { key, startTestServer, type GraphQLResponse, type TestServer } from "./support/harness";
import { databaseDigest, ledgerViolations } from "./support/ledgerInvariant";

/*
 * Bad input changes nothing. Each case sends one request with one bad field
 * (built from an input that succeeds) and checks that no row of the database
 * changed and that the answer is a ValidationFailed naming the field, or a
 * GraphQL error a client can act on: never an internal error, never a stack
 * trace or SQL in the message.
 */
let server: TestServer;
let usd: AccountFieldsFragment;
let usd2: AccountFieldsFragment;
let jpy: AccountFieldsFragment;
let jpy2: AccountFieldsFragment;
let kwd: AccountFieldsFragment;
let kwd2: AccountFieldsFragment;

beforeAll(async () => {
  server = await startTestServer();
  [usd, usd2, jpy, jpy2, kwd, kwd2] = await Promise.all([
    openAccount(server, { deposit: "1000" }),
    openAccount(server, { deposit: "1000" }),
    openAccount(server, { deposit: "1000", currency: "JPY" }),
    openAccount(server, { deposit: "1000", currency: "JPY" }),
    openAccount(server, { deposit: "1000", currency: "KWD" }),
    openAccount(server, { deposit: "1000", currency: "KWD" }),
  ]);
});
afterEach(async () => {
  expect(await ledgerViolations(server.sql)).toEqual([]);
});
afterAll(() => server.stop());

/** What a mutation answered: its union member (when there was data) and the top-level errors. */
interface Answer {
  errors?: GraphQLFormattedError[];
  result?: { __typename: string; violations?: Array<{ path: string[]; message: string }> };
}

const answer = <T>(response: GraphQLResponse<T>, pick: (data: T) => { __typename: string }): Answer => ({
  errors: response.errors,
  result: response.data ? (pick(response.data) as Answer["result"]) : undefined,
});

// Values the schema's types cannot carry are sent anyway, as a client with a bug would.
const loose = <T>(value: unknown) => value as T;

const creditWith = async (fields: Record<string, unknown>, account = usd) =>
  answer(
    await server.request(CreditDocument, { input: loose<PostingInput>({ accountId: account.id, amount: "1.00", idempotencyKey: key("v-credit"), ...fields }) }),
    (d) => d.credit,
  );
const debitWith = async (fields: Record<string, unknown>, account = usd) =>
  answer(
    await server.request(DebitDocument, { input: loose<PostingInput>({ accountId: account.id, amount: "1.00", idempotencyKey: key("v-debit"), ...fields }) }),
    (d) => d.debit,
  );
const transferWith = async (fields: Record<string, unknown>, from = usd, to = usd2) =>
  answer(
    await server.request(TransferInFullDocument, {
      input: loose<TransferInput>({ fromAccountId: from.id, toAccountId: to.id, amount: "1.00", idempotencyKey: key("v-transfer"), ...fields }),
    }),
    (d) => d.transfer,
  );
const openWith = async (fields: Record<string, unknown>) =>
  answer(
    await server.request(OpenAccountDocument, {
      input: loose<OpenAccountInput>({ customerName: "Valid Name", type: "CHECKING", currency: "USD", idempotencyKey: key("v-open"), ...fields }),
    }),
    (d) => d.openAccount,
  );
const updateWith = async (fields: Record<string, unknown>) => {
  const current = (await server.query(AccountByIdDocument, { id: usd.id })).account!;
  return answer(
    await server.request(UpdateAccountDocument, {
      input: loose<UpdateAccountInput>({ accountId: current.id, expectedVersion: current.version, ...fields }),
    }),
    (d) => d.updateAccount,
  );
};

interface Case {
  name: string;
  /** The input field the answer must name. */
  field: string;
  send: () => Promise<Answer>;
}

const AMOUNTS: Array<[label: string, amount: unknown]> = [
  ['"0"', "0"],
  ['"-5"', "-5"],
  ['"1.001"', "1.001"],
  ['"1e3"', "1e3"],
  ['"NaN"', "NaN"],
  ['"Infinity"', "Infinity"],
  ['""', ""],
  ['" 1"', " 1"],
  ['"1,00"', "1,00"],
  ['"0x10"', "0x10"],
  ["a huge amount", "99999999999999999999999"],
  ["just above the maximum", "10000000000000.01"],
  ["1e21 as a JSON number", 1e21],
];

const MOVEMENTS = [
  ["credit", (fields: Record<string, unknown>) => creditWith(fields)],
  ["debit", (fields: Record<string, unknown>) => debitWith(fields)],
  ["transfer", (fields: Record<string, unknown>) => transferWith(fields)],
] as const;

const cases: Case[] = [
  ...MOVEMENTS.flatMap(([operation, send]) =>
    AMOUNTS.map(([label, amount]): Case => ({ name: `${operation} amount ${label}`, field: "amount", send: () => send({ amount }) })),
  ),
  { name: "credit JPY amount 1.5", field: "amount", send: () => creditWith({ amount: "1.5" }, jpy) },
  { name: "debit JPY amount 1.5", field: "amount", send: () => debitWith({ amount: "1.5" }, jpy) },
  { name: "transfer JPY amount 1.5", field: "amount", send: () => transferWith({ amount: "1.5" }, jpy, jpy2) },
  { name: "credit KWD amount 1.0001", field: "amount", send: () => creditWith({ amount: "1.0001" }, kwd) },
  { name: "debit KWD amount 1.0001", field: "amount", send: () => debitWith({ amount: "1.0001" }, kwd) },
  { name: "transfer KWD amount 1.0001", field: "amount", send: () => transferWith({ amount: "1.0001" }, kwd, kwd2) },

  { name: "openAccount customerName empty", field: "customerName", send: () => openWith({ customerName: "" }) },
  { name: "openAccount customerName blank", field: "customerName", send: () => openWith({ customerName: "   " }) },
  { name: "openAccount customerName 500 chars", field: "customerName", send: () => openWith({ customerName: "n".repeat(500) }) },
  { name: "openAccount customerName with NUL", field: "customerName", send: () => openWith({ customerName: "Ada\u0000Lovelace" }) },
  { name: "openAccount currency XXX", field: "currency", send: () => openWith({ currency: "XXX" }) },
  { name: "openAccount currency usd", field: "currency", send: () => openWith({ currency: "usd" }) },
  { name: "openAccount currency empty", field: "currency", send: () => openWith({ currency: "" }) },
  { name: "openAccount initialDeposit -1", field: "initialDeposit", send: () => openWith({ initialDeposit: "-1" }) },
  { name: "openAccount initialDeposit 1.001", field: "initialDeposit", send: () => openWith({ initialDeposit: "1.001" }) },
  { name: "openAccount accountNumber 12ab", field: "accountNumber", send: () => openWith({ accountNumber: "12ab" }) },
  { name: "openAccount accountNumber 123", field: "accountNumber", send: () => openWith({ accountNumber: "123" }) },
  { name: "openAccount idempotencyKey empty", field: "idempotencyKey", send: () => openWith({ idempotencyKey: "" }) },
  { name: "openAccount idempotencyKey 256 chars", field: "idempotencyKey", send: () => openWith({ idempotencyKey: "k".repeat(256) }) },

  { name: "credit idempotencyKey empty", field: "idempotencyKey", send: () => creditWith({ idempotencyKey: "" }) },
  { name: "credit idempotencyKey 256 chars", field: "idempotencyKey", send: () => creditWith({ idempotencyKey: "k".repeat(256) }) },
  { name: "credit description 1001 chars", field: "description", send: () => creditWith({ description: "d".repeat(1001) }) },
  {
    name: "credit metadata with 51 keys",
    field: "metadata",
    send: () => creditWith({ metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])) }),
  },
  { name: "credit metadata over 8 KiB", field: "metadata", send: () => creditWith({ metadata: { blob: "x".repeat(8 * 1024) } }) },
  // PostgreSQL's jsonb cannot hold U+0000 nor an unpaired surrogate: such metadata must be refused, not crash the statement.
  { name: "credit metadata with a NUL character", field: "metadata", send: () => creditWith({ metadata: { note: "a\u0000b" } }) },
  { name: "credit metadata with a NUL in a key", field: "metadata", send: () => creditWith({ metadata: { "k\u0000": 1 } }) },
  { name: "credit metadata with an unpaired surrogate", field: "metadata", send: () => creditWith({ metadata: { note: "\ud800" } }) },
  { name: "transfer metadata with a NUL character", field: "metadata", send: () => transferWith({ metadata: { note: "a\u0000b" } }) },
  // Thousands of levels in a few KiB once overflowed the stack of the checks (and of JSON.stringify) after the parse.
  { name: "credit metadata nested 4,000 levels deep in 8 KiB", field: "metadata", send: () => creditWith({ metadata: nested(4000) }) },
  { name: "credit metadata nested one level too deep", field: "metadata", send: () => creditWith({ metadata: nested(33) }) },
  { name: "transfer metadata nested 4,000 levels deep", field: "metadata", send: () => transferWith({ metadata: nested(4000) }) },
  { name: "credit reference 256 chars", field: "reference", send: () => creditWith({ reference: "r".repeat(256) }) },

  { name: "credit amount as an object", field: "amount", send: () => creditWith({ amount: { value: "1.00" } }) },
  { name: "credit expectedVersion as a string", field: "expectedVersion", send: () => creditWith({ expectedVersion: "one" }) },
  {
    name: "credit without its required idempotencyKey",
    field: "idempotencyKey",
    send: async () => {
      const input = { accountId: usd.id, amount: "1.00" };
      return answer(await server.request(CreditDocument, loose<CreditMutationVariables>({ input })), (d) => d.credit);
    },
  },

  { name: "updateAccount customerName blank", field: "customerName", send: () => updateWith({ customerName: "   " }) },
];

/** Metadata `depth` levels deep: an object holding arrays in arrays. */
function nested(depth: number): Record<string, unknown> {
  let inner: unknown[] = [];
  for (let level = 3; level <= depth; level++) inner = [inner];
  return { deep: inner };
}

/** Codes of errors a client caused and can fix. */
const CLIENT_CODES = /^(GRAPHQL_VALIDATION_FAILED|BAD_USER_INPUT)$/;
/** What must never reach a client: stack frames, source paths, SQL. */
const LEAK = /\bat \S+ \(|node_modules|\.[jt]s:\d+|\b(SELECT|INSERT|UPDATE|DELETE)\b.*\b(FROM|INTO|SET)\b|prisma|postgres|stacktrace/i;

function expectRejected(sent: Answer, field: string) {
  if (sent.errors?.length) {
    for (const error of sent.errors) {
      expect({ code: error.extensions?.code, message: error.message }).toEqual({
        code: expect.stringMatching(CLIENT_CODES),
        message: expect.stringContaining(field),
      });
    }
    expect(JSON.stringify(sent.errors)).not.toMatch(LEAK);
    return;
  }
  expect(sent.result).toMatchObject({ __typename: "ValidationFailed", code: "VALIDATION_FAILED" });
  expect(sent.result!.violations!.map((v) => v.path)).toContainEqual(["input", field]);
}

// The valid versions of the inputs the cases spoil.
test("the inputs the cases start from are valid", async () => {
  expect((await creditWith({})).result?.__typename).toBe("PostingSuccess");
  expect((await debitWith({})).result?.__typename).toBe("PostingSuccess");
  expect((await transferWith({})).result?.__typename).toBe("TransferSuccess");
  expect((await creditWith({ amount: "1" }, jpy)).result?.__typename).toBe("PostingSuccess");
  expect((await creditWith({ metadata: nested(32) })).result?.__typename).toBe("PostingSuccess");
  expect((await transferWith({ amount: "1.001" }, kwd, kwd2)).result?.__typename).toBe("TransferSuccess");
  expect((await openWith({ initialDeposit: "1.00", accountNumber: `9${Date.now()}` })).result?.__typename).toBe("OpenAccountSuccess");
  expect((await updateWith({ customerName: "Still Valid" })).result?.__typename).toBe("UpdateAccountSuccess");
});

test.each(cases.map((c) => [c.name, c] as const))("bad input changes nothing: %s", async (_name, { field, send }) => {
  const before = await databaseDigest(server.sql);
  const sent = await send();
  expect(await databaseDigest(server.sql)).toBe(before);
  expectRejected(sent, field);
});

test("an amount sent as the JSON number 1.5 is exact enough and is accepted as 1.50", async () => {
  const credited = await server.query(CreditDocument, { input: { accountId: usd.id, amount: loose<string>(1.5), idempotencyKey: key() } });
  expect(credited.credit).toMatchObject({ __typename: "PostingSuccess", transaction: { amount: "1.50" } });
  const debited = await server.query(DebitDocument, { input: { accountId: usd.id, amount: loose<string>(1.5), idempotencyKey: key() } });
  expect(debited.debit).toMatchObject({ __typename: "PostingSuccess", transaction: { amount: "1.50" } });
  const moved = await server.query(TransferInFullDocument, {
    input: { fromAccountId: usd.id, toAccountId: usd2.id, amount: loose<string>(1.5), idempotencyKey: key() },
  });
  expect(moved.transfer).toMatchObject({ __typename: "TransferSuccess", debit: { amount: "1.50" }, credit: { amount: "1.50" } });
});

describe("several bad fields at once: one violation per field, and nothing changes", () => {
  const paths = (sent: Answer) => sent.result?.violations?.map((v) => v.path.join(".")).sort();

  test("credit", async () => {
    const before = await databaseDigest(server.sql);
    const sent = await creditWith({
      amount: "0",
      expectedVersion: -1,
      idempotencyKey: "",
      reference: "   ",
      description: "d".repeat(1001),
      metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])),
    });
    expect(await databaseDigest(server.sql)).toBe(before);
    expect(sent.result?.__typename).toBe("ValidationFailed");
    expect(paths(sent)).toEqual(
      ["input.amount", "input.description", "input.expectedVersion", "input.idempotencyKey", "input.metadata", "input.reference"].sort(),
    );
  });

  test("openAccount", async () => {
    const before = await databaseDigest(server.sql);
    const sent = await openWith({ customerName: "", ownerId: " ", currency: "XXX", accountNumber: "12", idempotencyKey: "" });
    expect(await databaseDigest(server.sql)).toBe(before);
    expect(sent.result?.__typename).toBe("ValidationFailed");
    expect(paths(sent)).toEqual(["input.accountNumber", "input.currency", "input.customerName", "input.idempotencyKey", "input.ownerId"]);
  });

  test("transfer", async () => {
    const before = await databaseDigest(server.sql);
    const sent = await transferWith({ toAccountId: usd.id, amount: "1.001", expectedFromVersion: -1, expectedToVersion: -2 });
    expect(await databaseDigest(server.sql)).toBe(before);
    expect(sent.result?.__typename).toBe("ValidationFailed");
    expect(paths(sent)).toEqual(["input.amount", "input.expectedFromVersion", "input.expectedToVersion", "input.toAccountId"]);
  });
});
