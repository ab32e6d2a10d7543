import {
  AccountByIdDocument,
  AccountByNumberDocument,
  AccountsWithCursorsDocument,
  CloseAccountDocument,
  CreditDocument,
  DebitDocument,
  DebitThenCreditDocument,
  DebitThenPeekInFragmentDocument,
  OpenAccountDocument,
  PayAndPeekDocument,
  TransferDocument,
  ReverseTransactionDocument,
  TransactionByIdDocument,
  TransactionByReferenceDocument,
  TransactionsDocument,
  TransferInFullDocument,
  UpdateAccountDocument,
  UpdateTransactionDocument,
} from "./generated/graphql";
import { key, startTestServer, type Client, type GraphQLResponse, type TestServer } from "./support/harness";
import { databaseDigest, ledgerViolations } from "./support/ledgerInvariant";
import type { Caller } from "../src/ledger/caller";

/*
 * Who may do what: every operation of the API, as each role. A customer
 * acts on the accounts it owns (alice owns the account at hand; bob does
 * not, and gets what an unknown account would give); a teller credits,
 * debits, transfers and freezes; an admin does everything. A refused
 * operation is a FORBIDDEN error that changes nothing.
 */
let server: TestServer;
const ALICE: Caller = { subject: "alice", role: "customer" };
const BOB: Caller = { subject: "bob", role: "customer" };
const TELLER: Caller = { subject: "teller-7", role: "teller" };
const ADMIN: Caller = { subject: "admin-1", role: "admin" };
const who = { alice: ALICE, bob: BOB, teller: TELLER, admin: ADMIN };
type Who = keyof typeof who;
let clients: Record<Who, Client>;

beforeAll(async () => {
  server = await startTestServer();
  clients = Object.fromEntries(
    await Promise.all(Object.entries(who).map(async ([name, caller]) => [name, await server.as(caller)])),
  ) as Record<Who, Client>;
});
afterEach(async () => {
  expect(await ledgerViolations(server.sql)).toEqual([]);
});
afterAll(() => server.stop());

interface Fixture {
  /** Alice's account: 100.00, one opening deposit and one debit (reference `reference`). */
  account: { id: string; accountNumber: string; version: number };
  transactionId: string;
  reference: string;
  /** Alice's second account, empty. */
  empty: { id: string; version: number };
  /** Bob's account: 50.00. */
  other: { id: string; accountNumber: string; version: number };
}

/** Fresh accounts for each row, opened and funded by the test's own admin. */
async function fixture(): Promise<Fixture> {
  const open = async (ownerId: string, initialDeposit?: string) => {
    const { openAccount } = await server.query(OpenAccountDocument, {
      input: { ownerId, customerName: `Customer ${ownerId}`, type: "CHECKING", initialDeposit, idempotencyKey: key("authz-open") },
    });
    if (openAccount.__typename !== "OpenAccountSuccess") throw new Error(JSON.stringify(openAccount));
    return openAccount.account;
  };
  const [account, empty, other] = await Promise.all([open("alice", "110.00"), open("alice"), open("bob", "50.00")]);
  const reference = key("authz-ref");
  const { debit } = await server.query(DebitDocument, {
    input: { accountId: account.id, amount: "10.00", reference, idempotencyKey: key("authz-debit") },
  });
  if (debit.__typename !== "PostingSuccess") throw new Error(JSON.stringify(debit));
  return {
    account: { id: account.id, accountNumber: account.accountNumber, version: debit.account.version },
    transactionId: debit.transaction.id,
    reference,
    empty: { id: empty.id, version: empty.version },
    other: { id: other.id, accountNumber: other.accountNumber, version: other.version },
  };
}

/** What a response amounts to: the union member of a mutation, FORBIDDEN, or what a query found. */
function outcome(response: GraphQLResponse<Record<string, unknown>>, field: string): string {
  const error = response.errors?.[0]?.extensions?.code;
  if (error) return String(error);
  const value = response.data?.[field] as { __typename?: string } | null | undefined;
  if (value === null) return "null";
  return value?.__typename ?? "found";
}

type Row = {
  operation: string;
  as: Who;
  run: (client: Client, f: Fixture) => Promise<GraphQLResponse<Record<string, unknown>>>;
  /** Prepares the fixture (as the admin) before the operation runs. */
  setup?: (f: Fixture) => Promise<void>;
  field: string;
  expected: string;
  /** Further checks on the answer, beyond its outcome. */
  check?: (response: GraphQLResponse<Record<string, unknown>>, f: Fixture, as: Who) => void | Promise<void>;
};

const refused = "FORBIDDEN";
const everyone: Who[] = ["alice", "bob", "teller", "admin"];
/** The same operation for each role, with what each gets. */
const forEach = (
  operation: string,
  field: string,
  run: Row["run"],
  expected: Record<Who, string>,
  { check, setup }: Pick<Row, "check" | "setup"> = {},
): Row[] => everyone.map((as) => ({ operation, as, field, run, expected: expected[as], check, setup }));

const rows: Row[] = [
  // ------------------------------------------------------------ queries
  ...forEach("account(id)", "account", (c, f) => c.request(AccountByIdDocument, { id: f.account.id }), {
    alice: "found",
    bob: "null",
    teller: "found",
    admin: "found",
  }),
  ...forEach(
    "account(accountNumber)",
    "account",
    (c, f) => c.request(AccountByNumberDocument, { accountNumber: f.account.accountNumber }),
    { alice: "found", bob: "null", teller: "found", admin: "found" },
  ),
  ...forEach(
    "accounts",
    "accounts",
    (c) => c.request(AccountsWithCursorsDocument, { first: 100 }),
    { alice: "found", bob: "found", teller: "found", admin: "found" },
    {
      check: (r, f, as) => {
        const nodes = (r.data!.accounts as { edges: Array<{ node: { id: string; ownerId: string | null } }> }).edges.map((e) => e.node);
        const ids = nodes.map((n) => n.id);
        // Customers list exactly their own accounts; staff everybody's (the newest first: this fixture's are on page 1).
        if (as === "alice" || as === "bob") {
          expect(new Set(nodes.map((n) => n.ownerId))).toEqual(new Set([as]));
          expect(ids).toContain(as === "alice" ? f.account.id : f.other.id);
        } else expect(ids).toEqual(expect.arrayContaining([f.account.id, f.other.id]));
      },
    },
  ),
  ...forEach("transaction(id)", "transaction", (c, f) => c.request(TransactionByIdDocument, { id: f.transactionId }), {
    alice: "found",
    bob: "null",
    teller: "found",
    admin: "found",
  }),
  ...forEach("transaction(reference)", "transaction", (c, f) => c.request(TransactionByReferenceDocument, { reference: f.reference }), {
    alice: "found",
    bob: "null",
    teller: "found",
    admin: "found",
  }),
  ...forEach(
    "transactions(accountId)",
    "transactions",
    (c, f) => c.request(TransactionsDocument, { accountId: f.account.id }),
    { alice: "found", bob: "found", teller: "found", admin: "found" },
    // Bob's answer is the empty page an unknown account gets.
    { check: (r) => expect([0, 2]).toContain((r.data!.transactions as { edges: unknown[] }).edges.length) },
  ),
  ...forEach(
    "Transaction.actor",
    "transaction",
    (c, f) => c.request(TransactionByIdDocument, { id: f.transactionId }),
    { alice: "found", bob: "null", teller: "found", admin: "found" },
    // Staff see who posted; a customer sees null, not a staff identity.
    {
      check: (r, _f, as) => {
        if (as !== "bob") expect((r.data!.transaction as { actor: string | null }).actor).toBe(as === "alice" ? null : "test-admin");
      },
    },
  ),

  // ------------------------------------------------------------ accounts
  ...forEach(
    "openAccount",
    "openAccount",
    (c) => c.request(OpenAccountDocument, { input: { ownerId: "alice", customerName: "New", type: "SAVINGS", idempotencyKey: key("authz") } }),
    { alice: refused, bob: refused, teller: refused, admin: "OpenAccountSuccess" },
  ),
  ...forEach(
    "updateAccount: freeze",
    "updateAccount",
    (c, f) => c.request(UpdateAccountDocument, { input: { accountId: f.account.id, expectedVersion: f.account.version, status: "FROZEN" } }),
    { alice: refused, bob: refused, teller: "UpdateAccountSuccess", admin: "UpdateAccountSuccess" },
  ),
  ...forEach(
    "updateAccount: rename",
    "updateAccount",
    (c, f) => c.request(UpdateAccountDocument, { input: { accountId: f.account.id, expectedVersion: f.account.version, customerName: "Renamed" } }),
    { alice: refused, bob: refused, teller: refused, admin: "UpdateAccountSuccess" },
  ),
  ...forEach(
    "updateAccount: unfreeze",
    "updateAccount",
    (c, f) => c.request(UpdateAccountDocument, { input: { accountId: f.account.id, expectedVersion: f.account.version, status: "ACTIVE" } }),
    { alice: refused, bob: refused, teller: refused, admin: "UpdateAccountSuccess" },
    {
      setup: async (f) => {
        const frozen = await server.query(UpdateAccountDocument, {
          input: { accountId: f.account.id, expectedVersion: f.account.version, status: "FROZEN" },
        });
        if (frozen.updateAccount.__typename !== "UpdateAccountSuccess") throw new Error(JSON.stringify(frozen));
        f.account.version = frozen.updateAccount.account.version;
      },
    },
  ),
  ...forEach(
    "closeAccount",
    "closeAccount",
    (c, f) => c.request(CloseAccountDocument, { input: { accountId: f.empty.id, expectedVersion: f.empty.version } }),
    { alice: refused, bob: refused, teller: refused, admin: "CloseAccountSuccess" },
  ),

  // ------------------------------------------------------------ postings
  ...forEach(
    "credit",
    "credit",
    (c, f) => c.request(CreditDocument, { input: { accountId: f.account.id, amount: "1.00", idempotencyKey: key("authz") } }),
    { alice: refused, bob: refused, teller: "PostingSuccess", admin: "PostingSuccess" },
  ),
  ...forEach(
    "debit",
    "debit",
    (c, f) => c.request(DebitDocument, { input: { accountId: f.account.id, amount: "1.00", idempotencyKey: key("authz") } }),
    { alice: "PostingSuccess", bob: "AccountNotFound", teller: "PostingSuccess", admin: "PostingSuccess" },
  ),
  ...forEach(
    "transfer from alice's account to bob's, public fields of bob's side",
    "transfer",
    (c, f) => c.request(TransferDocument, { input: { fromAccountId: f.account.id, toAccountId: f.other.id, amount: "5.00", idempotencyKey: key("authz") } }),
    { alice: "TransferSuccess", bob: "AccountNotFound", teller: "TransferSuccess", admin: "TransferSuccess" },
  ),
  ...forEach(
    "transfer from alice's account to bob's named by its number, public fields of bob's side",
    "transfer",
    (c, f) => c.request(TransferDocument, { input: { fromAccountId: f.account.id, toAccountNumber: f.other.accountNumber, amount: "5.00", idempotencyKey: key("authz") } }),
    { alice: "TransferSuccess", bob: "AccountNotFound", teller: "TransferSuccess", admin: "TransferSuccess" },
  ),
  ...forEach(
    "transfer from bob's account to alice's",
    "transfer",
    (c, f) => c.request(TransferDocument, { input: { fromAccountId: f.other.id, toAccountId: f.account.id, amount: "5.00", idempotencyKey: key("authz") } }),
    { alice: "AccountNotFound", bob: "TransferSuccess", teller: "TransferSuccess", admin: "TransferSuccess" },
  ),
  ...forEach(
    "transfer between alice's own accounts, every field of both sides",
    "transfer",
    (c, f) => c.request(TransferInFullDocument, { input: { fromAccountId: f.account.id, toAccountId: f.empty.id, amount: "5.00", idempotencyKey: key("authz") } }),
    // To bob, both sides are somebody else's: he may not ask for their private fields.
    { alice: "TransferSuccess", bob: refused, teller: "TransferSuccess", admin: "TransferSuccess" },
  ),
  ...forEach(
    "transfer to bob's account asking for its balance and name",
    "transfer",
    (c, f) => c.request(PayAndPeekDocument, { input: { fromAccountId: f.account.id, toAccountId: f.other.id, amount: "5.00", idempotencyKey: key("authz") } }),
    { alice: refused, bob: "AccountNotFound", teller: "TransferSuccess", admin: "TransferSuccess" },
  ),
  ...forEach(
    "transfer to bob's account named by its number, asking for its balance and name",
    "transfer",
    (c, f) =>
      c.request(PayAndPeekDocument, { input: { fromAccountId: f.account.id, toAccountNumber: f.other.accountNumber, amount: "5.00", idempotencyKey: key("authz") } }),
    { alice: refused, bob: "AccountNotFound", teller: "TransferSuccess", admin: "TransferSuccess" },
  ),
  ...forEach(
    "transfer to bob's account with expectedToVersion",
    "transfer",
    (c, f) =>
      c.request(TransferDocument, {
        input: { fromAccountId: f.account.id, toAccountId: f.other.id, amount: "5.00", expectedToVersion: f.other.version, idempotencyKey: key("authz") },
      }),
    { alice: "ValidationFailed", bob: "AccountNotFound", teller: "TransferSuccess", admin: "TransferSuccess" },
  ),

  // ------------------------------------------------------------ transactions
  ...forEach(
    "reverseTransaction",
    "reverseTransaction",
    (c, f) => c.request(ReverseTransactionDocument, { input: { transactionId: f.transactionId, idempotencyKey: key("authz") } }),
    { alice: refused, bob: refused, teller: refused, admin: "ReverseTransactionSuccess" },
  ),
  ...forEach(
    "updateTransaction",
    "updateTransaction",
    (c, f) => c.request(UpdateTransactionDocument, { input: { transactionId: f.transactionId, description: "annotated" } }),
    { alice: refused, bob: refused, teller: refused, admin: "UpdateTransactionSuccess" },
  ),
];

test.each(rows.map((row) => [row.operation, row.as, row.expected, row] as const))("%s as %s: %s", async (_op, _as, expected, row) => {
  const f = await fixture();
  await row.setup?.(f);
  const before = await databaseDigest(server.sql);
  const response = await row.run(clients[row.as], f);
  expect(outcome(response, row.field)).toBe(expected);
  await row.check?.(response, f, row.as);
  if (expected === refused) {
    expect(response.errors?.[0].message).toMatch(/may not|not yours|only freeze/);
    // Refused before the ledger: nothing written.
    expect(await databaseDigest(server.sql)).toBe(before);
  }
  if (["AccountNotFound", "ValidationFailed", "null"].includes(expected)) expect(await databaseDigest(server.sql)).toBe(before);
});

test("a refused payer selection names what may be asked, and moves nothing", async () => {
  const f = await fixture();
  const response = await clients.alice.request(PayAndPeekDocument, {
    input: { fromAccountId: f.account.id, toAccountId: f.other.id, amount: "5.00", idempotencyKey: key("peek") },
  });
  expect(response.status).toBe(403);
  expect(response.errors?.[0].message).toContain("to.customerName, to.balance, credit.balanceAfter");
  const { account } = await server.query(AccountByIdDocument, { id: f.other.id });
  expect(account?.balance).toBe("50.00");
});

describe("a document with several mutations is authorized whole, before any of them runs", () => {
  test.each([
    [
      "a debit, then a credit (staff only)",
      (f: Fixture) =>
        clients.alice.request(DebitThenCreditDocument, {
          debit: { accountId: f.account.id, amount: "1.00", idempotencyKey: key("multi") },
          credit: { accountId: f.account.id, amount: "1.00", idempotencyKey: key("multi") },
        }),
      /a customer may not credit/,
    ],
    [
      "a debit, then a transfer to bob's account asking for its balance, in a named fragment",
      (f: Fixture) =>
        clients.alice.request(DebitThenPeekInFragmentDocument, {
          debit: { accountId: f.account.id, amount: "1.00", idempotencyKey: key("multi") },
          transfer: { fromAccountId: f.account.id, toAccountId: f.other.id, amount: "5.00", idempotencyKey: key("multi") },
        }),
      /not yours.*to\.balance/,
    ],
  ])("%s: FORBIDDEN (403) and nothing posted", async (_label, send, message) => {
    const f = await fixture();
    const before = await databaseDigest(server.sql);
    const response = await send(f);
    expect(response.status).toBe(403);
    expect(response.data).toBeUndefined();
    expect(response.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(message), extensions: expect.objectContaining({ code: "FORBIDDEN" }) })]);
    // Balances, versions, postings and idempotency keys all as they were.
    expect(await databaseDigest(server.sql)).toBe(before);
    const { account } = await server.query(AccountByIdDocument, { id: f.account.id });
    expect(account).toMatchObject({ balance: "100.00", version: f.account.version });
  });

  test("when every field is allowed, all run", async () => {
    const f = await fixture();
    const response = await clients.teller.request(DebitThenCreditDocument, {
      debit: { accountId: f.account.id, amount: "1.00", idempotencyKey: key("multi") },
      credit: { accountId: f.account.id, amount: "2.00", idempotencyKey: key("multi") },
    });
    expect(response.data).toEqual({ debit: { __typename: "PostingSuccess" }, credit: { __typename: "PostingSuccess" } });
    const { account } = await server.query(AccountByIdDocument, { id: f.account.id });
    expect(account?.balance).toBe("101.00");
  });
});

test("every posting records the acting subject; staff see it, customers see null", async () => {
  const f = await fixture();
  const { credit } = await clients.teller.query(CreditDocument, { input: { accountId: f.account.id, amount: "3.00", idempotencyKey: key("actor") } });
  if (credit.__typename !== "PostingSuccess") throw new Error(JSON.stringify(credit));
  expect(credit.transaction.actor).toBe(TELLER.subject);
  const { debit } = await clients.alice.query(DebitDocument, { input: { accountId: f.account.id, amount: "1.00", idempotencyKey: key("actor") } });
  if (debit.__typename !== "PostingSuccess") throw new Error(JSON.stringify(debit));
  const { rows: actors } = await server.sql.query("SELECT id, actor FROM transactions WHERE id = ANY($1) ORDER BY account_version", [
    [credit.transaction.id, debit.transaction.id],
  ]);
  expect(actors.map((r) => r.actor)).toEqual([TELLER.subject, ALICE.subject]);
  const { transaction } = await server.query(TransactionByIdDocument, { id: debit.transaction.id });
  expect(transaction?.actor).toBe(ALICE.subject);
  const { transaction: seenByAlice } = await clients.alice.query(TransactionByIdDocument, { id: credit.transaction.id });
  expect(seenByAlice).toMatchObject({ id: credit.transaction.id, actor: null });
});

test("idempotency keys are scoped per subject: the same key from two callers makes two postings", async () => {
  const f = await fixture();
  const idempotencyKey = key("shared");
  const input = { accountId: f.account.id, amount: "2.00", idempotencyKey };
  const first = await clients.teller.query(CreditDocument, { input });
  const second = await clients.admin.query(CreditDocument, { input });
  const again = await clients.teller.query(CreditDocument, { input });
  if (first.credit.__typename !== "PostingSuccess" || second.credit.__typename !== "PostingSuccess" || again.credit.__typename !== "PostingSuccess") {
    throw new Error(JSON.stringify([first, second, again]));
  }
  expect(second.credit.transaction.id).not.toBe(first.credit.transaction.id);
  expect([first.credit.replayed, second.credit.replayed, again.credit.replayed]).toEqual([false, false, true]);
  expect(again.credit.transaction.id).toBe(first.credit.transaction.id);
  const { rows: keys } = await server.sql.query("SELECT scope FROM idempotency_keys WHERE key = $1 ORDER BY scope", [idempotencyKey]);
  expect(keys.map((k) => k.scope)).toEqual([ADMIN.subject, TELLER.subject]);
});
