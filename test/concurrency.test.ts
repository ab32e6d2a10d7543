import {
  AccountByIdDocument,
  CloseAccountDocument,
  CreditDocument,
  AuthorizeHoldDocument,
  CaptureHoldDocument,
  DebitDocument,
  OpenAccountDocument,
  VoidHoldDocument,
  PostJournalEntryDocument,
  ReverseTransactionDocument,
  StatementPageDocument,
  TransferInFullDocument,
  UpdateAccountDocument,
  type StatementPageQuery,
} from "./generated/graphql";
import { eventually } from "./support/events";
import { credit, openAccount, tally } from "./support/flows";
import { key, onPostgres, startTestServer, testDatabaseUrl, type TestServer } from "./support/harness";
import { ledgerViolations } from "./support/ledgerInvariant";
import { minorUnits } from "./support/money";

/*
 * Races over real HTTP against one server, as clients would make them. In CI
 * the database is the real PostgreSQL (TEST_DATABASE_URL); after every test
 * the ledger invariant must hold.
 */
let server: TestServer;

beforeAll(async () => {
  // The sweeper runs often, so that it races the requests.
  server = await startTestServer({ env: { HOLD_SWEEP_INTERVAL_MS: "50" } });
  if (process.env.CI && !onPostgres()) throw new Error("CI must run the concurrency tests on PostgreSQL");
});
afterEach(async () => {
  expect(await ledgerViolations(server.sql)).toEqual([]);
});
afterAll(() => server.stop());

const debit = (accountId: string, amount: string, extra: { expectedVersion?: number; idempotencyKey?: string } = {}) =>
  server.query(DebitDocument, { input: { accountId, amount, idempotencyKey: extra.idempotencyKey ?? key("debit"), expectedVersion: extra.expectedVersion } });

const balanceOf = async (id: string) => (await server.query(AccountByIdDocument, { id })).account!;

const postingCount = async (accountId: string) =>
  Number((await server.sql.query("SELECT count(*) FROM transactions WHERE account_id = $1", [accountId])).rows[0].count);

test("double spend: 20 concurrent debits of the whole balance, exactly one wins", async () => {
  const account = await openAccount(server, { deposit: "100.00" });
  const results = await Promise.all(Array.from({ length: 20 }, () => debit(account.id, "100.00")));
  expect(tally(results.map((r) => r.debit))).toEqual({ PostingSuccess: 1, InsufficientFunds: 19 });
  for (const r of results) {
    if (r.debit.__typename === "InsufficientFunds") expect(r.debit).toMatchObject({ balance: "0.00", requested: "100.00" });
  }
  expect((await balanceOf(account.id)).balance).toBe("0.00");
  expect(await postingCount(account.id)).toBe(2);
});

test("50 concurrent debits of 2 on 100 all apply: balance 0, versions 1..51 each used once", async () => {
  const account = await openAccount(server, { deposit: "100" });
  const results = await Promise.all(Array.from({ length: 50 }, () => debit(account.id, "2")));
  expect(tally(results.map((r) => r.debit))).toEqual({ PostingSuccess: 50 });
  const after = await balanceOf(account.id);
  expect(after).toMatchObject({ balance: "0.00", version: 51 });
  const versions = await server.sql.query(
    "SELECT account_version FROM transactions WHERE account_id = $1 ORDER BY account_version",
    [account.id],
  );
  expect(versions.rows.map((r) => r.account_version)).toEqual(Array.from({ length: 51 }, (_, i) => i + 1));
});

test("10 concurrent debits with the same expectedVersion: one applies, nine get VersionConflict with the current version", async () => {
  const account = await openAccount(server, { deposit: "100" });
  const results = await Promise.all(
    Array.from({ length: 10 }, () => debit(account.id, "1", { expectedVersion: account.version })),
  );
  expect(tally(results.map((r) => r.debit))).toEqual({ PostingSuccess: 1, VersionConflict: 9 });
  for (const r of results) {
    if (r.debit.__typename === "VersionConflict") {
      expect(r.debit).toMatchObject({ accountId: account.id, expectedVersion: 1, currentVersion: 2, currentBalance: "99.00" });
    }
  }
  expect(await balanceOf(account.id)).toMatchObject({ balance: "99.00", version: 2 });
});

test("updateAccount and closeAccount expecting the version a concurrent debit makes: applied after it or VersionConflict before it, never an error", async () => {
  // The debit can commit between the change finding the account at the version before and
  // looking why it matched no row (found by the ledger model test): the look then finds the
  // expected version, and the change must be tried again, not fail.
  for (let round = 0; round < 40; round++) {
    const [named, emptied] = await Promise.all([openAccount(server, { deposit: "1.00" }), openAccount(server, { deposit: "1.00" })]);
    const [, updated, , closed] = await Promise.all([
      debit(named.id, "1.00"),
      server.request(UpdateAccountDocument, { input: { accountId: named.id, expectedVersion: named.version + 1, customerName: `Round ${round}` } }),
      debit(emptied.id, "1.00"),
      server.request(CloseAccountDocument, { input: { accountId: emptied.id, expectedVersion: emptied.version + 1 } }),
    ]);
    expect([updated.errors, closed.errors]).toEqual([undefined, undefined]);
    const [update, close] = [updated.data!.updateAccount, closed.data!.closeAccount];
    expect(["UpdateAccountSuccess", "VersionConflict"]).toContain(update.__typename);
    expect(["CloseAccountSuccess", "VersionConflict"]).toContain(close.__typename);
    const applied = (result: { __typename: string }) => (result.__typename.endsWith("Success") ? 1 : 0);
    expect(await balanceOf(named.id)).toMatchObject({ balance: "0.00", version: 2 + applied(update) });
    expect(await balanceOf(emptied.id)).toMatchObject({
      balance: "0.00",
      version: 2 + applied(close),
      status: close.__typename === "CloseAccountSuccess" ? "CLOSED" : "ACTIVE",
    });
  }
});

describe("idempotency", () => {
  test("a replay returns the same transaction, replayed: true, and posts nothing", async () => {
    const account = await openAccount(server, { deposit: "50" });
    const idempotencyKey = key("replay");
    const first = (await debit(account.id, "20", { idempotencyKey })).debit;
    const again = (await debit(account.id, "20", { idempotencyKey })).debit;
    expect(first.__typename).toBe("PostingSuccess");
    expect(again.__typename).toBe("PostingSuccess");
    if (first.__typename !== "PostingSuccess" || again.__typename !== "PostingSuccess") return;
    expect(first.replayed).toBe(false);
    expect(again.replayed).toBe(true);
    expect(again.transaction.id).toBe(first.transaction.id);
    expect((await balanceOf(account.id)).balance).toBe("30.00");
    expect(await postingCount(account.id)).toBe(2);
  });

  test("the same key for a different request is IdempotencyKeyReused and changes nothing", async () => {
    const account = await openAccount(server, { deposit: "50" });
    const idempotencyKey = key("reuse");
    await debit(account.id, "20", { idempotencyKey });
    const other = (await debit(account.id, "21", { idempotencyKey })).debit;
    expect(other).toMatchObject({ __typename: "IdempotencyKeyReused", code: "IDEMPOTENCY_KEY_REUSED", idempotencyKey });
    const asCredit = (await server.query(CreditDocument, { input: { accountId: account.id, amount: "20", idempotencyKey } })).credit;
    expect(asCredit.__typename).toBe("IdempotencyKeyReused");
    expect((await balanceOf(account.id)).balance).toBe("30.00");
  });

  test("20 concurrent requests with one key make exactly one posting", async () => {
    const account = await openAccount(server, { deposit: "100" });
    const idempotencyKey = key("same");
    const results = await Promise.all(Array.from({ length: 20 }, () => debit(account.id, "7", { idempotencyKey })));
    const successes = results.map((r) => r.debit).filter((r) => r.__typename === "PostingSuccess");
    expect(successes).toHaveLength(20);
    expect(new Set(successes.map((r) => r.__typename === "PostingSuccess" && r.transaction.id)).size).toBe(1);
    expect(successes.filter((r) => r.__typename === "PostingSuccess" && !r.replayed)).toHaveLength(1);
    expect((await balanceOf(account.id)).balance).toBe("93.00");
    expect(await postingCount(account.id)).toBe(2);
  });

  test("a rejected attempt does not consume the key: the retry with the same key succeeds", async () => {
    const account = await openAccount(server, { deposit: "10" });
    const idempotencyKey = key("retry");
    const rejected = (await debit(account.id, "25", { idempotencyKey })).debit;
    expect(rejected.__typename).toBe("InsufficientFunds");
    await credit(server, account.id, "15");
    const retried = (await debit(account.id, "25", { idempotencyKey })).debit;
    expect(retried).toMatchObject({ __typename: "PostingSuccess", replayed: false });
    expect((await balanceOf(account.id)).balance).toBe("0.00");
  });

  test("a replay is answered even when the account could no longer take the posting", async () => {
    const account = await openAccount(server, { deposit: "10" });
    const idempotencyKey = key("late-replay");
    await debit(account.id, "10", { idempotencyKey, expectedVersion: 1 });
    const replay = (await debit(account.id, "10", { idempotencyKey, expectedVersion: 1 })).debit;
    expect(replay).toMatchObject({ __typename: "PostingSuccess", replayed: true });
    expect(await postingCount(account.id)).toBe(2);
  });
});

test("300 concurrent random transfers among 5 accounts, both directions: no error, total conserved, none negative", async () => {
  const accounts = await Promise.all(Array.from({ length: 5 }, () => openAccount(server, { deposit: "100.00" })));
  const ids = accounts.map((a) => a.id);
  let seed = 42;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const transfers = Array.from({ length: 300 }, () => {
    const from = random(5);
    const to = (from + 1 + random(4)) % 5;
    return { fromAccountId: ids[from], toAccountId: ids[to], amount: `${1 + random(60)}.${String(random(100)).padStart(2, "0")}` };
  });
  const responses = await Promise.all(
    transfers.map((t) => server.request(TransferInFullDocument, { input: { ...t, idempotencyKey: key("transfer") } })),
  );
  expect(responses.flatMap((r) => r.errors ?? [])).toEqual([]);
  const outcomes = tally(responses.map((r) => r.data!.transfer));
  expect(Object.keys(outcomes).filter((name) => name !== "TransferSuccess" && name !== "InsufficientFunds")).toEqual([]);
  expect(outcomes.TransferSuccess).toBeGreaterThan(100);

  const { rows } = await server.sql.query("SELECT balance FROM accounts WHERE id = ANY($1::uuid[])", [ids]);
  expect(rows.reduce((sum, r) => sum + BigInt(r.balance), 0n)).toBe(50_000n);
  expect(rows.every((r) => BigInt(r.balance) >= 0n)).toBe(true);
  const legs = await server.sql.query("SELECT count(*) FROM transactions WHERE account_id = ANY($1::uuid[]) AND kind = 'TRANSFER'", [ids]);
  expect(Number(legs.rows[0].count)).toBe(2 * outcomes.TransferSuccess);
});

type StatementLine = StatementPageQuery["transactions"]["edges"][number]["node"];

/** An account's whole history, newest first, paged 7 at a time as a client would read it. */
async function statement(accountId: string, filter?: { from: string }): Promise<StatementLine[]> {
  const lines: StatementLine[] = [];
  let after: string | null | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const { transactions } = await server.query(StatementPageDocument, { accountId, first: 7, after, filter });
    lines.push(...transactions.edges.map((edge) => edge.node));
    if (!transactions.pageInfo.hasNextPage) return lines;
    after = transactions.pageInfo.endCursor;
  }
  throw new Error("history without end");
}

test("history under concurrent postings is posting order: versions count down by one, balanceAfter chains, createdAt never increases, and syncing by time misses nothing", async () => {
  const [account, other] = await Promise.all([openAccount(server, { deposit: "1000.00" }), openAccount(server, { deposit: "1000.00" })]);
  const move = (i: number) => {
    const amount = `${1 + (i % 9)}.${String(i % 100).padStart(2, "0")}`;
    const input = { amount, idempotencyKey: key("order") };
    switch (i % 4) {
      case 0:
        return server.query(CreditDocument, { input: { ...input, accountId: account.id } }).then((r) => r.credit);
      case 1:
        return server.query(DebitDocument, { input: { ...input, accountId: account.id } }).then((r) => r.debit);
      case 2:
        return server.query(TransferInFullDocument, { input: { ...input, fromAccountId: account.id, toAccountId: other.id } }).then((r) => r.transfer);
      default:
        return server.query(TransferInFullDocument, { input: { ...input, fromAccountId: other.id, toAccountId: account.id } }).then((r) => r.transfer);
    }
  };
  const first = await Promise.all(Array.from({ length: 60 }, (_, i) => move(i)));
  expect(tally(first)).toEqual({ PostingSuccess: 30, TransferSuccess: 30 });
  // Reversals (their own statement in the database) race with more postings.
  const reversible = first.flatMap((r) => (r.__typename === "PostingSuccess" ? [r.transaction.id] : [])).slice(0, 6);
  const second = await Promise.all([
    ...Array.from({ length: 32 }, (_, i) => move(i)),
    ...reversible.map((transactionId) =>
      server.query(ReverseTransactionDocument, { input: { transactionId, idempotencyKey: key("order-reversal") } }).then((r) => r.reverseTransaction),
    ),
  ]);
  expect(tally(second)).toEqual({ PostingSuccess: 16, TransferSuccess: 16, ReverseTransactionSuccess: 6 });

  const lines = await statement(account.id);
  const latest = (await balanceOf(account.id)).version;
  expect(lines.map((line) => line.accountVersion)).toEqual(Array.from({ length: latest }, (_, i) => latest - i));
  lines.forEach((line, i) => {
    const previous = lines[i + 1];
    const change = (line.type === "CREDIT" ? 1n : -1n) * minorUnits(line.amount);
    expect({ version: line.accountVersion, balanceAfter: minorUnits(line.balanceAfter) }).toEqual({
      version: line.accountVersion,
      balanceAfter: (previous ? minorUnits(previous.balanceAfter) : 0n) + change,
    });
    if (previous) expect({ version: line.accountVersion, after: line.createdAt >= previous.createdAt }).toEqual({ version: line.accountVersion, after: true });
  });

  // A client that last saw a posting asks for everything from its time on: it gets that posting and every later one.
  for (const seen of lines.filter((_, i) => i % 10 === 5)) {
    const since = await statement(account.id, { from: seen.createdAt });
    const missed = lines.filter((line) => line.accountVersion >= seen.accountVersion && !since.some((s) => s.id === line.id));
    expect({ from: seen.createdAt, missed }).toEqual({ from: seen.createdAt, missed: [] });
  }
});

describe("journal entries under contention", () => {
  /** Three-line entries from one payer: payee and fees credited. */
  async function feeEntries(payerDeposit: string) {
    const payer = await openAccount(server, { deposit: payerDeposit });
    const payee = await openAccount(server);
    const opened = await server.query(OpenAccountDocument, { input: { customerName: "Fees", type: "INTERNAL", idempotencyKey: key() } });
    if (opened.openAccount.__typename !== "OpenAccountSuccess") throw new Error(opened.openAccount.__typename);
    const fees = opened.openAccount.account;
    const post = (idempotencyKey = key("entry")) =>
      server.query(PostJournalEntryDocument, {
        input: {
          idempotencyKey,
          lines: [
            { accountId: payer.id, type: "DEBIT", amount: "10.30" },
            { accountId: payee.id, type: "CREDIT", amount: "10.00" },
            { accountId: fees.id, type: "CREDIT", amount: "0.30" },
          ],
        },
      });
    return { payer, payee, fees, post };
  }

  test("30 concurrent fee entries on a payer that can afford 10: exactly 10 post, the rest are InsufficientFunds", async () => {
    const { payer, payee, fees, post } = await feeEntries("103.00");
    const results = await Promise.all(Array.from({ length: 30 }, () => post()));
    expect(tally(results.map((r) => r.postJournalEntry))).toEqual({ PostJournalEntrySuccess: 10, InsufficientFunds: 20 });
    expect([(await balanceOf(payer.id)).balance, (await balanceOf(payee.id)).balance, (await balanceOf(fees.id)).balance]).toEqual([
      "0.00",
      "100.00",
      "3.00",
    ]);
  });

  test("20 concurrent fee entries with one key make exactly one entry", async () => {
    const { payer, post } = await feeEntries("100");
    const idempotencyKey = key("same");
    const results = await Promise.all(Array.from({ length: 20 }, () => post(idempotencyKey)));
    const ids = new Set(results.map((r) => (r.postJournalEntry.__typename === "PostJournalEntrySuccess" ? r.postJournalEntry.journalEntry.id : r.postJournalEntry.__typename)));
    expect(ids.size).toBe(1);
    expect(tally(results.map((r) => r.postJournalEntry))).toEqual({ PostJournalEntrySuccess: 20 });
    expect((await balanceOf(payer.id)).balance).toBe("89.70");
  });

  test("10 concurrent reversals of different lines of one entry: one reverses the whole entry, the others are AlreadyReversed", async () => {
    const { payer, post } = await feeEntries("100");
    const posted = (await post()).postJournalEntry;
    if (posted.__typename !== "PostJournalEntrySuccess") throw new Error(posted.__typename);
    const lines = posted.journalEntry.transactions.map((t) => t.id);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        server.query(ReverseTransactionDocument, { input: { transactionId: lines[i % lines.length], idempotencyKey: key() } }),
      ),
    );
    expect(tally(results.map((r) => r.reverseTransaction))).toEqual({ ReverseTransactionSuccess: 1, AlreadyReversed: 9 });
    expect((await balanceOf(payer.id)).balance).toBe("100.00");
  });
});

describe("holds under contention", () => {
  const authorize = (accountId: string, amount: string) =>
    server.query(AuthorizeHoldDocument, { input: { accountId, amount, idempotencyKey: key("authorize") } }).then((d) => d.authorizeHold);
  const capture = (holdId: string, extra: { amount?: string; final?: boolean } = {}) =>
    server.query(CaptureHoldDocument, { input: { holdId, idempotencyKey: key("capture"), ...extra } }).then((d) => d.captureHold);
  const release = (holdId: string) =>
    server.query(VoidHoldDocument, { input: { holdId, idempotencyKey: key("void") } }).then((d) => d.voidHold);
  async function heldOn(accountId: string, amount: string) {
    const made = await authorize(accountId, amount);
    if (made.__typename !== "HoldSuccess") throw new Error(made.__typename);
    return made.hold.id;
  }

  test("debits, transfers and authorizations racing for one available balance: never more than it goes out or stays reserved", async () => {
    for (let round = 0; round < 3; round++) {
      const account = await openAccount(server, { deposit: "100" });
      const other = await openAccount(server);
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          i % 3 === 0
            ? debit(account.id, "10").then((r) => r.debit)
            : i % 3 === 1
              ? server.query(TransferInFullDocument, { input: { fromAccountId: account.id, toAccountId: other.id, amount: "10", idempotencyKey: key() } }).then((r) => r.transfer)
              : authorize(account.id, "10"),
        ),
      );
      const won = results.filter((r) => !["InsufficientFunds"].includes(r.__typename));
      expect(won).toHaveLength(10);
      expect(results.filter((r) => r.__typename === "InsufficientFunds")).toHaveLength(20);
      const after = await balanceOf(account.id);
      const holds = results.filter((r) => r.__typename === "HoldSuccess").length;
      expect(after).toMatchObject({ availableBalance: "0.00", heldBalance: `${holds * 10}.00`, version: 11 });
    }
  });

  test("capture against void on one hold, repeated: exactly one wins each time", async () => {
    for (let round = 0; round < 10; round++) {
      const account = await openAccount(server, { deposit: "50" });
      const holdId = await heldOn(account.id, "20");
      const [captured, voided] = await Promise.all([capture(holdId), release(holdId)]);
      const members = [captured.__typename, voided.__typename].sort();
      expect([["CaptureHoldSuccess", "HoldNotPending"], ["HoldNotPending", "HoldSuccess"]]).toContainEqual(members);
      const after = await balanceOf(account.id);
      expect(after.heldBalance).toBe("0.00");
      expect(after.balance).toBe(captured.__typename === "CaptureHoldSuccess" ? "30.00" : "50.00");
    }
  });

  test("20 concurrent non-final captures of 1 on a hold of 15: 15 succeed, the rest find nothing left; the last closes it", async () => {
    const account = await openAccount(server, { deposit: "100" });
    const holdId = await heldOn(account.id, "15");
    const results = await Promise.all(Array.from({ length: 20 }, () => capture(holdId, { amount: "1", final: false })));
    expect(tally(results)).toEqual({ CaptureHoldSuccess: 15, HoldNotPending: 5 });
    expect(await balanceOf(account.id)).toMatchObject({ balance: "85.00", heldBalance: "0.00", version: 17 });
  });

  test("captures racing the sweeper at expiresAt: each hold is captured or expired, never both, never captured late", async () => {
    const account = await openAccount(server, { deposit: "100" });
    const expiresAt = new Date(Date.now() + 1500);
    const made = await Promise.all(
      Array.from({ length: 20 }, () =>
        server.query(AuthorizeHoldDocument, { input: { accountId: account.id, amount: "5", expiresAt: expiresAt.toISOString(), idempotencyKey: key() } }),
      ),
    );
    const holdIds = made.map(({ authorizeHold: r }) => (r.__typename === "HoldSuccess" ? r.hold.id : ""));
    // The captures go out over the 80 ms around expiresAt, while the sweeper (every 50 ms here) releases what expired.
    await new Promise((resolve) => setTimeout(resolve, expiresAt.getTime() - Date.now() - 40));
    const results = await Promise.all(holdIds.map((holdId, i) => new Promise((r) => setTimeout(r, i * 4)).then(() => capture(holdId))));
    const captured = results.filter((r) => r.__typename === "CaptureHoldSuccess").length;
    expect(captured + results.filter((r) => r.__typename === "HoldExpired").length).toBe(20);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await balanceOf(account.id)).toMatchObject({ balance: `${100 - 5 * captured}.00`, heldBalance: "0.00" });
    const { rows } = await server.sql.query("SELECT status, count(*)::int AS n FROM holds WHERE account_id = $1 GROUP BY status", [account.id]);
    expect(Object.fromEntries(rows.map((row) => [row.status, row.n]))).toEqual({ ...(captured ? { CAPTURED: captured } : {}), ...(captured < 20 ? { EXPIRED: 20 - captured } : {}) });
  });

  // PostgreSQL breaks a deadlock after deadlock_timeout (1 s) and the ledger runs the request
  // again, which hides it but for the wait; with the detector put off past lock_timeout, a
  // deadlock shows as SERVICE_UNAVAILABLE. Lock waits need PostgreSQL.
  (onPostgres() ? test : test.skip)(
    "an authorization to a destination and a transfer between the same two accounts never wait for each other in a cycle: the hold's foreign key passes the writers' locks",
    async () => {
      const url = new URL(testDatabaseUrl());
      url.searchParams.set("options", "-c deadlock_timeout=60s");
      url.searchParams.set("application_name", "lock-order"); // its waits apart from the other server's
      const strict = await startTestServer({ databaseUrl: url.toString() });
      const holder = await strict.sql.connect();
      try {
        // The destination has the lower id, so a transfer between the two locks it first.
        const [destination, source] = [await openAccount(strict, { deposit: "100" }), await openAccount(strict, { deposit: "100" })].sort((a, b) =>
          a.id < b.id ? -1 : 1,
        );
        const lockWaits = async () =>
          Number((await strict.sql.query("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'lock-order' AND wait_event_type = 'Lock'")).rows[0].count);
        const untilLockWaits = (count: number) => eventually(lockWaits, (waits) => waits === count, 10_000);
        // A writer on the destination (an operator's SELECT ... FOR UPDATE) lines the two requests up behind it: the transfer first, then the authorization.
        await holder.query("BEGIN");
        await holder.query("SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE", [destination.id]);
        const transfer = strict.query(TransferInFullDocument, {
          input: { fromAccountId: source.id, toAccountId: destination.id, amount: "1", idempotencyKey: key("transfer") },
        });
        await untilLockWaits(1);
        const authorization = strict.query(AuthorizeHoldDocument, {
          input: { accountId: source.id, destinationAccountId: destination.id, amount: "5", idempotencyKey: key("authorize") },
        });
        await untilLockWaits(2);
        await holder.query("ROLLBACK");
        const [moved, made] = await Promise.all([transfer, authorization]);
        expect(moved.transfer.__typename).toBe("TransferSuccess");
        expect(made.authorizeHold.__typename).toBe("HoldSuccess");
        expect(await balanceOf(source.id)).toMatchObject({ balance: "99.00", heldBalance: "5.00", version: 3 });
        expect(await balanceOf(destination.id)).toMatchObject({ balance: "101.00", heldBalance: "0.00", version: 2 });
      } finally {
        await holder.query("ROLLBACK");
        holder.release();
        await strict.stop();
      }
    },
  );
});
