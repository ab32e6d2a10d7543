import {
  AccountByIdDocument,
  DebitDocument,
  EntryOfTransactionDocument,
  JournalEntryByIdDocument,
  LedgerTotalsDocument,
  OpenAccountDocument,
  PostJournalEntryDocument,
  ReverseTransactionDocument,
  TransferInFullDocument,
  UpdateAccountDocument,
  type JournalLineInput,
  type PostJournalEntryInput,
} from "./generated/graphql";
import { credit, openAccount } from "./support/flows";
import { key, startTestServer, type TestServer } from "./support/harness";
import { databaseDigest, ledgerViolations } from "./support/ledgerInvariant";
import { statementCounts } from "./support/statements";

/*
 * The double-entry journal: every movement is one entry whose lines and
 * settlement line sum to zero; postJournalEntry posts entries of any shape;
 * reversing a line reverses its whole entry; ledgerTotals shows the global
 * invariant. The database's own view is checked after every test.
 */

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterEach(async () => {
  expect(await ledgerViolations(server.sql)).toEqual([]);
});
afterAll(() => server.stop());

async function openInternal(currency = "USD") {
  const data = await server.query(OpenAccountDocument, {
    input: { customerName: "Card fees", type: "INTERNAL", currency, idempotencyKey: key("internal") },
  });
  if (data.openAccount.__typename !== "OpenAccountSuccess") throw new Error(JSON.stringify(data.openAccount));
  return data.openAccount.account;
}

const post = async (lines: JournalLineInput[], extra: Partial<PostJournalEntryInput> = {}) =>
  (await server.query(PostJournalEntryDocument, { input: { lines, idempotencyKey: key("entry"), ...extra } })).postJournalEntry;

const balance = async (id: string) => (await server.query(AccountByIdDocument, { id })).account!.balance;

/** Payer DEBIT 10.30, payee CREDIT 10.00, fees CREDIT 0.30. */
async function paymentWithFee(payerDeposit = "100") {
  const [payer, payee, fees] = [await openAccount(server, { deposit: payerDeposit }), await openAccount(server), await openInternal()];
  const lines: JournalLineInput[] = [
    { accountId: payer.id, type: "DEBIT", amount: "10.30" },
    { accountId: payee.id, type: "CREDIT", amount: "10.00" },
    { accountId: fees.id, type: "CREDIT", amount: "0.30" },
  ];
  return { payer, payee, fees, lines };
}

describe("every movement is a balanced entry", () => {
  test("a credit brings money in through settlement, a debit takes it out, a transfer stays inside", async () => {
    const account = await openAccount(server, { deposit: "5" });
    const other = await openAccount(server);
    const credited = await credit(server, account.id, "20");
    const debited = (await server.query(DebitDocument, { input: { accountId: account.id, amount: "7.50", idempotencyKey: key() } })).debit;
    if (debited.__typename !== "PostingSuccess") throw new Error(debited.__typename);
    const moved = (await server.query(TransferInFullDocument, {
      input: { fromAccountId: account.id, toAccountId: other.id, amount: "2", idempotencyKey: key() },
    })).transfer;
    if (moved.__typename !== "TransferSuccess") throw new Error(moved.__typename);

    const entryOf = async (id: string) => (await server.query(EntryOfTransactionDocument, { id })).transaction!.journalEntry;
    expect(await entryOf(credited.transaction.id)).toMatchObject({
      kind: "DEPOSIT",
      currency: "USD",
      settlement: { direction: "INFLOW", amount: "20.00" },
      transactions: [{ id: credited.transaction.id, type: "CREDIT", amount: "20.00" }],
    });
    expect(await entryOf(debited.transaction.id)).toMatchObject({
      kind: "WITHDRAWAL",
      settlement: { direction: "OUTFLOW", amount: "7.50" },
      transactions: [{ id: debited.transaction.id, type: "DEBIT" }],
    });
    const transfer = await entryOf(moved.debit.id);
    expect(transfer).toMatchObject({ id: moved.transferId, kind: "TRANSFER", settlement: null });
    expect(transfer.transactions.map((t) => t.id).sort()).toEqual([moved.debit.id, moved.credit.id].sort());
  });

  test("an opening deposit is an entry too: the account opens at version 0 and the deposit makes version 1", async () => {
    const account = await openAccount(server, { deposit: "12.34" });
    expect(account).toMatchObject({ balance: "12.34", version: 1 });
    const { rows } = await server.sql.query(
      `SELECT e.kind, e.settlement FROM journal_entries e JOIN transactions t ON t.journal_entry_id = e.id WHERE t.account_id = $1`,
      [account.id],
    );
    expect(rows).toEqual([{ kind: "DEPOSIT", settlement: "1234" }]);
  });
});

describe("postJournalEntry", () => {
  test("a payment with a fee is one entry of three lines, all or nothing, and a retry replays it", async () => {
    const { payer, payee, fees, lines } = await paymentWithFee();
    const idempotencyKey = key("fee");
    const result = await post(lines, { idempotencyKey, reference: key("PAY"), description: "Card payment", metadata: { order: 7 } });
    if (result.__typename !== "PostJournalEntrySuccess") throw new Error(JSON.stringify(result));
    expect(result.replayed).toBe(false);
    const entry = result.journalEntry;
    expect(entry).toMatchObject({ kind: "TRANSFER", currency: "USD", settlement: null });
    expect(entry.transactions).toHaveLength(3);
    for (const line of entry.transactions) {
      expect(line).toMatchObject({ kind: "TRANSFER", status: "POSTED", description: "Card payment", transferId: entry.id });
    }
    expect(entry.transactions.filter((line) => line.reference !== null)).toHaveLength(1);
    expect([await balance(payer.id), await balance(payee.id), await balance(fees.id)]).toEqual(["89.70", "10.00", "0.30"]);

    const replayed = await post(lines, { idempotencyKey, reference: entry.transactions.find((t) => t.reference)!.reference, description: "Card payment", metadata: { order: 7 } });
    expect(replayed).toMatchObject({ __typename: "PostJournalEntrySuccess", replayed: true, journalEntry: { id: entry.id } });
    expect(await post(lines, { idempotencyKey, description: "Another payment" })).toMatchObject({
      __typename: "IdempotencyKeyReused",
    });
    expect(await balance(payer.id)).toBe("89.70");
    expect((await server.query(JournalEntryByIdDocument, { id: entry.id })).journalEntry).toEqual(entry);
  });

  test("an entry lists its lines in the order they were given, when posted and when read again", async () => {
    // Lines written in the same millisecond used to come back in any order (their ids differed only in random bits).
    const accounts = await Promise.all([1, 2, 3, 4, 5].map(() => openAccount(server, { deposit: "100" })));
    const types = ["CREDIT", "DEBIT", "CREDIT", "DEBIT", "CREDIT"] as const;
    const amounts = ["1.00", "2.00", "1.00", "1.00", "1.00"];
    for (let round = 0; round < 8; round++) {
      const order = round % 2 === 0 ? accounts : [...accounts].reverse();
      const lines = order.map((account, i) => ({ accountId: account.id, type: types[i], amount: amounts[i] }));
      const posted = await post(lines);
      if (posted.__typename !== "PostJournalEntrySuccess") throw new Error(JSON.stringify(posted));
      expect(posted.journalEntry.transactions.map((t) => [t.account.id, t.type])).toEqual(lines.map((l) => [l.accountId, l.type]));
      const read = (await server.query(JournalEntryByIdDocument, { id: posted.journalEntry.id })).journalEntry!;
      expect(read.transactions.map((t) => t.id)).toEqual(posted.journalEntry.transactions.map((t) => t.id));
    }
  });

  test("the answer's lines and accounts are the write's own: nothing is read again to answer", async () => {
    const { lines } = await paymentWithFee();
    expect((await post(lines)).__typename).toBe("PostJournalEntrySuccess"); // the accounts' currencies are known from here on
    const before = await statementCounts(server);
    const result = await post(lines.map((line, i) => ({ ...line, amount: ["1.30", "1.00", "0.30"][i] })));
    const after = await statementCounts(server);
    if (result.__typename !== "PostJournalEntrySuccess") throw new Error(JSON.stringify(result));
    const sent = [...after].filter(([name, count]) => count !== (before.get(name) ?? 0)).map(([name]) => name);
    expect(sent).toContain("post_entries");
    // No read of the lines or accounts back (the hold sweeper's own statement may run meanwhile).
    expect(sent.filter((name) => name.startsWith("select_"))).toEqual([]);
    expect(result.journalEntry.transactions.map((t) => [t.account.id, t.amount, t.balanceAfter])).toEqual([
      [lines[0].accountId, "1.30", "88.40"],
      [lines[1].accountId, "1.00", "11.00"],
      [lines[2].accountId, "0.30", "0.60"],
    ]);
    expect((await server.query(JournalEntryByIdDocument, { id: result.journalEntry.id })).journalEntry).toEqual(result.journalEntry);
  });

  test("each refusal answers its union member and changes nothing", async () => {
    const { payer, payee, fees, lines } = await paymentWithFee("10");
    const euros = await openAccount(server, { currency: "EUR", deposit: "1" });
    const frozen = await openAccount(server, { deposit: "50" });
    await server.query(UpdateAccountDocument, { input: { accountId: frozen.id, expectedVersion: frozen.version, status: "FROZEN" } });
    const full = await openAccount(server);
    await server.sql.query(`UPDATE accounts SET balance = balance_limit() - 5 WHERE id = $1`, [full.id]);
    // The test made that balance out of nothing: an entry brings the ledger back in balance.
    await server.sql.query(`
      WITH e AS (INSERT INTO journal_entries (id, kind, currency, settlement, actor) VALUES (uuid_v7(), 'DEPOSIT', 'USD', balance_limit() - 5, 'test') RETURNING id)
      INSERT INTO transactions (id, account_id, type, kind, amount, balance_after, account_version, actor, journal_entry_id)
      SELECT uuid_v7(), $1, 'CREDIT', 'DEPOSIT', balance_limit() - 5, balance_limit() - 5, 1, 'test', e.id FROM e`, [full.id]);
    await server.sql.query(`UPDATE accounts SET version = 1 WHERE id = $1`, [full.id]);
    const before = await databaseDigest(server.sql);

    const [debit, ...credits] = lines;
    const cases: Array<[string, JournalLineInput[], Record<string, unknown>]> = [
      ["EntryNotBalanced", [debit, credits[0]], { debits: "10.30", credits: "10.00" }],
      ["InsufficientFunds", lines, { accountId: payer.id, balance: "10.00", available: "10.00", requested: "10.30" }],
      ["ValidationFailed", [debit], { violations: [expect.objectContaining({ path: ["input", "lines"] })] }],
      ["ValidationFailed", Array.from({ length: 51 }, () => debit), { violations: [expect.objectContaining({ path: ["input", "lines"] })] }],
      ["ValidationFailed", [{ ...debit, amount: "10" }, { ...credits[0], accountId: payer.id }], {
        violations: [expect.objectContaining({ path: ["input", "lines", "1", "accountId"] })],
      }],
      ["ValidationFailed", [{ ...debit, amount: "0.001" }, credits[0]], { violations: [expect.objectContaining({ path: ["input", "lines", "0", "amount"] })] }],
      ["AccountNotFound", [debit, { ...credits[0], accountId: "01a00000-0000-7000-8000-000000000000" }], { accountId: "01a00000-0000-7000-8000-000000000000" }],
      ["CurrencyMismatch", [debit, { ...credits[0], accountId: euros.id, amount: "10.30" }], { fromCurrency: "USD", toCurrency: "EUR" }],
      ["AccountNotActive", [{ ...debit, accountId: frozen.id }, { ...credits[0], amount: "10.30" }], { accountId: frozen.id, status: "FROZEN" }],
      ["VersionConflict", [{ ...debit, amount: "1", expectedVersion: 0 }, { ...credits[1], amount: "1" }], { accountId: payer.id, expectedVersion: 0, currentVersion: 1 }],
      ["BalanceLimitExceeded", [{ ...debit, amount: "0.10" }, { accountId: full.id, type: "CREDIT", amount: "0.10" }], { accountId: full.id }],
    ];
    for (const [member, entryLines, fields] of cases) {
      expect(await post(entryLines)).toMatchObject({ __typename: member, ...fields });
    }
    expect(await databaseDigest(server.sql)).toBe(before);
    expect([await balance(payee.id), await balance(fees.id)]).toEqual(["0.00", "0.00"]);
  });

  test("a reference is unique per owner: the second entry with it is ReferenceTaken", async () => {
    const { lines } = await paymentWithFee();
    const reference = key("REF");
    expect((await post(lines, { reference })).__typename).toBe("PostJournalEntrySuccess");
    expect(await post(lines, { reference })).toMatchObject({ __typename: "ReferenceTaken", reference });
  });

  test("only admins post entries and read the totals", async () => {
    const { lines } = await paymentWithFee();
    for (const role of ["teller", "customer"] as const) {
      const client = await server.as({ subject: `journal-${role}`, role });
      const posted = await client.request(PostJournalEntryDocument, { input: { lines, idempotencyKey: key() } });
      expect(posted.errors?.[0].extensions?.code).toBe("FORBIDDEN");
      const totals = await client.request(LedgerTotalsDocument);
      expect(totals.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    }
  });
});

describe("reversals reverse whole entries", () => {
  test("reversing the fee line reverses all three lines in one REVERSAL entry", async () => {
    const { payer, payee, fees, lines } = await paymentWithFee();
    const posted = await post(lines);
    if (posted.__typename !== "PostJournalEntrySuccess") throw new Error(posted.__typename);
    const feeLine = posted.journalEntry.transactions.find((t) => t.account.id === fees.id)!;
    const reversed = (await server.query(ReverseTransactionDocument, { input: { transactionId: feeLine.id, idempotencyKey: key() } })).reverseTransaction;
    expect(reversed).toMatchObject({
      __typename: "ReverseTransactionSuccess",
      original: { id: feeLine.id, status: "REVERSED" },
      reversal: { type: "DEBIT", kind: "REVERSAL", amount: "0.30" },
      account: { id: fees.id, balance: "0.00" },
    });
    if (reversed.__typename !== "ReverseTransactionSuccess") return;
    const entry = (await server.query(EntryOfTransactionDocument, { id: reversed.reversal.id })).transaction!.journalEntry;
    expect(entry).toMatchObject({ kind: "REVERSAL", settlement: null });
    expect(entry.transactions.map((t) => [t.account.id, t.type, t.amount]).sort()).toEqual(
      [[payer.id, "CREDIT", "10.30"], [payee.id, "DEBIT", "10.00"], [fees.id, "DEBIT", "0.30"]].sort(),
    );
    const original = (await server.query(JournalEntryByIdDocument, { id: posted.journalEntry.id })).journalEntry!;
    expect(original.transactions.map((t) => t.status)).toEqual(["REVERSED", "REVERSED", "REVERSED"]);
    expect([await balance(payer.id), await balance(payee.id)]).toEqual(["100.00", "0.00"]);
  });

  test("reversing a deposit reverses its settlement line: money leaves the ledger again", async () => {
    const account = await openAccount(server, { deposit: "1" });
    const posted = await credit(server, account.id, "9");
    const reversed = (await server.query(ReverseTransactionDocument, { input: { transactionId: posted.transaction.id, idempotencyKey: key() } })).reverseTransaction;
    if (reversed.__typename !== "ReverseTransactionSuccess") throw new Error(reversed.__typename);
    const entry = (await server.query(EntryOfTransactionDocument, { id: reversed.reversal.id })).transaction!.journalEntry;
    expect(entry).toMatchObject({ kind: "REVERSAL", settlement: { direction: "OUTFLOW", amount: "9.00" } });
  });
});

describe("internal accounts and totals", () => {
  test("an INTERNAL account has no owner and stays INTERNAL", async () => {
    const refused = await server.query(OpenAccountDocument, {
      input: { ownerId: "alice", customerName: "Fees", type: "INTERNAL", idempotencyKey: key() },
    });
    expect(refused.openAccount).toMatchObject({ __typename: "ValidationFailed", violations: [{ path: ["input", "ownerId"] }] });
    const fees = await openInternal();
    expect(fees).toMatchObject({ type: "INTERNAL", ownerId: null });
    const changed = await server.query(UpdateAccountDocument, { input: { accountId: fees.id, expectedVersion: fees.version, type: "CHECKING" } });
    expect(changed.updateAccount).toMatchObject({ __typename: "ValidationFailed", violations: [{ path: ["input", "type"] }] });
    const customer = await openAccount(server);
    const becoming = await server.query(UpdateAccountDocument, { input: { accountId: customer.id, expectedVersion: customer.version, type: "INTERNAL" } });
    expect(becoming.updateAccount).toMatchObject({ __typename: "ValidationFailed", violations: [{ path: ["input", "type"] }] });
  });

  test("ledgerTotals: per currency, account balances equal the net inflow", async () => {
    await openAccount(server, { currency: "JPY", deposit: "500" });
    const { ledgerTotals } = await server.query(LedgerTotalsDocument);
    expect(ledgerTotals.map((t) => t.currency)).toEqual(expect.arrayContaining(["USD", "EUR", "JPY"]));
    for (const totals of ledgerTotals) {
      expect(totals).toMatchObject({ balanced: true, netInflow: totals.accountBalances });
    }
  });
});

describe("what a customer sees of an entry", () => {
  test("only its own lines: another's entry is no entry at all", async () => {
    const alice = await openAccount(server, { ownerId: "journal-alice", deposit: "50" });
    const bob = await openAccount(server, { ownerId: "journal-bob" });
    const moved = (await server.query(TransferInFullDocument, { input: { fromAccountId: alice.id, toAccountId: bob.id, amount: "5", idempotencyKey: key() } })).transfer;
    if (moved.__typename !== "TransferSuccess") throw new Error(moved.__typename);
    const asAlice = await server.as({ subject: "journal-alice", role: "customer" });
    const seen = await asAlice.query(JournalEntryByIdDocument, { id: moved.transferId });
    expect(seen.journalEntry!.transactions.map((t) => t.id)).toEqual([moved.debit.id]);
    const asCarol = await server.as({ subject: "journal-carol", role: "customer" });
    expect((await asCarol.query(JournalEntryByIdDocument, { id: moved.transferId })).journalEntry).toBeNull();
    expect((await server.query(JournalEntryByIdDocument, { id: moved.transferId })).journalEntry!.transactions).toHaveLength(2);
  });
});
