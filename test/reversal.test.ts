import { randomUUID } from "node:crypto";
import {
  AccountByIdDocument,
  CreditDocument,
  DebitDocument,
  ReverseTransactionDocument,
  TransferInFullDocument,
  UpdateAccountDocument,
  UpdateTransactionDocument,
} from "./generated/graphql";
import { credit, openAccount, tally } from "./support/flows";
import { key, startTestServer, type TestServer } from "./support/harness";
import { databaseDigest, ledgerViolations } from "./support/ledgerInvariant";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterEach(async () => {
  expect(await ledgerViolations(server.sql)).toEqual([]);
});
afterAll(() => server.stop());

const reverse = (transactionId: string, idempotencyKey = key("reverse"), reason?: string) =>
  server.query(ReverseTransactionDocument, { input: { transactionId, idempotencyKey, reason } }).then((d) => d.reverseTransaction);

const account = async (id: string) => (await server.query(AccountByIdDocument, { id })).account!;

describe("reverseTransaction", () => {
  test("a credit is undone by a DEBIT reversal; the original is REVERSED and linked both ways", async () => {
    const opened = await openAccount(server, { deposit: "10" });
    const posted = await credit(server, opened.id, "25.50");
    const result = await reverse(posted.transaction.id, key(), "entered twice");
    expect(result.__typename).toBe("ReverseTransactionSuccess");
    if (result.__typename !== "ReverseTransactionSuccess") return;
    expect(result.replayed).toBe(false);
    expect(result.original).toMatchObject({ id: posted.transaction.id, status: "REVERSED", reversedBy: { id: result.reversal.id } });
    expect(result.reversal).toMatchObject({
      type: "DEBIT",
      kind: "REVERSAL",
      amount: "25.50",
      status: "POSTED",
      balanceAfter: "10.00",
      accountVersion: 3,
      description: "entered twice",
      reversalOf: { id: posted.transaction.id },
    });
    expect(result.account).toMatchObject({ balance: "10.00", version: 3 });
  });

  test("a debit is undone by a CREDIT reversal", async () => {
    const opened = await openAccount(server, { deposit: "10" });
    const debited = (await server.query(DebitDocument, { input: { accountId: opened.id, amount: "4", idempotencyKey: key() } })).debit;
    if (debited.__typename !== "PostingSuccess") throw new Error(debited.__typename);
    const result = await reverse(debited.transaction.id);
    expect(result).toMatchObject({
      __typename: "ReverseTransactionSuccess",
      reversal: { type: "CREDIT", kind: "REVERSAL", amount: "4.00", balanceAfter: "10.00" },
      account: { balance: "10.00", version: 3 },
    });
  });

  test("reversing either leg of a transfer reverses both, atomically", async () => {
    const from = await openAccount(server, { deposit: "100" });
    const to = await openAccount(server, { deposit: "0" });
    const moved = (await server.query(TransferInFullDocument, {
      input: { fromAccountId: from.id, toAccountId: to.id, amount: "30", idempotencyKey: key() },
    })).transfer;
    if (moved.__typename !== "TransferSuccess") throw new Error(moved.__typename);
    const result = await reverse(moved.credit.id);
    expect(result).toMatchObject({
      __typename: "ReverseTransactionSuccess",
      original: { id: moved.credit.id, status: "REVERSED" },
      reversal: { type: "DEBIT", kind: "REVERSAL", amount: "30.00", transferId: moved.transferId },
      account: { id: to.id, balance: "0.00" },
    });
    expect(await account(from.id)).toMatchObject({ balance: "100.00", version: 3 });
    const legs = await server.sql.query("SELECT status, kind FROM transactions WHERE transfer_id = $1 ORDER BY kind, status", [
      moved.transferId,
    ]);
    expect(legs.rows).toEqual([
      { status: "REVERSED", kind: "TRANSFER" },
      { status: "REVERSED", kind: "TRANSFER" },
      { status: "POSTED", kind: "REVERSAL" },
      { status: "POSTED", kind: "REVERSAL" },
    ]);
    expect((await reverse(moved.debit.id)).__typename).toBe("AlreadyReversed");
  });

  test("reversing twice is AlreadyReversed; a reversal cannot itself be reversed", async () => {
    const opened = await openAccount(server, { deposit: "10" });
    const posted = await credit(server, opened.id, "1");
    const first = await reverse(posted.transaction.id);
    expect((await reverse(posted.transaction.id)).__typename).toBe("AlreadyReversed");
    if (first.__typename !== "ReverseTransactionSuccess") throw new Error(first.__typename);
    expect(await reverse(first.reversal.id)).toMatchObject({ __typename: "AlreadyReversed", code: "ALREADY_REVERSED" });
  });

  test("20 concurrent reversals of one posting: exactly one wins", async () => {
    const opened = await openAccount(server, { deposit: "50" });
    const posted = await credit(server, opened.id, "5");
    const results = await Promise.all(Array.from({ length: 20 }, () => reverse(posted.transaction.id)));
    expect(tally(results)).toEqual({ ReverseTransactionSuccess: 1, AlreadyReversed: 19 });
    expect(await account(opened.id)).toMatchObject({ balance: "50.00", version: 3 });
  });

  test("20 concurrent reversals of a transfer through both legs: exactly one wins", async () => {
    const from = await openAccount(server, { deposit: "50" });
    const to = await openAccount(server, { deposit: "50" });
    const moved = (await server.query(TransferInFullDocument, {
      input: { fromAccountId: from.id, toAccountId: to.id, amount: "5", idempotencyKey: key() },
    })).transfer;
    if (moved.__typename !== "TransferSuccess") throw new Error(moved.__typename);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => reverse(i % 2 ? moved.debit.id : moved.credit.id)),
    );
    expect(tally(results)).toEqual({ ReverseTransactionSuccess: 1, AlreadyReversed: 19 });
    expect(await account(from.id)).toMatchObject({ balance: "50.00" });
    expect(await account(to.id)).toMatchObject({ balance: "50.00" });
  });

  test("a reversal that would overdraw is InsufficientFunds and changes nothing", async () => {
    const opened = await openAccount(server, { deposit: "0" });
    const posted = await credit(server, opened.id, "20");
    await server.query(DebitDocument, { input: { accountId: opened.id, amount: "15", idempotencyKey: key() } });
    const before = await databaseDigest(server.sql);
    expect(await reverse(posted.transaction.id)).toMatchObject({
      __typename: "InsufficientFunds",
      accountId: opened.id,
      balance: "5.00",
      requested: "20.00",
    });
    expect(await databaseDigest(server.sql)).toBe(before);
  });

  test("a FROZEN account takes no reversal: AccountNotActive", async () => {
    const opened = await openAccount(server, { deposit: "10" });
    const posted = await credit(server, opened.id, "1");
    await server.query(UpdateAccountDocument, { input: { accountId: opened.id, expectedVersion: 2, status: "FROZEN" } });
    expect(await reverse(posted.transaction.id)).toMatchObject({ __typename: "AccountNotActive", status: "FROZEN" });
  });

  test("an unknown transaction is TransactionNotFound", async () => {
    const id = randomUUID();
    expect(await reverse(id)).toMatchObject({ __typename: "TransactionNotFound", code: "TRANSACTION_NOT_FOUND", transactionId: id });
    expect((await reverse("not-a-uuid")).__typename).toBe("TransactionNotFound");
  });

  test("idempotent: a replay answers the same reversal; the key for another request is IdempotencyKeyReused", async () => {
    const opened = await openAccount(server, { deposit: "10" });
    const one = await credit(server, opened.id, "1");
    const two = await credit(server, opened.id, "2");
    const idempotencyKey = key("rev");
    const first = await reverse(one.transaction.id, idempotencyKey);
    const again = await reverse(one.transaction.id, idempotencyKey);
    expect(again).toMatchObject({ __typename: "ReverseTransactionSuccess", replayed: true });
    if (first.__typename !== "ReverseTransactionSuccess" || again.__typename !== "ReverseTransactionSuccess") return;
    expect(again.reversal.id).toBe(first.reversal.id);
    expect((await reverse(two.transaction.id, idempotencyKey)).__typename).toBe("IdempotencyKeyReused");
    expect((await reverse(one.transaction.id, "")).__typename).toBe("ValidationFailed");
    expect(await account(opened.id)).toMatchObject({ balance: "12.00", version: 4 });
  });
});

describe("updateTransaction", () => {
  test("changes description and metadata only; omitted stays, null clears", async () => {
    const opened = await openAccount(server, { deposit: "10" });
    const posted = (await server.query(CreditDocument, {
      input: { accountId: opened.id, amount: "3", idempotencyKey: key(), description: "before", metadata: { a: 1 } },
    })).credit;
    if (posted.__typename !== "PostingSuccess") throw new Error(posted.__typename);
    const id = posted.transaction.id;
    const update = (input: { description?: string | null; metadata?: Record<string, unknown> | null }) =>
      server.query(UpdateTransactionDocument, { input: { transactionId: id, ...input } }).then((d) => d.updateTransaction);

    expect(await update({ description: "after" })).toMatchObject({
      transaction: { description: "after", metadata: { a: 1 }, amount: "3.00", type: "CREDIT", accountVersion: 2 },
    });
    expect(await update({ metadata: { b: [1, 2] } })).toMatchObject({ transaction: { description: "after", metadata: { b: [1, 2] } } });
    expect(await update({ description: null, metadata: null })).toMatchObject({ transaction: { description: null, metadata: null } });
    expect(await account(opened.id)).toMatchObject({ balance: "13.00", version: 2 });
  });

  test("bad annotations are ValidationFailed, an unknown transaction TransactionNotFound; nothing changes", async () => {
    const opened = await openAccount(server, { deposit: "10" });
    const before = await databaseDigest(server.sql);
    const id = randomUUID();
    const update = (input: Record<string, unknown>) =>
      server.query(UpdateTransactionDocument, { input: { transactionId: id, ...input } }).then((d) => d.updateTransaction);
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i]));
    expect(await update({ metadata: many })).toMatchObject({ __typename: "ValidationFailed" });
    expect(await update({ description: "x".repeat(1001) })).toMatchObject({ __typename: "ValidationFailed" });
    expect(await update({})).toMatchObject({ __typename: "ValidationFailed" });
    expect(await update({ description: "fine" })).toMatchObject({ __typename: "TransactionNotFound", transactionId: id });
    expect(await databaseDigest(server.sql)).toBe(before);
    expect(opened.balance).toBe("10.00");
  });
});
