import {
  AccountByIdDocument,
  AccountHoldsDocument,
  AuthorizeHoldDocument,
  HoldDestinationBalanceDocument,
  CaptureHoldDocument,
  DebitDocument,
  HoldByIdDocument,
  LedgerTotalsDocument,
  ReverseTransactionDocument,
  TransferInFullDocument,
  UpdateAccountDocument,
  VoidHoldDocument,
  type AuthorizeHoldInput,
  type CaptureHoldInput,
} from "./generated/graphql";
import { expireHold } from "./support/clock";
import { openAccount } from "./support/flows";
import { key, startTestServer, type TestServer } from "./support/harness";
import { databaseDigest, ledgerViolations } from "./support/ledgerInvariant";
import { scratchDatabase } from "./support/scratchDatabase";

/*
 * Holds: reserved on the available balance at once, captured (posted) or
 * released (void, expiry), each step idempotent, every change one version.
 * The database's own view is checked after every test.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { HOLD_SWEEP_INTERVAL_MS: "100" } });
});
afterEach(async () => {
  expect(await ledgerViolations(server.sql)).toEqual([]);
});
afterAll(() => server.stop());

const authorize = async (input: Omit<AuthorizeHoldInput, "idempotencyKey"> & { idempotencyKey?: string }) =>
  (await server.query(AuthorizeHoldDocument, { input: { idempotencyKey: key("authorize"), ...input } })).authorizeHold;
const capture = async (input: Omit<CaptureHoldInput, "idempotencyKey"> & { idempotencyKey?: string }) =>
  (await server.query(CaptureHoldDocument, { input: { idempotencyKey: key("capture"), ...input } })).captureHold;
const voidHold = async (holdId: string, idempotencyKey = key("void")) =>
  (await server.query(VoidHoldDocument, { input: { holdId, idempotencyKey } })).voidHold;
const account = async (id: string) => (await server.query(AccountByIdDocument, { id })).account!;
const debit = async (accountId: string, amount: string) =>
  (await server.query(DebitDocument, { input: { accountId, amount, idempotencyKey: key("debit") } })).debit;

async function held(accountId: string, amount: string, extra: Partial<AuthorizeHoldInput> = {}) {
  const result = await authorize({ accountId, amount, ...extra });
  if (result.__typename !== "HoldSuccess") throw new Error(JSON.stringify(result));
  return result;
}

describe("authorizeHold", () => {
  test("reserves on the available balance at once: balance stays, availableBalance drops, the version goes up by one", async () => {
    const opened = await openAccount(server, { deposit: "100" });
    const result = await held(opened.id, "30", { reference: key("AUTH"), description: "card", metadata: { mcc: 5411 } });
    expect(result.hold).toMatchObject({ status: "PENDING", amount: "30.00", capturedAmount: "0.00", remainingAmount: "30.00", description: "card" });
    expect(result.account).toMatchObject({ balance: "100.00", heldBalance: "30.00", availableBalance: "70.00", version: 2 });
    const refused = await debit(opened.id, "70.01");
    expect(refused).toMatchObject({ __typename: "InsufficientFunds", balance: "100.00", available: "70.00", requested: "70.01" });
    expect((await debit(opened.id, "70")).__typename).toBe("PostingSuccess");
  });

  test("never six holds of 1,000 on 5,000: five are made, the sixth is InsufficientFunds and leaves no hold behind", async () => {
    const opened = await openAccount(server, { deposit: "5000" });
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await authorize({ accountId: opened.id, amount: "1000" }));
    expect(results.map((r) => r.__typename)).toEqual([...Array(5).fill("HoldSuccess"), "InsufficientFunds"]);
    expect(results[5]).toMatchObject({ available: "0.00", requested: "1000.00" });
    const { rows } = await server.sql.query("SELECT count(*)::int AS n FROM holds WHERE account_id = $1", [opened.id]);
    expect(rows[0].n).toBe(5);
  });

  test("refusals change nothing: bad input, unknown or inactive account, version, currency", async () => {
    const opened = await openAccount(server, { deposit: "10" });
    const euros = await openAccount(server, { currency: "EUR" });
    const frozen = await openAccount(server, { deposit: "10" });
    await server.query(UpdateAccountDocument, { input: { accountId: frozen.id, expectedVersion: frozen.version, status: "FROZEN" } });
    const before = await databaseDigest(server.sql);
    const soon = new Date(Date.now() + 200).toISOString();
    const late = new Date(Date.now() + 31 * 86_400_000).toISOString();
    expect(await authorize({ accountId: opened.id, amount: "0" })).toMatchObject({ __typename: "ValidationFailed" });
    expect(await authorize({ accountId: opened.id, amount: "1", expiresAt: soon })).toMatchObject({
      __typename: "ValidationFailed",
      violations: [{ path: ["input", "expiresAt"] }],
    });
    expect(await authorize({ accountId: opened.id, amount: "1", expiresAt: late })).toMatchObject({ __typename: "ValidationFailed" });
    expect(await authorize({ accountId: opened.id, amount: "1", destinationAccountId: opened.id })).toMatchObject({ __typename: "ValidationFailed" });
    expect(await authorize({ accountId: "01a00000-0000-7000-8000-000000000000", amount: "1" })).toMatchObject({ __typename: "AccountNotFound" });
    expect(await authorize({ accountId: opened.id, amount: "1", destinationAccountId: "01a00000-0000-7000-8000-000000000000" })).toMatchObject({
      __typename: "AccountNotFound",
    });
    expect(await authorize({ accountId: opened.id, amount: "1", destinationAccountId: euros.id })).toMatchObject({ __typename: "CurrencyMismatch" });
    expect(await authorize({ accountId: frozen.id, amount: "1" })).toMatchObject({ __typename: "AccountNotActive", status: "FROZEN" });
    expect(await authorize({ accountId: opened.id, amount: "1", expectedVersion: 0 })).toMatchObject({ __typename: "VersionConflict", currentVersion: 1 });
    expect(await authorize({ accountId: opened.id, amount: "10.01" })).toMatchObject({ __typename: "InsufficientFunds" });
    expect(await databaseDigest(server.sql)).toBe(before);
  });

  test("a reference is unique among one owner's holds; the same key and request replays, another request is IdempotencyKeyReused", async () => {
    const opened = await openAccount(server, { deposit: "10" });
    const reference = key("HREF");
    const idempotencyKey = key("same");
    const first = await held(opened.id, "1", { reference, idempotencyKey });
    expect(await authorize({ accountId: opened.id, amount: "1", reference, idempotencyKey })).toMatchObject({
      __typename: "HoldSuccess",
      replayed: true,
      hold: { id: first.hold.id },
    });
    expect(await authorize({ accountId: opened.id, amount: "2", reference, idempotencyKey })).toMatchObject({ __typename: "IdempotencyKeyReused" });
    expect(await authorize({ accountId: opened.id, amount: "1", reference })).toMatchObject({ __typename: "ReferenceTaken", reference });
  });
});

describe("captureHold", () => {
  test("with a destination: a TRANSFER entry; all of it by default, closing the hold", async () => {
    const [payer, payee] = [await openAccount(server, { deposit: "100" }), await openAccount(server)];
    const { hold } = await held(payer.id, "40", { destinationAccountId: payee.id });
    const result = await capture({ holdId: hold.id });
    expect(result).toMatchObject({
      __typename: "CaptureHoldSuccess",
      replayed: false,
      hold: { status: "CAPTURED", capturedAmount: "40.00", remainingAmount: "0.00", account: { balance: "60.00", heldBalance: "0.00", version: 3 } },
      debit: { type: "DEBIT", kind: "TRANSFER", amount: "40.00" },
      credit: { type: "CREDIT", kind: "TRANSFER", amount: "40.00" },
      journalEntry: { kind: "TRANSFER" },
    });
    expect(await account(payee.id)).toMatchObject({ balance: "40.00", version: 1 });
    const found = (await server.query(HoldByIdDocument, { id: hold.id })).hold!;
    expect(found.captures.map((t) => t.amount)).toEqual(["40.00"]);
  });

  test("without a destination: a WITHDRAWAL through settlement; partial and final releases the rest", async () => {
    const opened = await openAccount(server, { deposit: "100" });
    const { hold } = await held(opened.id, "50");
    const result = await capture({ holdId: hold.id, amount: "20" });
    expect(result).toMatchObject({
      __typename: "CaptureHoldSuccess",
      hold: { status: "CAPTURED", capturedAmount: "20.00", remainingAmount: "0.00" },
      debit: { kind: "WITHDRAWAL", amount: "20.00" },
      credit: null,
      journalEntry: { kind: "WITHDRAWAL" },
    });
    expect(await account(opened.id)).toMatchObject({ balance: "80.00", heldBalance: "0.00", availableBalance: "80.00" });
    expect(await capture({ holdId: hold.id, amount: "1" })).toMatchObject({ __typename: "HoldNotPending", holdId: hold.id, holdStatus: "CAPTURED" });
  });

  test("non-final captures keep the rest capturable; more than remains is AmountExceedsHold; a capture of all that remains closes it", async () => {
    const opened = await openAccount(server, { deposit: "100" });
    const { hold } = await held(opened.id, "30");
    expect(await capture({ holdId: hold.id, amount: "10", final: false })).toMatchObject({ hold: { status: "PENDING", remainingAmount: "20.00" } });
    expect(await capture({ holdId: hold.id, amount: "25", final: false })).toMatchObject({
      __typename: "AmountExceedsHold",
      requested: "25.00",
      remaining: "20.00",
    });
    expect(await capture({ holdId: hold.id, amount: "20", final: false })).toMatchObject({ hold: { status: "CAPTURED", capturedAmount: "30.00" } });
    expect(await account(opened.id)).toMatchObject({ balance: "70.00", heldBalance: "0.00" });
  });

  test("a retried capture replays with its key; concurrent captures with one key post once", async () => {
    const opened = await openAccount(server, { deposit: "100" });
    const { hold } = await held(opened.id, "30");
    const idempotencyKey = key("one-capture");
    const results = await Promise.all(Array.from({ length: 10 }, () => capture({ holdId: hold.id, amount: "5", final: false, idempotencyKey })));
    expect(new Set(results.map((r) => (r.__typename === "CaptureHoldSuccess" ? r.debit.id : r.__typename))).size).toBe(1);
    expect(results.filter((r) => r.__typename === "CaptureHoldSuccess" && !r.replayed)).toHaveLength(1);
    expect(await account(opened.id)).toMatchObject({ balance: "95.00", heldBalance: "25.00" });
  });

  test("into or from an account that is not ACTIVE: AccountNotActive; reversing a capture never re-opens the hold", async () => {
    const [payer, payee] = [await openAccount(server, { deposit: "100" }), await openAccount(server)];
    const { hold } = await held(payer.id, "10", { destinationAccountId: payee.id });
    const frozen = await server.query(UpdateAccountDocument, { input: { accountId: payee.id, expectedVersion: payee.version, status: "FROZEN" } });
    expect(await capture({ holdId: hold.id })).toMatchObject({ __typename: "AccountNotActive", accountId: payee.id });
    if (frozen.updateAccount.__typename !== "UpdateAccountSuccess") throw new Error(frozen.updateAccount.__typename);
    await server.query(UpdateAccountDocument, { input: { accountId: payee.id, expectedVersion: frozen.updateAccount.account.version, status: "ACTIVE" } });
    const captured = await capture({ holdId: hold.id });
    if (captured.__typename !== "CaptureHoldSuccess") throw new Error(captured.__typename);
    const reversed = (await server.query(ReverseTransactionDocument, { input: { transactionId: captured.debit.id, idempotencyKey: key() } })).reverseTransaction;
    expect(reversed.__typename).toBe("ReverseTransactionSuccess");
    expect((await server.query(HoldByIdDocument, { id: hold.id })).hold).toMatchObject({ status: "CAPTURED" });
    expect(await account(payer.id)).toMatchObject({ balance: "100.00", heldBalance: "0.00" });
  });

  test("an unknown hold, or one on another customer's account, is HoldNotFound", async () => {
    expect(await capture({ holdId: "01a00000-0000-7000-8000-000000000000" })).toMatchObject({ __typename: "HoldNotFound" });
    expect(await capture({ holdId: "not-a-hold" })).toMatchObject({ __typename: "HoldNotFound" });
    const mine = await openAccount(server, { ownerId: "hold-alice", deposit: "10" });
    const { hold } = await held(mine.id, "1");
    const bob = await server.as({ subject: "hold-bob", role: "customer" });
    expect((await bob.query(HoldByIdDocument, { id: hold.id })).hold).toBeNull();
    const alice = await server.as({ subject: "hold-alice", role: "customer" });
    expect((await alice.query(HoldByIdDocument, { id: hold.id })).hold).toMatchObject({ id: hold.id });
    const refused = await alice.request(CaptureHoldDocument, { input: { holdId: hold.id, idempotencyKey: key() } });
    expect(refused.errors?.[0].extensions?.code).toBe("FORBIDDEN");
  });
});

test("a customer sees its own holds, and of a destination that is not its own only the public fields", async () => {
  const mine = await openAccount(server, { ownerId: "hold-carol", deposit: "10" });
  const theirs = await openAccount(server, { ownerId: "hold-dave" });
  const { hold } = await held(mine.id, "2", { destinationAccountId: theirs.id });
  const carol = await server.as({ subject: "hold-carol", role: "customer" });
  expect((await carol.query(HoldByIdDocument, { id: hold.id })).hold).toMatchObject({ destination: { id: theirs.id, accountNumber: theirs.accountNumber } });
  const prying = await carol.request(HoldDestinationBalanceDocument, { id: hold.id });
  expect(prying.errors?.[0]).toMatchObject({ path: ["hold", "destination"], extensions: { code: "FORBIDDEN" } });
  const dave = await server.as({ subject: "hold-dave", role: "customer" });
  expect((await dave.query(HoldByIdDocument, { id: hold.id })).hold).toBeNull();
  expect((await dave.query(AccountHoldsDocument, { id: mine.id })).account).toBeNull();
});

test("each refusal of a capture or a void answers its union member and changes nothing", async () => {
  const [payer, full] = [await openAccount(server, { deposit: "100" }), await openAccount(server)];
  await server.sql.query(
    `SELECT refusal FROM post_entry('DEPOSIT', ARRAY[$1::uuid], ARRAY['CREDIT']::"TransactionType"[], ARRAY[balance_limit() - 100], p_actor => 'test')`,
    [full.id],
  );
  const { hold } = await held(payer.id, "10", { destinationAccountId: full.id });
  const other = await held(payer.id, "5");
  const reference = key("CAPREF");
  const [captureKey, voidKey] = [key("capture"), key("void")];
  expect((await capture({ holdId: other.hold.id, amount: "1", final: false, reference })).__typename).toBe("CaptureHoldSuccess");
  const before = await databaseDigest(server.sql);
  expect(await capture({ holdId: hold.id, amount: "0.001" })).toMatchObject({ __typename: "ValidationFailed", violations: [{ path: ["input", "amount"] }] });
  expect(await capture({ holdId: hold.id })).toMatchObject({ __typename: "BalanceLimitExceeded", accountId: full.id });
  expect(await capture({ holdId: other.hold.id, amount: "1", final: false, reference })).toMatchObject({ __typename: "ReferenceTaken", reference });
  expect(await databaseDigest(server.sql)).toBe(before);
  expect(await capture({ holdId: other.hold.id, amount: "2", final: false, idempotencyKey: captureKey })).toMatchObject({ __typename: "CaptureHoldSuccess" });
  expect(await capture({ holdId: other.hold.id, amount: "1", final: false, idempotencyKey: captureKey })).toMatchObject({
    __typename: "IdempotencyKeyReused",
  });
  expect(await voidHold("01a00000-0000-7000-8000-000000000000")).toMatchObject({ __typename: "HoldNotFound" });
  expect((await server.query(VoidHoldDocument, { input: { holdId: hold.id, idempotencyKey: "" } })).voidHold).toMatchObject({
    __typename: "ValidationFailed",
  });
  const voided = await voidHold(hold.id, voidKey);
  expect(voided.__typename).toBe("HoldSuccess");
  expect(await voidHold(other.hold.id, voidKey)).toMatchObject({ __typename: "IdempotencyKeyReused" });
});

describe("voidHold and expiry", () => {
  test("a void releases what remains, also on a FROZEN account; twice is HoldNotPending", async () => {
    const opened = await openAccount(server, { deposit: "100" });
    const { hold, account: after } = await held(opened.id, "60");
    await server.query(UpdateAccountDocument, { input: { accountId: opened.id, expectedVersion: after.version, status: "FROZEN" } });
    const result = await voidHold(hold.id);
    expect(result).toMatchObject({
      __typename: "HoldSuccess",
      hold: { status: "VOIDED", remainingAmount: "0.00", resolvedAt: expect.any(String) },
      account: { balance: "100.00", heldBalance: "0.00", availableBalance: "100.00", status: "FROZEN", version: 4 },
    });
    expect(await voidHold(hold.id)).toMatchObject({ __typename: "HoldNotPending", holdStatus: "VOIDED" });
  });

  test("the sweeper releases expired holds on its own, one version per account", async () => {
    const opened = await openAccount(server, { deposit: "100" });
    const first = await held(opened.id, "10");
    const second = await held(opened.id, "20");
    // Both at once: a sweep between two separate expiries would release them in two versions.
    await expireHold(server.sql, first.hold.id, second.hold.id);
    const deadline = Date.now() + 30_000;
    let after = await account(opened.id);
    while (after.heldBalance !== "0.00" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      after = await account(opened.id);
    }
    expect(after).toMatchObject({ balance: "100.00", heldBalance: "0.00", version: second.account.version + 1 });
    const listed = (await server.query(AccountHoldsDocument, { id: opened.id, status: "EXPIRED" })).account!.holds.edges;
    expect(listed.map((edge) => edge.node.id).sort()).toEqual([first.hold.id, second.hold.id].sort());
  });
});

test("past expiresAt a hold counts as released at once: a debit may use the money, capture or void is HoldExpired, a frozen account still takes no hold", async () => {
  // A database of its own, and a server whose sweeper waits an hour: here the debit itself must release the hold.
  const database = await scratchDatabase("expiry");
  const quiet = await startTestServer({ databaseUrl: database.url, env: { HOLD_SWEEP_INTERVAL_MS: "3600000" } });
  try {
    const opened = await openAccount(quiet, { deposit: "100" });
    const made = (await quiet.query(AuthorizeHoldDocument, { input: { accountId: opened.id, amount: "100", idempotencyKey: key() } })).authorizeHold;
    if (made.__typename !== "HoldSuccess") throw new Error(made.__typename);
    await expireHold(quiet.sql, made.hold.id);
    expect((await quiet.query(CaptureHoldDocument, { input: { holdId: made.hold.id, idempotencyKey: key() } })).captureHold).toMatchObject({
      __typename: "HoldExpired",
      holdId: made.hold.id,
    });
    expect((await quiet.query(VoidHoldDocument, { input: { holdId: made.hold.id, idempotencyKey: key() } })).voidHold).toMatchObject({
      __typename: "HoldExpired",
    });
    // A FROZEN account takes no new hold, also where an expired one, not yet released, still counts in heldBalance.
    const status = async (status: "FROZEN" | "ACTIVE", expectedVersion: number) =>
      (await quiet.query(UpdateAccountDocument, { input: { accountId: opened.id, expectedVersion, status } })).updateAccount;
    expect(await status("FROZEN", 2)).toMatchObject({ __typename: "UpdateAccountSuccess", account: { version: 3 } });
    const refused = (await quiet.query(AuthorizeHoldDocument, { input: { accountId: opened.id, amount: "1", idempotencyKey: key() } })).authorizeHold;
    expect(refused).toMatchObject({ __typename: "AccountNotActive", status: "FROZEN" });
    expect((await quiet.query(AccountHoldsDocument, { id: opened.id })).account).toMatchObject({ heldBalance: "100.00", holds: { edges: [{}] } });
    expect(await status("ACTIVE", 3)).toMatchObject({ __typename: "UpdateAccountSuccess", account: { version: 4 } });
    const spent = (await quiet.query(DebitDocument, { input: { accountId: opened.id, amount: "100", idempotencyKey: key() } })).debit;
    // The debit released the expired hold in the same write: one version for both.
    expect(spent).toMatchObject({ __typename: "PostingSuccess", account: { balance: "0.00", heldBalance: "0.00", version: 5 } });
    expect((await quiet.query(HoldByIdDocument, { id: made.hold.id })).hold).toMatchObject({ status: "EXPIRED", remainingAmount: "0.00" });
  } finally {
    await quiet.stop();
    await database.drop();
  }
});

test("every hold change writes its event with the account's version: authorized, captured, voided, expired", async () => {
  const opened = await openAccount(server, { deposit: "100" });
  const first = await held(opened.id, "10");
  await capture({ holdId: first.hold.id, amount: "4", final: false });
  await capture({ holdId: first.hold.id, amount: "1", final: false });
  await voidHold(first.hold.id);
  const second = await held(opened.id, "20");
  await expireHold(server.sql, second.hold.id);
  const events = () =>
    server.sql.query(
      `SELECT type, account_version, data -> 'hold' ->> 'status' AS status, data -> 'account' ->> 'held' AS held
         FROM outbox WHERE subject = $1 ORDER BY seq`,
      [opened.id],
    );
  // The sweeper (every 100 ms here) releases the expired hold; on a busy embedded database that can take a while.
  let { rows } = await events();
  for (const deadline = Date.now() + 30_000; rows.length < 10 && Date.now() < deadline; ({ rows } = await events())) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(rows.map((row) => [row.type, row.account_version, row.status, row.held])).toEqual([
    ["solvent.account.opened", 0, null, "0"],
    ["solvent.transaction.posted", 1, null, null],
    ["solvent.hold.authorized", 2, "PENDING", "1000"],
    ["solvent.transaction.posted", 3, null, null],
    ["solvent.hold.captured", 3, "PENDING", "600"],
    ["solvent.transaction.posted", 4, null, null],
    ["solvent.hold.captured", 4, "PENDING", "500"],
    ["solvent.hold.voided", 5, "VOIDED", "0"],
    ["solvent.hold.authorized", 6, "PENDING", "2000"],
    ["solvent.hold.expired", 7, "EXPIRED", "0"],
  ]);
});

test("ledgerTotals counts what holds reserve; transfers and debits see only the available balance", async () => {
  const [from, to] = [await openAccount(server, { deposit: "10" }), await openAccount(server)];
  await held(from.id, "7");
  const moved = (await server.query(TransferInFullDocument, { input: { fromAccountId: from.id, toAccountId: to.id, amount: "4", idempotencyKey: key() } })).transfer;
  expect(moved).toMatchObject({ __typename: "InsufficientFunds", available: "3.00" });
  const { ledgerTotals } = await server.query(LedgerTotalsDocument);
  const usd = ledgerTotals.find((totals) => totals.currency === "USD")!;
  expect(usd.balanced).toBe(true);
  expect(Number(usd.heldBalance)).toBeGreaterThanOrEqual(7);
});
