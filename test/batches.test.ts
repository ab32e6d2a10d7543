import {
  AccountByIdDocument,
  AuthorizeHoldDocument,
  CaptureHoldDocument,
  DebitDocument,
  ReverseTransactionDocument,
  TransferInFullDocument,
  VoidHoldDocument,
} from "./generated/graphql";
import { openAccount, postingCount, tally } from "./support/flows";
import { key, startTestServer, type TestServer } from "./support/harness";
import { ledgerViolations } from "./support/ledgerInvariant";
import { minorUnits, money } from "./support/money";
import { statementCounts } from "./support/statements";

/*
 * Writes go to the database in batches (src/ledger/journal.ts, post_entries):
 * with one write statement at a time, every write that arrives while one runs
 * waits and goes in the next, so concurrent requests here share statements
 * and transactions. Each entry must still be answered as if it were alone.
 */
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ env: { DB_WRITE_CONCURRENCY: "2" } });
});
afterEach(async () => {
  expect(await ledgerViolations(server.sql)).toEqual([]);
});
afterAll(() => server.stop());

const debit = (accountId: string, amount: string, idempotencyKey = key("debit"), reference?: string) =>
  server.query(DebitDocument, { input: { accountId, amount, idempotencyKey, reference } }).then((r) => r.debit);
const balanceOf = async (id: string) => (await server.query(AccountByIdDocument, { id })).account!;

/** How many write statements the server has sent. */
const writeStatements = async () => (await statementCounts(server)).get("post_entries") ?? 0;

const deadlocks = async () =>
  Number((await server.sql.query("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")).rows[0].deadlocks);

test("40 concurrent debits on 40 accounts: all written, in fewer statements than writes", async () => {
  const accounts = await Promise.all(Array.from({ length: 40 }, () => openAccount(server, { deposit: "10.00" })));
  const before = await writeStatements();
  const results = await Promise.all(accounts.map((account) => debit(account.id, "2.50")));
  const statements = (await writeStatements()) - before;
  expect(tally(results)).toEqual({ PostingSuccess: 40 });
  expect(statements).toBeGreaterThan(0);
  expect(statements).toBeLessThan(40);
  for (const account of accounts) expect(await balanceOf(account.id)).toMatchObject({ balance: "7.50", version: 2 });
});

test("a refused entry in a batch writes nothing, the others of the batch are written", async () => {
  const rich = await Promise.all(Array.from({ length: 10 }, () => openAccount(server, { deposit: "5.00" })));
  const poor = await Promise.all(Array.from({ length: 10 }, () => openAccount(server, { deposit: "1.00" })));
  const results = await Promise.all([...rich, ...poor].map((account) => debit(account.id, "3.00")));
  expect(tally(results.slice(0, 10))).toEqual({ PostingSuccess: 10 });
  expect(tally(results.slice(10))).toEqual({ InsufficientFunds: 10 });
  for (const account of rich) expect(await balanceOf(account.id)).toMatchObject({ balance: "2.00", version: 2 });
  for (const account of poor) expect(await balanceOf(account.id)).toMatchObject({ balance: "1.00", version: 1 });
});

test("the same idempotency key twice in a batch: one posting, every answer the same success", async () => {
  const account = await openAccount(server, { deposit: "100.00" });
  const others = await Promise.all(Array.from({ length: 10 }, () => openAccount(server, { deposit: "100.00" })));
  const shared = key("shared");
  const results = await Promise.all([
    ...others.map((other) => debit(other.id, "1.00")),
    ...Array.from({ length: 10 }, () => debit(account.id, "1.00", shared)),
  ]);
  expect(tally(results)).toEqual({ PostingSuccess: 20 });
  const sharedAnswers = results.slice(10).map((r) => (r.__typename === "PostingSuccess" ? r.transaction.id : r.__typename));
  expect(new Set(sharedAnswers).size).toBe(1);
  expect(await postingCount(server, account.id)).toBe(2);
  expect(await balanceOf(account.id)).toMatchObject({ balance: "99.00", version: 2 });
  // The batch that held both was refused as a whole and its entries written one by one: the others too, once each.
  for (const other of others) expect(await balanceOf(other.id)).toMatchObject({ balance: "99.00", version: 2 });
});

// The last two requests sent wait together while the first ones are written.
test("two entries with the same reference in a batch: one written, the other ReferenceTaken, the rest of the batch written", async () => {
  const accounts = await Promise.all(Array.from({ length: 20 }, () => openAccount(server, { deposit: "10.00" })));
  for (let round = 0; round < 3; round++) {
    const reference = key("reference");
    const results = await Promise.all(accounts.map((account, i) => debit(account.id, "1.00", key("debit"), i >= 18 ? reference : undefined)));
    expect(tally(results.slice(18))).toEqual({ PostingSuccess: 1, ReferenceTaken: 1 });
    expect(tally(results.slice(0, 18))).toEqual({ PostingSuccess: 18 });
  }
  for (const account of accounts.slice(0, 18)) expect(await balanceOf(account.id)).toMatchObject({ balance: "7.00", version: 4 });
});

test("transfers both ways, captures, voids and reversals in the same batches: no deadlock, every answer a success", async () => {
  const accounts = await Promise.all(Array.from({ length: 6 }, () => openAccount(server, { deposit: "1000.00" })));
  const ids = accounts.map((a) => a.id);
  const holds = await Promise.all(
    Array.from({ length: 12 }, async (_, i) => {
      const hold = await server.query(AuthorizeHoldDocument, {
        input: { accountId: ids[i % 6], amount: "5.00", idempotencyKey: key("authorize"), destinationAccountId: ids[(i + 1) % 6] },
      });
      if (hold.authorizeHold.__typename !== "HoldSuccess") throw new Error(hold.authorizeHold.__typename);
      return hold.authorizeHold.hold.id;
    }),
  );
  const first = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      server.query(TransferInFullDocument, { input: { fromAccountId: ids[i % 6], toAccountId: ids[(i + 3) % 6], amount: "1.00", idempotencyKey: key("transfer") } }),
    ),
  );
  const reversible = first.map((r) => (r.transfer.__typename === "TransferSuccess" ? r.transfer.debit.id : ""));
  const transfers = () =>
    // Each pair of accounts both ways: entries that lock them in opposite order if each locked its own as it came.
    Array.from({ length: 60 }, (_, i) =>
      server
        .query(TransferInFullDocument, {
          input: { fromAccountId: ids[i % 6], toAccountId: ids[(i + 1 + (i % 5)) % 6], amount: "0.50", idempotencyKey: key("transfer") },
        })
        .then((r) => r.transfer.__typename),
    );
  const before = await deadlocks();
  const answers = await Promise.all([
    ...transfers(),
    ...holds.map((holdId, i) =>
      (i % 2 === 0
        ? server.query(CaptureHoldDocument, { input: { holdId, idempotencyKey: key("capture") } }).then((r) => r.captureHold.__typename)
        : server.query(VoidHoldDocument, { input: { holdId, idempotencyKey: key("void") } }).then((r) => r.voidHold.__typename)),
    ),
    ...reversible.map((transactionId) =>
      server.query(ReverseTransactionDocument, { input: { transactionId, idempotencyKey: key("reversal") } }).then((r) => r.reverseTransaction.__typename),
    ),
  ]);
  for (let round = 0; round < 4; round++) answers.push(...(await Promise.all(transfers())));
  expect(tally(answers.map((__typename) => ({ __typename })))).toEqual({
    TransferSuccess: 300,
    CaptureHoldSuccess: 6,
    HoldSuccess: 6,
    ReverseTransactionSuccess: 12,
  });
  // A deadlock would not show in the answers (the write is retried): PostgreSQL counts them.
  expect((await deadlocks()) - before).toBe(0);
  // Money only moved among the six (the captures too: each hold's destination is one of them).
  const balances = await Promise.all(ids.map(async (id) => minorUnits((await balanceOf(id)).balance)));
  expect(money(balances.reduce((a, b) => a + b, 0n))).toBe("6000.00");
});
