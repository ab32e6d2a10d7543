import { randomBytes, randomUUID } from "node:crypto";
import { isLuhnValid } from "../src/ledger/accountNumber";
import {
  AccountByIdDocument,
  AccountByNumberDocument,
  AccountLookupDocument,
  AccountsWithCursorsDocument,
  AccountHistoryPageDocument,
  AccountHistoryInFragmentDocument,
  AccountHistoryIncludedDocument,
  AccountsWithHistoryDocument,
  CloseAccountDocument,
  CreditDocument,
  DebitDocument,
  OpenAccountDocument,
  TransferDocument,
  ReverseTransactionDocument,
  TransactionByIdDocument,
  TransactionByReferenceDocument,
  TransactionsDocument,
  TransferInFullDocument,
  TwoDebitsDocument,
  UpdateAccountDocument,
  type OpenAccountInput,
  type PostingInput,
  type TransferInput,
  type UpdateAccountInput,
} from "./generated/graphql";
import { MAX_BALANCE_MINOR } from "../src/ledger/money";
import { credit, openAccount } from "./support/flows";
import { key, startTestServer, type GraphQLResponse, type TestServer } from "./support/harness";
import { ledgerViolations } from "./support/ledgerInvariant";

/*
 * The public API over HTTP, one mutation at a time: each success and each
 * union member a mutation can answer with, and the queries with their
 * pagination. After every test the ledger invariant must hold.
 */
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterEach(async () => {
  expect(await ledgerViolations(server.sql)).toEqual([]);
});
afterAll(() => server.stop());

/** Checks the union member (showing the whole answer when it is another one) and narrows to it. */
function member<T extends { __typename: string }, N extends T["__typename"]>(value: T, name: N): Extract<T, { __typename: N }> {
  expect(value).toMatchObject({ __typename: name });
  return value as Extract<T, { __typename: N }>;
}

/** A customer name no other test uses, so filters find only this test's accounts. */
const uniqueName = (label: string) => `${label} ${key("name")}`;

const open = async (input: Partial<OpenAccountInput> = {}) =>
  (
    await server.query(OpenAccountDocument, {
      input: { customerName: "Api Customer", type: "CHECKING", idempotencyKey: key("open"), ...input },
    })
  ).openAccount;

const update = async (input: UpdateAccountInput) => (await server.query(UpdateAccountDocument, { input })).updateAccount;
const close = async (accountId: string, expectedVersion: number) =>
  (await server.query(CloseAccountDocument, { input: { accountId, expectedVersion } })).closeAccount;

type PostingFields = Omit<PostingInput, "idempotencyKey"> & { idempotencyKey?: string };
const creditOf = async (input: PostingFields) =>
  (await server.query(CreditDocument, { input: { idempotencyKey: key("credit"), ...input } })).credit;
const debitOf = async (input: PostingFields) =>
  (await server.query(DebitDocument, { input: { idempotencyKey: key("debit"), ...input } })).debit;
const post = (operation: "credit" | "debit", input: PostingFields) => (operation === "credit" ? creditOf(input) : debitOf(input));

type TransferFields = Omit<TransferInput, "idempotencyKey"> & { idempotencyKey?: string };
const transfer = async (input: TransferFields) =>
  (await server.query(TransferInFullDocument, { input: { idempotencyKey: key("transfer"), ...input } })).transfer;

const accountById = async (id: string) => {
  const account = (await server.query(AccountByIdDocument, { id })).account;
  if (!account) throw new Error(`no account ${id}`);
  return account;
};

const postingCount = async (accountId: string) =>
  Number((await server.sql.query("SELECT count(*) FROM transactions WHERE account_id = $1", [accountId])).rows[0].count);

const freeze = async (accountId: string) => {
  const account = await accountById(accountId);
  return member(await update({ accountId, expectedVersion: account.version, status: "FROZEN" }), "UpdateAccountSuccess").account;
};

const closed = async () => {
  const account = await openAccount(server);
  return member(await close(account.id, account.version), "CloseAccountSuccess").account;
};

const errorCodes = (response: GraphQLResponse<unknown>) => (response.errors ?? []).map((e) => e.extensions?.code);

// ---------------------------------------------------------------- openAccount

describe("openAccount", () => {
  test("without a deposit: version 0, balance 0.00, no transaction, a 10-digit Luhn-valid number; ownerId stored", async () => {
    const customerName = uniqueName("Ada Lovelace");
    const ownerId = `owner-${randomUUID()}`;
    const opened = member(await open({ customerName, ownerId, type: "SAVINGS" }), "OpenAccountSuccess");
    expect(opened.replayed).toBe(false);
    expect(opened.transaction).toBeNull();
    expect(opened.account).toMatchObject({
      customerName,
      ownerId,
      type: "SAVINGS",
      status: "ACTIVE",
      currency: "USD",
      balance: "0.00",
      version: 0,
      closedAt: null,
    });
    expect(opened.account.accountNumber).toMatch(/^[0-9]{10}$/);
    expect(isLuhnValid(opened.account.accountNumber)).toBe(true);
    expect(await accountById(opened.account.id)).toEqual(opened.account);
    expect(await postingCount(opened.account.id)).toBe(0);
  });

  test("with a deposit: version 1 and an opening DEPOSIT CREDIT posting with its balanceAfter", async () => {
    const opened = member(await open({ initialDeposit: "100.50" }), "OpenAccountSuccess");
    expect(opened.account).toMatchObject({ balance: "100.50", version: 1, currency: "USD" });
    expect(opened.transaction).toMatchObject({
      type: "CREDIT",
      kind: "DEPOSIT",
      status: "POSTED",
      amount: "100.50",
      balanceAfter: "100.50",
      accountVersion: 1,
      currency: "USD",
      accountNumber: opened.account.accountNumber,
      transferId: null,
    });
    expect(await postingCount(opened.account.id)).toBe(1);
  });

  test("a deposit keeps the currency's minor units: JPY 500 -> 500, KWD 1.250 -> 1.250", async () => {
    const yen = member(await open({ currency: "JPY", initialDeposit: "500" }), "OpenAccountSuccess");
    expect(yen.account).toMatchObject({ currency: "JPY", balance: "500", version: 1 });
    expect(yen.transaction).toMatchObject({ amount: "500", balanceAfter: "500", currency: "JPY" });

    const dinar = member(await open({ currency: "KWD", initialDeposit: "1.250" }), "OpenAccountSuccess");
    expect(dinar.account).toMatchObject({ currency: "KWD", balance: "1.250", version: 1 });
    expect(dinar.transaction).toMatchObject({ amount: "1.250", balanceAfter: "1.250", currency: "KWD" });
    expect(await accountById(dinar.account.id)).toMatchObject({ balance: "1.250" });
  });

  test("a replay with the same key answers replayed: true with the same account and opens nothing", async () => {
    const customerName = uniqueName("Replay");
    const idempotencyKey = key("open-replay");
    const first = member(await open({ customerName, idempotencyKey, initialDeposit: "10" }), "OpenAccountSuccess");
    const again = member(await open({ customerName, idempotencyKey, initialDeposit: "10" }), "OpenAccountSuccess");
    expect(first.replayed).toBe(false);
    expect(again.replayed).toBe(true);
    expect(again.account.id).toBe(first.account.id);
    expect(again.account.accountNumber).toBe(first.account.accountNumber);
    expect(again.transaction?.id).toBe(first.transaction?.id);
    const { rows } = await server.sql.query("SELECT count(*) FROM accounts WHERE customer_name = $1", [customerName]);
    expect(Number(rows[0].count)).toBe(1);
    expect(await postingCount(first.account.id)).toBe(1);
  });

  test("the same key with a different input is IdempotencyKeyReused and opens nothing", async () => {
    const customerName = uniqueName("Reuse");
    const idempotencyKey = key("open-reuse");
    member(await open({ customerName, idempotencyKey }), "OpenAccountSuccess");
    const reused = member(await open({ customerName, idempotencyKey, initialDeposit: "5" }), "IdempotencyKeyReused");
    expect(reused).toMatchObject({ code: "IDEMPOTENCY_KEY_REUSED", idempotencyKey });
    const { rows } = await server.sql.query("SELECT count(*) FROM accounts WHERE customer_name = $1", [customerName]);
    expect(Number(rows[0].count)).toBe(1);
  });

  test("a supplied account number is used; one already taken is AccountNumberTaken and does not consume the key", async () => {
    const accountNumber = `7${String(Date.now()).slice(-10)}${String(process.pid % 1000).padStart(3, "0")}`;
    const first = member(await open({ accountNumber }), "OpenAccountSuccess");
    expect(first.account.accountNumber).toBe(accountNumber);

    const customerName = uniqueName("Taken");
    const idempotencyKey = key("open-taken");
    const taken = member(await open({ customerName, accountNumber, idempotencyKey }), "AccountNumberTaken");
    expect(taken).toMatchObject({ code: "ACCOUNT_NUMBER_TAKEN", accountNumber });
    const { rows } = await server.sql.query("SELECT count(*) FROM accounts WHERE customer_name = $1", [customerName]);
    expect(Number(rows[0].count)).toBe(0);

    const retried = member(await open({ customerName, idempotencyKey }), "OpenAccountSuccess");
    expect(retried.replayed).toBe(false);
    expect(retried.account.accountNumber).not.toBe(accountNumber);
  });

  test("a blank customer name is ValidationFailed on input.customerName", async () => {
    const failed = member(await open({ customerName: "   " }), "ValidationFailed");
    expect(failed.code).toBe("VALIDATION_FAILED");
    expect(failed.violations).toEqual([{ path: ["input", "customerName"], message: expect.any(String) }]);
  });
});

// ---------------------------------------------------------------- updateAccount

describe("updateAccount", () => {
  test("a name change succeeds and bumps the version by one", async () => {
    const account = await openAccount(server, { deposit: "3" });
    const newName = uniqueName("Renamed");
    const updated = member(await update({ accountId: account.id, expectedVersion: account.version, customerName: newName }), "UpdateAccountSuccess");
    expect(updated.account).toMatchObject({ id: account.id, customerName: newName, version: account.version + 1, balance: "3.00", status: "ACTIVE" });
    expect(await accountById(account.id)).toMatchObject({ customerName: newName, version: account.version + 1 });
    expect(await postingCount(account.id)).toBe(1);
  });

  test("ACTIVE -> FROZEN -> ACTIVE, and a type change, each one version", async () => {
    const account = await openAccount(server);
    const frozen = member(await update({ accountId: account.id, expectedVersion: 0, status: "FROZEN" }), "UpdateAccountSuccess");
    expect(frozen.account).toMatchObject({ status: "FROZEN", version: 1 });
    const active = member(await update({ accountId: account.id, expectedVersion: 1, status: "ACTIVE" }), "UpdateAccountSuccess");
    expect(active.account).toMatchObject({ status: "ACTIVE", version: 2 });
    const savings = member(await update({ accountId: account.id, expectedVersion: 2, type: "SAVINGS" }), "UpdateAccountSuccess");
    expect(savings.account).toMatchObject({ type: "SAVINGS", status: "ACTIVE", version: 3 });
  });

  test("status CLOSED and an update with nothing to change are ValidationFailed and change nothing", async () => {
    const account = await openAccount(server);
    const closing = member(await update({ accountId: account.id, expectedVersion: 0, status: "CLOSED" }), "ValidationFailed");
    expect(closing.violations).toEqual([{ path: ["input", "status"], message: expect.any(String) }]);
    const nothing = member(await update({ accountId: account.id, expectedVersion: 0 }), "ValidationFailed");
    expect(nothing.code).toBe("VALIDATION_FAILED");
    expect(nothing.violations).toHaveLength(1);
    expect(await accountById(account.id)).toMatchObject({ status: "ACTIVE", version: 0 });
  });

  test("a stale expectedVersion is VersionConflict with the current version and balance", async () => {
    const account = await openAccount(server, { deposit: "12.34" });
    const conflict = member(await update({ accountId: account.id, expectedVersion: 0, customerName: "Too Late" }), "VersionConflict");
    expect(conflict).toMatchObject({ code: "VERSION_CONFLICT", accountId: account.id, expectedVersion: 0, currentVersion: 1, currentBalance: "12.34" });
    expect(await accountById(account.id)).toMatchObject({ customerName: account.customerName, version: 1 });
  });

  test("an unknown id is AccountNotFound, whether a random uuid or not a uuid at all", async () => {
    const id = randomUUID();
    expect(member(await update({ accountId: id, expectedVersion: 0, customerName: "Nobody" }), "AccountNotFound")).toMatchObject({
      code: "ACCOUNT_NOT_FOUND",
      accountId: id,
    });
    expect(member(await update({ accountId: "not-an-id", expectedVersion: 0, customerName: "Nobody" }), "AccountNotFound")).toMatchObject({
      accountId: "not-an-id",
    });
  });

  test("a closed account is AccountNotActive with status CLOSED", async () => {
    const account = await closed();
    const inactive = member(await update({ accountId: account.id, expectedVersion: account.version, customerName: "Ghost" }), "AccountNotActive");
    expect(inactive).toMatchObject({ code: "ACCOUNT_NOT_ACTIVE", accountId: account.id, status: "CLOSED" });
    expect(await accountById(account.id)).toMatchObject({ customerName: account.customerName, version: account.version });
  });
});

// ---------------------------------------------------------------- closeAccount

describe("closeAccount", () => {
  test("an empty account closes: status CLOSED, closedAt set, version + 1; it then takes no postings", async () => {
    const account = await openAccount(server);
    const closedAccount = member(await close(account.id, 0), "CloseAccountSuccess").account;
    expect(closedAccount).toMatchObject({ id: account.id, status: "CLOSED", version: 1, balance: "0.00" });
    expect(closedAccount.closedAt).not.toBeNull();
    expect(Number.isNaN(Date.parse(closedAccount.closedAt!))).toBe(false);
    expect(await accountById(account.id)).toEqual(closedAccount);

    const refused = member(await creditOf({ accountId: account.id, amount: "1" }), "AccountNotActive");
    expect(refused).toMatchObject({ code: "ACCOUNT_NOT_ACTIVE", accountId: account.id, status: "CLOSED" });
    expect(member(await debitOf({ accountId: account.id, amount: "1" }), "AccountNotActive").status).toBe("CLOSED");
    expect(await postingCount(account.id)).toBe(0);
  });

  test("a non-empty account is BalanceNotZero with the formatted balance, and stays open", async () => {
    const account = await openAccount(server, { deposit: "7.5" });
    const refused = member(await close(account.id, 1), "BalanceNotZero");
    expect(refused).toMatchObject({ code: "BALANCE_NOT_ZERO", accountId: account.id, balance: "7.50" });
    expect(await accountById(account.id)).toMatchObject({ status: "ACTIVE", version: 1, closedAt: null });
  });

  test("a stale expectedVersion is VersionConflict", async () => {
    const account = await openAccount(server, { deposit: "2" });
    await debitOf({ accountId: account.id, amount: "2" });
    const conflict = member(await close(account.id, 1), "VersionConflict");
    expect(conflict).toMatchObject({ accountId: account.id, expectedVersion: 1, currentVersion: 2, currentBalance: "0.00" });
    expect(await accountById(account.id)).toMatchObject({ status: "ACTIVE", version: 2 });
  });

  test("an unknown id is AccountNotFound (random uuid and non-uuid)", async () => {
    const id = randomUUID();
    expect(member(await close(id, 0), "AccountNotFound")).toMatchObject({ code: "ACCOUNT_NOT_FOUND", accountId: id });
    expect(member(await close("12345", 0), "AccountNotFound").accountId).toBe("12345");
  });

  test("an account already closed is AccountNotActive", async () => {
    const account = await closed();
    const again = member(await close(account.id, account.version), "AccountNotActive");
    expect(again).toMatchObject({ accountId: account.id, status: "CLOSED" });
    expect(await accountById(account.id)).toMatchObject({ version: account.version, closedAt: account.closedAt });
  });
});

// ---------------------------------------------------------------- credit and debit

describe.each(["credit", "debit"] as const)("%s", (operation) => {
  const [type, kind] = operation === "credit" ? (["CREDIT", "DEPOSIT"] as const) : (["DEBIT", "WITHDRAWAL"] as const);

  test("success: balance, version and every field of the posting; a replay answers the same posting", async () => {
    const account = await openAccount(server, { deposit: "100" });
    const reference = key(`ref-${operation}`);
    const metadata = { source: "api-test", nested: { depth: 2, list: [1, "two", null] }, flag: true };
    const idempotencyKey = key(operation);
    const input = { accountId: account.id, amount: "25.5", expectedVersion: 1, idempotencyKey, reference, description: `a ${operation}`, metadata };
    const posted = member(await post(operation, input), "PostingSuccess");
    const balance = operation === "credit" ? "125.50" : "74.50";
    expect(posted.replayed).toBe(false);
    expect(posted.account).toMatchObject({ id: account.id, balance, version: 2 });
    expect(posted.transaction).toMatchObject({
      type,
      kind,
      status: "POSTED",
      amount: "25.50",
      accountNumber: account.accountNumber,
      currency: "USD",
      balanceAfter: balance,
      accountVersion: 2,
      reference,
      description: `a ${operation}`,
      metadata,
      transferId: null,
      // The subject of the token that made it.
      actor: "test-admin",
    });
    expect(Number.isNaN(Date.parse(posted.transaction.createdAt))).toBe(false);

    const replay = member(await post(operation, input), "PostingSuccess");
    expect(replay.replayed).toBe(true);
    expect(replay.transaction).toEqual(posted.transaction);
    expect(await accountById(account.id)).toMatchObject({ balance, version: 2 });
    expect(await postingCount(account.id)).toBe(2);
  });

  test("an amount of zero is ValidationFailed on input.amount", async () => {
    const account = await openAccount(server, { deposit: "10" });
    const failed = member(await post(operation, { accountId: account.id, amount: "0" }), "ValidationFailed");
    expect(failed.violations).toEqual([{ path: ["input", "amount"], message: expect.any(String) }]);
    expect(await accountById(account.id)).toMatchObject({ balance: "10.00", version: 1 });
  });

  test("a stale expectedVersion is VersionConflict with the current version and balance", async () => {
    const account = await openAccount(server, { deposit: "10" });
    await credit(server, account.id, "1");
    const conflict = member(await post(operation, { accountId: account.id, amount: "1", expectedVersion: 1 }), "VersionConflict");
    expect(conflict).toMatchObject({ code: "VERSION_CONFLICT", accountId: account.id, expectedVersion: 1, currentVersion: 2, currentBalance: "11.00" });
    expect(await postingCount(account.id)).toBe(2);
  });

  test("an unknown account is AccountNotFound (random uuid and non-uuid)", async () => {
    const id = randomUUID();
    expect(member(await post(operation, { accountId: id, amount: "1" }), "AccountNotFound")).toMatchObject({ code: "ACCOUNT_NOT_FOUND", accountId: id });
    expect(member(await post(operation, { accountId: "nope", amount: "1" }), "AccountNotFound").accountId).toBe("nope");
  });

  test("a FROZEN account is AccountNotActive and nothing is posted", async () => {
    const account = await openAccount(server, { deposit: "10" });
    await freeze(account.id);
    const inactive = member(await post(operation, { accountId: account.id, amount: "1" }), "AccountNotActive");
    expect(inactive).toMatchObject({ code: "ACCOUNT_NOT_ACTIVE", accountId: account.id, status: "FROZEN" });
    expect(await accountById(account.id)).toMatchObject({ balance: "10.00", version: 2 });
    expect(await postingCount(account.id)).toBe(1);
  });

  test("the same key for a different request is IdempotencyKeyReused", async () => {
    const account = await openAccount(server, { deposit: "10" });
    const idempotencyKey = key("reuse");
    member(await post(operation, { accountId: account.id, amount: "1", idempotencyKey }), "PostingSuccess");
    const reused = member(await post(operation, { accountId: account.id, amount: "2", idempotencyKey }), "IdempotencyKeyReused");
    expect(reused).toMatchObject({ code: "IDEMPOTENCY_KEY_REUSED", idempotencyKey });
    expect(await accountById(account.id)).toMatchObject({ version: 2 });
    expect(await postingCount(account.id)).toBe(2);
  });

  test("a reference already on another posting is ReferenceTaken; the key stays free for a corrected retry", async () => {
    const account = await openAccount(server, { deposit: "10" });
    const reference = key("taken-ref");
    member(await creditOf({ accountId: account.id, amount: "1", reference }), "PostingSuccess");
    const idempotencyKey = key("after-taken");
    const taken = member(await post(operation, { accountId: account.id, amount: "2", reference, idempotencyKey }), "ReferenceTaken");
    expect(taken).toMatchObject({ code: "REFERENCE_TAKEN", reference });
    expect(await accountById(account.id)).toMatchObject({ balance: "11.00", version: 2 });

    const fresh = key("fresh-ref");
    const retried = member(await post(operation, { accountId: account.id, amount: "2", reference: fresh, idempotencyKey }), "PostingSuccess");
    expect(retried).toMatchObject({ replayed: false, transaction: { reference: fresh, accountVersion: 3 } });
    expect(await postingCount(account.id)).toBe(3);
  });
});

describe("debit", () => {
  test("more than the balance is InsufficientFunds with balance and requested formatted; nothing posted", async () => {
    const account = await openAccount(server, { deposit: "10.5" });
    const refused = member(await debitOf({ accountId: account.id, amount: "10.51" }), "InsufficientFunds");
    expect(refused).toMatchObject({ code: "INSUFFICIENT_FUNDS", accountId: account.id, balance: "10.50", requested: "10.51" });
    expect(await accountById(account.id)).toMatchObject({ balance: "10.50", version: 1 });
    expect(await postingCount(account.id)).toBe(1);

    const exact = member(await debitOf({ accountId: account.id, amount: "10.50" }), "PostingSuccess");
    expect(exact.account).toMatchObject({ balance: "0.00", version: 2 });
  });

  test("two debits of one account in one request: each answer shows the account as its own debit left it", async () => {
    const account = await openAccount(server, { deposit: "10" });
    const data = await server.query(TwoDebitsDocument, {
      first: { accountId: account.id, amount: "1", idempotencyKey: key() },
      second: { accountId: account.id, amount: "2", idempotencyKey: key() },
    });
    const seen = [data.first, data.second].map((answer) => {
      if (answer.__typename !== "PostingSuccess") throw new Error(answer.__typename);
      return answer.transaction;
    });
    expect(seen).toEqual([
      { balanceAfter: "9.00", accountVersion: 2, account: { balance: "9.00", version: 2 } },
      { balanceAfter: "7.00", accountVersion: 3, account: { balance: "7.00", version: 3 } },
    ]);
  });
});

// ---------------------------------------------------------------- transfer

describe("references", () => {
  test("a reference is unique per owner: another owner may use it and learns nothing; the same owner may not, on any of its accounts", async () => {
    const [alice, bob] = [key("alice"), key("bob")];
    const [aliceClient, bobClient] = await Promise.all([alice, bob].map((subject) => server.as({ subject, role: "customer" })));
    const [aliceAccount, aliceSecond, bobAccount] = await Promise.all([
      openAccount(server, { ownerId: alice, deposit: "10.00" }),
      openAccount(server, { ownerId: alice, deposit: "10.00" }),
      openAccount(server, { ownerId: bob, deposit: "10.00" }),
    ]);
    const reference = key("invoice");
    const debitAs = async (client: typeof aliceClient, accountId: string) =>
      (await client.query(DebitDocument, { input: { accountId, amount: "1.00", reference, idempotencyKey: key("ref-debit") } })).debit;

    const alices = member(await debitAs(aliceClient, aliceAccount.id), "PostingSuccess").transaction;
    const bobs = member(await debitAs(bobClient, bobAccount.id), "PostingSuccess").transaction;
    member(await debitAs(aliceClient, aliceSecond.id), "ReferenceTaken");
    const bobPays = await bobClient.query(TransferDocument, {
      input: { fromAccountId: bobAccount.id, toAccountId: aliceAccount.id, amount: "1.00", reference, idempotencyKey: key("ref-pay") },
    });
    member(bobPays.transfer, "ReferenceTaken");
    // The scope is the account's owner, whoever posts: staff crediting Alice's account cannot reuse her reference.
    member(await creditOf({ accountId: aliceAccount.id, amount: "1.00", reference }), "ReferenceTaken");
    expect(await accountById(aliceSecond.id)).toMatchObject({ balance: "10.00", version: 1 });

    expect((await aliceClient.query(TransactionByReferenceDocument, { reference })).transaction?.id).toBe(alices.id);
    expect((await bobClient.query(TransactionByReferenceDocument, { reference })).transaction?.id).toBe(bobs.id);
    const ambiguous = await server.request(TransactionByReferenceDocument, { reference });
    expect(errorCodes(ambiguous)).toEqual(["BAD_USER_INPUT"]);
  });

  test("accounts without an owner are the bank's: one scope for references", async () => {
    const [first, second] = await Promise.all([openAccount(server), openAccount(server)]);
    const reference = key("bank-ref");
    const posted = member(await creditOf({ accountId: first.id, amount: "1.00", reference }), "PostingSuccess").transaction;
    member(await creditOf({ accountId: second.id, amount: "1.00", reference }), "ReferenceTaken");
    expect((await server.query(TransactionByReferenceDocument, { reference })).transaction?.id).toBe(posted.id);
  });
});

describe("balance limit", () => {
  /** The largest balance, in USD: 10^18 cents. */
  const LIMIT = "10000000000000000.00";

  /**
   * Brings an account to `cents` below the limit with one deposit written by
   * the ledger's own write path (post_entry): no API credit may move that
   * much at once.
   */
  async function fillUpTo(accountId: string, cents: bigint) {
    const target = MAX_BALANCE_MINOR - cents;
    const { rows } = await server.sql.query(
      `SELECT refusal FROM post_entry('DEPOSIT', ARRAY[$1::uuid], ARRAY['CREDIT']::"TransactionType"[],
                                      ARRAY[$2::bigint - (SELECT balance FROM accounts WHERE id = $1)], p_actor => 'balance-limit-test')`,
      [accountId, target.toString()],
    );
    expect(rows).toEqual([{ refusal: null }]);
    return accountById(accountId);
  }

  test("the ledger and the database agree on the limit", async () => {
    const { rows } = await server.sql.query("SELECT balance_limit()::text AS limit");
    expect(BigInt(rows[0].limit)).toBe(MAX_BALANCE_MINOR);
  });

  test("a credit past the limit is BalanceLimitExceeded and posts nothing; up to the limit exactly, it posts", async () => {
    const account = await fillUpTo((await openAccount(server)).id, 500n);
    const refused = member(await creditOf({ accountId: account.id, amount: "5.01" }), "BalanceLimitExceeded");
    expect(refused).toMatchObject({ code: "BALANCE_LIMIT_EXCEEDED", accountId: account.id, limit: LIMIT });
    expect(await accountById(account.id)).toEqual(account);
    const largest = member(await creditOf({ accountId: account.id, amount: "10000000000000.00" }), "BalanceLimitExceeded");
    expect(largest.limit).toBe(LIMIT);

    const full = member(await creditOf({ accountId: account.id, amount: "5.00" }), "PostingSuccess");
    expect(full.account).toMatchObject({ balance: LIMIT, version: account.version + 1 });
    member(await creditOf({ accountId: account.id, amount: "0.01" }), "BalanceLimitExceeded");
  });

  test("a transfer into a full account is BalanceLimitExceeded naming it, and nothing moves", async () => {
    const from = await openAccount(server, { deposit: "10.00" });
    const to = await fillUpTo((await openAccount(server)).id, 100n);
    const refused = member(await transfer({ fromAccountId: from.id, toAccountId: to.id, amount: "1.01" }), "BalanceLimitExceeded");
    expect(refused).toMatchObject({ accountId: to.id, limit: LIMIT });
    expect(await accountById(from.id)).toMatchObject({ balance: "10.00", version: from.version });
    expect(await accountById(to.id)).toEqual(to);
  });

  test("reversing a debit of a full account is BalanceLimitExceeded, and the debit stays POSTED", async () => {
    const account = await fillUpTo((await openAccount(server)).id, 0n);
    const debited = member(await debitOf({ accountId: account.id, amount: "3.00" }), "PostingSuccess");
    await credit(server, account.id, "2.00");
    const { reverseTransaction } = await server.query(ReverseTransactionDocument, {
      input: { transactionId: debited.transaction.id, idempotencyKey: key("reverse-full") },
    });
    expect(reverseTransaction).toMatchObject({ __typename: "BalanceLimitExceeded", accountId: account.id, limit: LIMIT });
    expect(await accountById(account.id)).toMatchObject({ balance: "9999999999999999.00", version: account.version + 2 });
    expect((await server.query(TransactionByIdDocument, { id: debited.transaction.id })).transaction?.status).toBe("POSTED");
  });
});

describe("transfer", () => {
  test("success: a DEBIT leg with the reference and a CREDIT leg sharing one transferId; both balances and versions move", async () => {
    const from = await openAccount(server, { deposit: "100" });
    const to = await openAccount(server, { deposit: "5" });
    const reference = key("transfer-ref");
    const metadata = { invoice: "INV-1" };
    const moved = member(
      await transfer({
        fromAccountId: from.id,
        toAccountId: to.id,
        amount: "30.25",
        expectedFromVersion: 1,
        expectedToVersion: 1,
        reference,
        description: "rent",
        metadata,
      }),
      "TransferSuccess",
    );
    expect(moved.replayed).toBe(false);
    expect(moved.debit).toMatchObject({
      type: "DEBIT",
      kind: "TRANSFER",
      amount: "30.25",
      balanceAfter: "69.75",
      accountVersion: 2,
      accountNumber: from.accountNumber,
      reference,
      description: "rent",
      metadata,
      transferId: moved.transferId,
    });
    expect(moved.credit).toMatchObject({
      type: "CREDIT",
      kind: "TRANSFER",
      amount: "30.25",
      balanceAfter: "35.25",
      accountVersion: 2,
      accountNumber: to.accountNumber,
      transferId: moved.transferId,
    });
    expect(moved.credit.reference).toBeNull();
    expect(moved.from).toMatchObject({ id: from.id, balance: "69.75", version: 2 });
    expect(moved.to).toMatchObject({ id: to.id, balance: "35.25", version: 2 });
    expect(await accountById(from.id)).toMatchObject({ balance: "69.75", version: 2 });
    expect(await accountById(to.id)).toMatchObject({ balance: "35.25", version: 2 });
  });

  test("a replay with the same key answers the same transfer, replayed: true, and moves nothing", async () => {
    const from = await openAccount(server, { deposit: "50" });
    const to = await openAccount(server);
    const input = { fromAccountId: from.id, toAccountId: to.id, amount: "20", idempotencyKey: key("transfer-replay") };
    const first = member(await transfer(input), "TransferSuccess");
    const again = member(await transfer(input), "TransferSuccess");
    expect(again.replayed).toBe(true);
    expect(again.transferId).toBe(first.transferId);
    expect(again.debit.id).toBe(first.debit.id);
    expect(again.credit.id).toBe(first.credit.id);
    expect(await accountById(from.id)).toMatchObject({ balance: "30.00", version: 2 });
    expect(await accountById(to.id)).toMatchObject({ balance: "20.00", version: 1 });
    expect(await postingCount(to.id)).toBe(1);
  });

  test("the same account on both sides is ValidationFailed", async () => {
    const account = await openAccount(server, { deposit: "10" });
    const failed = member(await transfer({ fromAccountId: account.id, toAccountId: account.id, amount: "1" }), "ValidationFailed");
    expect(failed.violations).toEqual([{ path: ["input", "toAccountId"], message: expect.any(String) }]);
    expect(await accountById(account.id)).toMatchObject({ balance: "10.00", version: 1 });
  });

  test("a stale expectedFromVersion, and separately a stale expectedToVersion, is VersionConflict on that account", async () => {
    const from = await openAccount(server, { deposit: "10" });
    const to = await openAccount(server, { deposit: "10" });
    const onFrom = member(
      await transfer({ fromAccountId: from.id, toAccountId: to.id, amount: "1", expectedFromVersion: 0, expectedToVersion: 1 }),
      "VersionConflict",
    );
    expect(onFrom).toMatchObject({ accountId: from.id, expectedVersion: 0, currentVersion: 1, currentBalance: "10.00" });
    const onTo = member(
      await transfer({ fromAccountId: from.id, toAccountId: to.id, amount: "1", expectedFromVersion: 1, expectedToVersion: 5 }),
      "VersionConflict",
    );
    expect(onTo).toMatchObject({ accountId: to.id, expectedVersion: 5, currentVersion: 1, currentBalance: "10.00" });
    expect(await postingCount(from.id)).toBe(1);
    expect(await postingCount(to.id)).toBe(1);
  });

  test("more than the source holds is InsufficientFunds", async () => {
    const from = await openAccount(server, { deposit: "3" });
    const to = await openAccount(server);
    const refused = member(await transfer({ fromAccountId: from.id, toAccountId: to.id, amount: "3.01" }), "InsufficientFunds");
    expect(refused).toMatchObject({ code: "INSUFFICIENT_FUNDS", accountId: from.id, balance: "3.00", requested: "3.01" });
    expect(await accountById(from.id)).toMatchObject({ balance: "3.00", version: 1 });
    expect(await accountById(to.id)).toMatchObject({ balance: "0.00", version: 0 });
  });

  test("an unknown account on either side is AccountNotFound naming that side", async () => {
    const account = await openAccount(server, { deposit: "10" });
    const missing = randomUUID();
    expect(member(await transfer({ fromAccountId: missing, toAccountId: account.id, amount: "1" }), "AccountNotFound").accountId).toBe(missing);
    expect(member(await transfer({ fromAccountId: account.id, toAccountId: missing, amount: "1" }), "AccountNotFound").accountId).toBe(missing);
    expect(member(await transfer({ fromAccountId: account.id, toAccountId: "nope", amount: "1" }), "AccountNotFound").accountId).toBe("nope");
    expect(await accountById(account.id)).toMatchObject({ balance: "10.00", version: 1 });
  });

  test("a FROZEN target is AccountNotActive and nothing moves", async () => {
    const from = await openAccount(server, { deposit: "10" });
    const to = await openAccount(server);
    await freeze(to.id);
    const inactive = member(await transfer({ fromAccountId: from.id, toAccountId: to.id, amount: "1" }), "AccountNotActive");
    expect(inactive).toMatchObject({ code: "ACCOUNT_NOT_ACTIVE", accountId: to.id, status: "FROZEN" });
    expect(await accountById(from.id)).toMatchObject({ balance: "10.00", version: 1 });
    expect(await postingCount(to.id)).toBe(0);
  });

  test("USD -> EUR is CurrencyMismatch", async () => {
    const from = await openAccount(server, { deposit: "10" });
    const to = await openAccount(server, { currency: "EUR" });
    const mismatch = member(await transfer({ fromAccountId: from.id, toAccountId: to.id, amount: "1" }), "CurrencyMismatch");
    expect(mismatch).toMatchObject({ code: "CURRENCY_MISMATCH", fromCurrency: "USD", toCurrency: "EUR" });
    expect(await accountById(from.id)).toMatchObject({ balance: "10.00", version: 1 });
    expect(await accountById(to.id)).toMatchObject({ balance: "0.00", version: 0 });
  });

  test("the same key for a different transfer is IdempotencyKeyReused", async () => {
    const from = await openAccount(server, { deposit: "10" });
    const to = await openAccount(server);
    const idempotencyKey = key("transfer-reuse");
    member(await transfer({ fromAccountId: from.id, toAccountId: to.id, amount: "1", idempotencyKey }), "TransferSuccess");
    const reused = member(await transfer({ fromAccountId: from.id, toAccountId: to.id, amount: "2", idempotencyKey }), "IdempotencyKeyReused");
    expect(reused).toMatchObject({ code: "IDEMPOTENCY_KEY_REUSED", idempotencyKey });
    expect(await accountById(from.id)).toMatchObject({ balance: "9.00", version: 2 });
  });

  test("the receiving account by its number: the same transfer as by id (a retry by either replays); unknown is AccountNotFound", async () => {
    const from = await openAccount(server, { deposit: "10" });
    const to = await openAccount(server);
    const idempotencyKey = key("by-number");
    const byNumber = member(await transfer({ fromAccountId: from.id, toAccountNumber: to.accountNumber, amount: "2", idempotencyKey }), "TransferSuccess");
    expect(byNumber).toMatchObject({ replayed: false, to: { id: to.id, balance: "2.00" } });
    const byId = member(await transfer({ fromAccountId: from.id, toAccountId: to.id, amount: "2", idempotencyKey }), "TransferSuccess");
    expect(byId).toMatchObject({ replayed: true, transferId: byNumber.transferId });

    const unknown = member(await transfer({ fromAccountId: from.id, toAccountNumber: "0000000000", amount: "1" }), "AccountNotFound");
    expect(unknown.accountId).toBe("0000000000");
    const own = member(await transfer({ fromAccountId: from.id, toAccountNumber: from.accountNumber, amount: "1" }), "ValidationFailed");
    expect(own.violations).toEqual([{ path: ["input", "toAccountId"], message: "must differ from fromAccountId" }]);
    expect(await accountById(from.id)).toMatchObject({ balance: "8.00", version: 2 });
  });

  test("both toAccountId and toAccountNumber, or neither, is ValidationFailed and nothing moves", async () => {
    const from = await openAccount(server, { deposit: "10" });
    const to = await openAccount(server);
    for (const target of [{ toAccountId: to.id, toAccountNumber: to.accountNumber }, {}]) {
      const refused = member(await transfer({ fromAccountId: from.id, amount: "1", ...target }), "ValidationFailed");
      expect(refused.violations).toEqual([{ path: ["input", "toAccountId"], message: "give exactly one of toAccountId and toAccountNumber" }]);
    }
    expect(await accountById(from.id)).toMatchObject({ balance: "10.00", version: 1 });
  });

  test("a reference already used is ReferenceTaken and nothing moves", async () => {
    const from = await openAccount(server, { deposit: "10" });
    const to = await openAccount(server);
    const reference = key("transfer-taken");
    member(await creditOf({ accountId: from.id, amount: "1", reference }), "PostingSuccess");
    const taken = member(await transfer({ fromAccountId: from.id, toAccountId: to.id, amount: "2", reference }), "ReferenceTaken");
    expect(taken).toMatchObject({ code: "REFERENCE_TAKEN", reference });
    expect(await accountById(from.id)).toMatchObject({ balance: "11.00", version: 2 });
    expect(await postingCount(to.id)).toBe(0);
  });
});

// ---------------------------------------------------------------- queries

describe("queries", () => {
  test("account by id and by accountNumber answer the same account; an unknown id is null", async () => {
    const account = await openAccount(server, { deposit: "1" });
    expect((await server.query(AccountByIdDocument, { id: account.id })).account).toEqual(account);
    expect((await server.query(AccountByNumberDocument, { accountNumber: account.accountNumber })).account).toEqual(account);
    expect((await server.query(AccountByIdDocument, { id: randomUUID() })).account).toBeNull();
    expect((await server.query(AccountByIdDocument, { id: "not-a-uuid" })).account).toBeNull();
  });

  test("account with both or neither of id and accountNumber is a BAD_USER_INPUT error", async () => {
    const account = await openAccount(server);
    const both = await server.request(AccountLookupDocument, { id: account.id, accountNumber: account.accountNumber });
    expect(errorCodes(both)).toEqual(["BAD_USER_INPUT"]);
    expect(both.data?.account ?? null).toBeNull();
    const neither = await server.request(AccountLookupDocument, {});
    expect(errorCodes(neither)).toEqual(["BAD_USER_INPUT"]);
  });

  test("transaction by id (with its account) and by reference; unknown ones are null", async () => {
    const account = await openAccount(server, { deposit: "5" });
    const reference = key("lookup-ref");
    const posted = member(await creditOf({ accountId: account.id, amount: "2", reference }), "PostingSuccess").transaction;
    const byId = (await server.query(TransactionByIdDocument, { id: posted.id })).transaction;
    expect(byId).toEqual({ ...posted, account: { id: account.id } });
    expect((await server.query(TransactionByReferenceDocument, { reference })).transaction).toEqual(posted);
    expect((await server.query(TransactionByIdDocument, { id: randomUUID() })).transaction).toBeNull();
    expect((await server.query(TransactionByReferenceDocument, { reference: key("no-such-ref") })).transaction).toBeNull();
  });

  test("transactions: 25 postings paged 10 at a time, newest first, none missed or repeated", async () => {
    const account = await openAccount(server);
    for (let i = 1; i <= 25; i++) await credit(server, account.id, `${i}.00`);
    const seen: Array<{ id: string; accountVersion: number; createdAt: string; amount: string }> = [];
    const pages: number[] = [];
    let after: string | null | undefined;
    for (;;) {
      const page = (await server.query(TransactionsDocument, { accountId: account.id, first: 10, after })).transactions;
      pages.push(page.edges.length);
      seen.push(...page.edges.map((e) => e.node));
      expect(page.pageInfo.hasPreviousPage).toBe(after != null);
      expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
      expect(pages.length).toBeLessThan(5);
    }
    expect(pages).toEqual([10, 10, 5]);
    expect(new Set(seen.map((t) => t.id)).size).toBe(25);
    expect(seen.map((t) => t.accountVersion)).toEqual(Array.from({ length: 25 }, (_, i) => 25 - i));
    expect(seen.map((t) => t.amount)).toEqual(Array.from({ length: 25 }, (_, i) => `${25 - i}.00`));
    const times = seen.map((t) => Date.parse(t.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const { rows } = await server.sql.query("SELECT id FROM transactions WHERE account_id = $1", [account.id]);
    expect(new Set(seen.map((t) => t.id))).toEqual(new Set(rows.map((r) => r.id)));
  });

  test("a cursor is good only for its own list: forged, altered, old-style, another account's or the other list's is BAD_USER_INPUT", async () => {
    const [account, other] = await Promise.all([openAccount(server, { deposit: "1" }), openAccount(server, { deposit: "1" })]);
    for (let i = 0; i < 3; i++) await credit(server, account.id, "1");
    const page = (await server.query(TransactionsDocument, { accountId: account.id, first: 2 })).transactions;
    const issued = page.pageInfo.endCursor!;
    const next = await server.request(TransactionsDocument, { accountId: account.id, first: 2, after: issued });
    expect(next.data?.transactions.edges.map((edge) => edge.node.accountVersion)).toEqual([2, 1]);

    const altered = `${issued.slice(0, 10)}${issued[10] === "A" ? "B" : "A"}${issued.slice(11)}`;
    const oldStyle = Buffer.from(`${Date.parse(page.edges[1].node.createdAt)}:${page.edges[1].node.id}`, "latin1").toString("base64url");
    const otherCursor = (await server.query(TransactionsDocument, { accountId: other.id, first: 1 })).transactions.pageInfo.endCursor!;
    const accountsCursor = (await server.query(AccountsWithCursorsDocument, { first: 1 })).accounts.pageInfo.endCursor!;
    const forged = {
      "random bytes": randomBytes(16).toString("base64url"),
      "an altered cursor": altered,
      "the cursor format before cursors named rows": oldStyle,
      "a cursor of another account's history": otherCursor,
      "a cursor of the account list": accountsCursor,
    };
    for (const [what, after] of Object.entries(forged)) {
      const response = await server.request(TransactionsDocument, { accountId: account.id, first: 2, after });
      expect({ what, codes: errorCodes(response) }).toEqual({ what, codes: ["BAD_USER_INPUT"] });
    }
    const asAccounts = await server.request(AccountsWithCursorsDocument, { first: 1, after: issued });
    expect(errorCodes(asAccounts)).toEqual(["BAD_USER_INPUT"]);
  });

  test("a customer pages only its own accounts: a cursor naming somebody else's account is BAD_USER_INPUT", async () => {
    const [alice, bob] = [key("alice"), key("bob")];
    const mine = await Promise.all([openAccount(server, { ownerId: alice }), openAccount(server, { ownerId: alice })]);
    const theirs = await openAccount(server, { ownerId: bob, customerName: uniqueName("Bob") });
    const client = await server.as({ subject: alice, role: "customer" });
    const first = (await client.query(AccountsWithCursorsDocument, { first: 1 })).accounts;
    const second = (await client.query(AccountsWithCursorsDocument, { first: 1, after: first.pageInfo.endCursor })).accounts;
    expect([...first.edges, ...second.edges].map((edge) => edge.node.id).sort()).toEqual(mine.map((account) => account.id).sort());

    const bobsCursor = (await server.query(AccountsWithCursorsDocument, { first: 1, filter: { customerName: theirs.customerName } })).accounts.edges
      .find((edge) => edge.node.id === theirs.id)?.cursor;
    expect(bobsCursor).toBeDefined();
    expect(errorCodes(await client.request(AccountsWithCursorsDocument, { first: 1, after: bobsCursor }))).toEqual(["BAD_USER_INPUT"]);
  });

  test("transactions: the default page is 20; first 101, first 0 and a forged cursor are BAD_USER_INPUT", async () => {
    const account = await openAccount(server, { deposit: "1" });
    for (let i = 0; i < 21; i++) await credit(server, account.id, "1");
    const page = (await server.query(TransactionsDocument, { accountId: account.id })).transactions;
    expect(page.edges).toHaveLength(20);
    expect(page.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(page.edges[0].node.accountVersion).toBe(22);

    for (const variables of [
      { accountId: account.id, first: 101 },
      { accountId: account.id, first: 0 },
      { accountId: account.id, first: 5, after: "abc" },
    ]) {
      const response = await server.request(TransactionsDocument, variables);
      expect({ variables, codes: errorCodes(response) }).toEqual({ variables, codes: ["BAD_USER_INPUT"] });
    }
    const last = await server.request(TransactionsDocument, { accountId: account.id, first: 100 });
    expect(last.errors).toBeUndefined();
    expect(last.data?.transactions.edges).toHaveLength(22);
  });

  test("accounts: a filtered connection pages through exactly the matching accounts, newest first", async () => {
    const customerName = uniqueName("Pager");
    const opened: string[] = [];
    for (let i = 0; i < 5; i++) opened.push((await openAccount(server, { customerName })).id);
    await freeze(opened[1]);
    await freeze(opened[3]);

    const seen: string[] = [];
    let after: string | null | undefined;
    for (let pageNo = 0; pageNo < 5; pageNo++) {
      const page = (await server.query(AccountsWithCursorsDocument, { first: 2, after, filter: { customerName } })).accounts;
      seen.push(...page.edges.map((e) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual([...opened].reverse());

    const frozen = (await server.query(AccountsWithCursorsDocument, { first: 10, filter: { customerName: customerName.toUpperCase(), status: "FROZEN" } })).accounts;
    expect(frozen.edges.map((e) => e.node.id)).toEqual([opened[3], opened[1]]);
    expect(frozen.edges.every((e) => e.node.status === "FROZEN")).toBe(true);
    expect(frozen.pageInfo.hasNextPage).toBe(false);

    for (const variables of [{ first: 0 }, { first: 101 }, { first: 2, after: "abc" }]) {
      const response = await server.request(AccountsWithCursorsDocument, { ...variables, filter: { customerName } });
      expect({ variables, codes: errorCodes(response) }).toEqual({ variables, codes: ["BAD_USER_INPUT"] });
    }
  });

  test("accounts: the customerName filter is a literal substring: % and _ are not wildcards", async () => {
    const token = key("Literal");
    const plain = await openAccount(server, { customerName: `${token} plain` });
    const percent = await openAccount(server, { customerName: `${token} 100% sure` });
    const ids = async (customerName: string) =>
      (await server.query(AccountsWithCursorsDocument, { first: 10, filter: { customerName } })).accounts.edges.map((e) => e.node.id);
    expect(await ids(`${token} plain`)).toEqual([plain.id]);
    expect(await ids("100% sure")).toContain(percent.id);
    // Neither name contains these strings; as LIKE patterns they would match.
    expect({ percent: await ids(`${token}%plain`), underscore: await ids(`${token}_plain`) }).toEqual({ percent: [], underscore: [] });
    // Under 3 characters the search takes another path (no trigram index): the same rules.
    const short = await ids("0%");
    expect([short.includes(percent.id), short.includes(plain.id)]).toEqual([true, false]);
  });
});

// ---------------------------------------------------------------- batching

describe("DataLoader batching", () => {
  let debugServer: TestServer;
  beforeAll(async () => {
    debugServer = await startTestServer({ logLevel: "debug" });
  });
  afterAll(() => debugServer.stop());

  /** Accounts with 3 postings each, under one customer name of their own. */
  async function accountsWithHistory(count: number) {
    const customerName = uniqueName(`Batch ${count}`);
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const account = await openAccount(server, { customerName, deposit: "10" });
      await credit(server, account.id, "1");
      await credit(server, account.id, "2");
      ids.push(account.id);
    }
    return { customerName, ids };
  }

  /** Runs AccountsWithHistory on the debug server and counts the SQL statements that request made. */
  async function statementsFor(customerName: string) {
    await new Promise((resolve) => setImmediate(resolve));
    const start = debugServer.logs.length;
    const data = await debugServer.query(AccountsWithHistoryDocument, { first: 20, filter: { customerName }, historyFirst: 3 });
    await new Promise((resolve) => setImmediate(resolve));
    const statements = debugServer.logs.slice(start).filter((line) => line.msg === "sql");
    return { data, statements: statements.map((line) => String(line.sql)) };
  }

  test("accounts with their history and each posting's account cost a few statements, however many accounts", async () => {
    const five = await accountsWithHistory(5);
    const two = await accountsWithHistory(2);

    const big = await statementsFor(five.customerName);
    const edges = big.data.accounts.edges;
    expect(edges.map((e) => e.node.id).sort()).toEqual([...five.ids].sort());
    for (const { node } of edges) {
      expect(node.balance).toBe("13.00");
      expect(node.transactions.edges.map((e) => e.node.amount)).toEqual(["2.00", "1.00", "10.00"]);
      for (const { node: posting } of node.transactions.edges) expect(posting.account).toEqual({ id: node.id, version: 3 });
    }

    const small = await statementsFor(two.customerName);
    expect(small.data.accounts.edges).toHaveLength(2);

    // One page of accounts, one batch of history for all of them, one batch of the postings' accounts.
    expect(big.statements.length).toBeGreaterThan(0);
    expect(big.statements.length).toBeLessThanOrEqual(4);
    expect(big.statements.filter((sql) => /\btransactions\b/.test(sql))).toHaveLength(1);
    expect(big.statements.length).toBe(small.statements.length);
  });

  test("an account with a page of its history is read in one statement", async () => {
    const { ids } = await accountsWithHistory(1);
    await new Promise((resolve) => setImmediate(resolve));
    const start = debugServer.logs.length;
    const { account } = await debugServer.query(AccountHistoryPageDocument, { id: ids[0], first: 2 });
    const statements = debugServer.logs.slice(start).filter((line) => line.msg === "sql");
    expect(account?.transactions.edges.map((e) => e.node.type)).toEqual(["CREDIT", "CREDIT"]);
    expect(account?.transactions.pageInfo.hasNextPage).toBe(true);
    expect(statements).toHaveLength(1);
    expect(String(statements[0].sql)).toMatch(/FROM accounts a WHERE [\s\S]+UNION ALL[\s\S]+FROM transactions t/);
  });

  test("the history page is looked ahead through fragments, not behind directives", async () => {
    const { ids } = await accountsWithHistory(1);
    await new Promise((resolve) => setImmediate(resolve));
    const statementsOf = async <T>(run: () => Promise<T>) => {
      const start = debugServer.logs.length;
      const data = await run();
      return { data, statements: debugServer.logs.slice(start).filter((line) => line.msg === "sql").length };
    };
    const plain = await statementsOf(() => debugServer.query(AccountHistoryPageDocument, { id: ids[0], first: 2 }));
    const fragment = await statementsOf(() => debugServer.query(AccountHistoryInFragmentDocument, { id: ids[0], first: 2 }));
    const included = await statementsOf(() => debugServer.query(AccountHistoryIncludedDocument, { id: ids[0], first: 2, withHistory: true }));
    const excluded = await statementsOf(() => debugServer.query(AccountHistoryIncludedDocument, { id: ids[0], first: 2, withHistory: false }));
    const pageOf = (data: { account?: { transactions?: { edges: Array<{ cursor: string; node: { id: string } }> } } | null }) =>
      data.account?.transactions?.edges.map((e) => [e.cursor, e.node.id]);
    expect(pageOf(plain.data)).toHaveLength(2);
    expect(pageOf(fragment.data)).toEqual(pageOf(plain.data));
    expect(pageOf(included.data)).toEqual(pageOf(plain.data));
    expect(excluded.data.account).toEqual({ id: ids[0] });
    expect([fragment.statements, included.statements, excluded.statements]).toEqual([1, 2, 1]);
  });
});
