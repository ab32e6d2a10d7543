import fc from "fast-check";
import {
  AccountByIdDocument,
  AccountHoldsDocument,
  AuthorizeHoldDocument,
  CaptureHoldDocument,
  CloseAccountDocument,
  CreditDocument,
  DebitDocument,
  PostJournalEntryDocument,
  ReverseTransactionDocument,
  TransferInFullDocument,
  UpdateAccountDocument,
  VoidHoldDocument,
  type AccountFieldsFragment,
  type HoldFieldsFragment,
} from "./generated/graphql";
import { expireHold } from "./support/clock";
import { openAccount } from "./support/flows";
import { key, startTestServer, type TestServer } from "./support/harness";
import { ledgerViolations } from "./support/ledgerInvariant";
import { minorUnits, money } from "./support/money";

/*
 * A model-based test of the rules that interact: debits, credits, transfers,
 * journal entries of three lines, holds authorized, captured (partly,
 * finally), voided and expired, with the sweeper running; reversals of any
 * entry (captures included); accounts frozen, thawed, emptied and closed;
 * expected versions (the one last seen, or one off); and requests sent again
 * with their idempotency key, later or at the same time. Random sequences of
 * small concurrent batches go to the real server; a small model of the rules
 * says what each answer must be, and each account's version (one operation,
 * one version). The requests of a batch race, so some order of the batch must
 * explain both the answers and the accounts and holds the server shows after
 * it, to the version (all orders are tried, and the sweeper releasing an
 * account's expired holds at any point of them); after each sequence the
 * ledger's invariants must hold on the database, and each account's events
 * must carry every one of its versions. fast-check
 * prints the seed and the shrunk sequence on failure; SOLVENT_MODEL_SEED
 * replays one, SOLVENT_MODEL_RUNS sets how many sequences run.
 */

const RUNS = Number(process.env.SOLVENT_MODEL_RUNS ?? 100);
const ACCOUNTS = 3;
const OPENING = 5_000n; // cents: small against the amounts, so that holds decide what may move

type Status = "ACTIVE" | "FROZEN" | "CLOSED";

/**
 * Hold, entry and request numbers name what earlier batches made or sent
 * (modulo how many there are). `expect` (and a transfer's `expectTo`) is an
 * expectedVersion: in an op, null or an offset from the version the account
 * has when the batch starts (the version the client last saw, or one off); in
 * a request, null or the version itself.
 */
type Op =
  | { kind: "credit"; account: number; cents: number; expect: number | null }
  | { kind: "debit"; account: number; cents: number; expect: number | null }
  | { kind: "transfer"; from: number; to: number; cents: number; expect: number | null; expectTo: number | null }
  /** postJournalEntry: the payer pays `cents` to the next account and `fee` to the one after; `expect` is on the payer's line. */
  | { kind: "entry"; payer: number; cents: number; fee: number; expect: number | null }
  | { kind: "authorize"; account: number; cents: number; destination: number | null; expect: number | null }
  | { kind: "capture"; hold: number; cents: number | null; final: boolean }
  | { kind: "void"; hold: number }
  | { kind: "reverse"; entry: number }
  | { kind: "status"; account: number; status: Exclude<Status, "CLOSED">; expect: number }
  /** closeAccount; an account with money and no holds is first emptied by a debit of all it has, in the same batch. */
  | { kind: "close"; account: number; expect: number }
  | { kind: "expire"; hold: number }
  | { kind: "retry"; request: number };

/** A request as sent: a retry is the earlier request again, with its key. */
interface Request {
  op: Exclude<Op, { kind: "retry" }>;
  key: string;
}

interface ModelHold {
  account: number;
  destination: number | null;
  amount: bigint;
  captured: bigint;
  remaining: bigint;
  status: "PENDING" | "CAPTURED" | "VOIDED" | "EXPIRED";
  /** expiresAt has passed: released for every rule, whether or not the server has marked it yet. */
  expired: boolean;
}

/** A journal entry's lines on accounts, as changes of their balances. */
interface ModelEntry {
  lines: Array<{ account: number; delta: bigint }>;
  /** Reversed already, or a reversal itself: either way it cannot be reversed (again). */
  final: boolean;
}

interface Model {
  balances: bigint[];
  statuses: Status[];
  versions: number[];
  holds: ModelHold[];
  entries: ModelEntry[];
  /** The success member each used idempotency key answered with. */
  keys: Map<string, string>;
}

const cents = fc.integer({ min: 1, max: 4000 });
const account = fc.integer({ min: 0, max: ACCOUNTS - 1 });
const earlier = fc.nat({ max: 30 });
/** An expectedVersion, when required: mostly the version last seen, sometimes one behind or one ahead (right if another request of the batch moves it first). */
const expectedVersion = fc.constantFrom(0, 0, 0, -1, 1);
const maybeExpectedVersion = fc.option(expectedVersion, { nil: null, freq: 2 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant("credit" as const), account, cents, expect: maybeExpectedVersion }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant("debit" as const), account, cents, expect: maybeExpectedVersion }), weight: 3 },
  {
    arbitrary: fc
      .record({ kind: fc.constant("transfer" as const), from: account, to: account, cents, expect: maybeExpectedVersion, expectTo: maybeExpectedVersion })
      .filter((o) => o.from !== o.to),
    weight: 3,
  },
  {
    arbitrary: fc.record({ kind: fc.constant("entry" as const), payer: account, cents, fee: fc.integer({ min: 1, max: 500 }), expect: maybeExpectedVersion }),
    weight: 2,
  },
  {
    arbitrary: fc
      .record({ kind: fc.constant("authorize" as const), account, cents, destination: fc.option(account, { nil: null }), expect: maybeExpectedVersion })
      .filter((o) => o.destination !== o.account),
    weight: 4,
  },
  { arbitrary: fc.record({ kind: fc.constant("capture" as const), hold: earlier, cents: fc.option(cents, { nil: null }), final: fc.boolean() }), weight: 6 },
  { arbitrary: fc.record({ kind: fc.constant("void" as const), hold: earlier }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant("reverse" as const), entry: earlier }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant("status" as const), account, status: fc.constantFrom("FROZEN" as const, "ACTIVE" as const), expect: expectedVersion }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant("close" as const), account, expect: expectedVersion }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant("expire" as const), hold: earlier }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant("retry" as const), request: earlier }), weight: 2 },
);
/** Up to three ops racing each other; one in five is sent twice at once, with one key. */
const sequence = fc.array(fc.array(fc.tuple(op, fc.nat({ max: 4 }).map((n) => n === 0)), { minLength: 1, maxLength: 3 }), {
  minLength: 4,
  maxLength: 14,
});

/** What the account's PENDING holds still have left: all of them (what `held` shows until they are released), or those not past their expiresAt (what the rules count). */
const reserved = (model: Model, account: number, holds: "all" | "unexpired") =>
  model.holds
    .filter((h) => h.account === account && h.status === "PENDING" && (holds === "all" || !h.expired))
    .reduce((sum, h) => sum + h.remaining, 0n);

/** What is free to use: the balance less what unexpired PENDING holds reserve. */
const available = (model: Model, account: number) => model.balances[account] - reserved(model, account, "unexpired");

/** Whether the account has PENDING holds past their expiresAt, which a write on it or the sweeper will release. */
const hasExpired = (model: Model, account: number) => model.holds.some((h) => h.account === account && h.status === "PENDING" && h.expired);

/** A write on these accounts releases their expired holds, as the server does. */
function releaseExpired(model: Model, accounts: number[]) {
  for (const hold of model.holds) {
    if (hold.status === "PENDING" && hold.expired && accounts.includes(hold.account)) {
      hold.status = "EXPIRED";
      hold.remaining = 0n;
    }
  }
}

/** The sweeper releasing an account's expired holds: an operation of its own, so a version of its own. */
function sweep(model: Model, account: number) {
  releaseExpired(model, [account]);
  model.versions[account] += 1;
}

/** A line of a write: `delta` moves the balance, `reserve` changes what the account's holds reserve. */
interface Line {
  account: number;
  delta: bigint;
  reserve?: bigint;
  expect?: number | null;
}

/**
 * The rules of every write (post_entry): an account that is not ACTIVE takes
 * no money and no new reservation; an expected version must be the account's;
 * the available balance never goes below zero; refusals in that order,
 * whatever the line. Applies the lines, moving each account's version by one,
 * and returns null, or returns the refusal and changes nothing.
 */
function write(model: Model, lines: Line[]): string | null {
  const needsActive = (line: Line) => line.delta !== 0n || (line.reserve ?? 0n) > 0n;
  if (lines.some((line) => needsActive(line) && model.statuses[line.account] !== "ACTIVE")) return "AccountNotActive";
  if (lines.some((line) => line.expect != null && line.expect !== model.versions[line.account])) return "VersionConflict";
  if (lines.some((line) => (line.reserve ?? 0n) - line.delta > available(model, line.account))) return "InsufficientFunds";
  const accounts = [...new Set(lines.map((line) => line.account))];
  releaseExpired(model, accounts);
  for (const line of lines) model.balances[line.account] += line.delta;
  for (const account of accounts) model.versions[account] += 1;
  return null;
}

/** A write that moves money: its entry is recorded, for reversals. */
function post(model: Model, lines: Line[], success: string): string {
  const refusal = write(model, lines);
  if (refusal) return refusal;
  model.entries.push({ lines: lines.filter((l) => l.delta !== 0n).map(({ account, delta }) => ({ account, delta })), final: false });
  return success;
}

/** The answer the rules give to `op` on `model`, applying it when it succeeds. */
function decide(model: Model, op: Request["op"]): string {
  const amount = "cents" in op && op.cents !== null ? BigInt(op.cents) : 0n;
  switch (op.kind) {
    case "credit":
      return post(model, [{ account: op.account, delta: amount, expect: op.expect }], "PostingSuccess");
    case "debit":
      return post(model, [{ account: op.account, delta: -amount, expect: op.expect }], "PostingSuccess");
    case "transfer": {
      const lines = [
        { account: op.from, delta: -amount, expect: op.expect },
        { account: op.to, delta: amount, expect: op.expectTo },
      ];
      return post(model, lines, "TransferSuccess");
    }
    case "entry": {
      const [payee, fees] = [1, 2].map((n) => (op.payer + n) % ACCOUNTS);
      const fee = BigInt(op.fee);
      const lines = [{ account: op.payer, delta: -(amount + fee), expect: op.expect }, { account: payee, delta: amount }, { account: fees, delta: fee }];
      return post(model, lines, "PostJournalEntrySuccess");
    }
    case "authorize": {
      const refusal = write(model, [{ account: op.account, delta: 0n, reserve: amount, expect: op.expect }]);
      if (refusal) return refusal;
      model.holds.push({ account: op.account, destination: op.destination, amount, captured: 0n, remaining: amount, status: "PENDING", expired: false });
      return "HoldSuccess";
    }
    case "capture":
    case "void": {
      const hold = model.holds[op.hold];
      if (hold.status === "EXPIRED" || (hold.status === "PENDING" && hold.expired)) return "HoldExpired";
      if (hold.status !== "PENDING") return "HoldNotPending";
      if (op.kind === "void") {
        write(model, [{ account: hold.account, delta: 0n, reserve: -hold.remaining }]);
        hold.remaining = 0n;
        hold.status = "VOIDED";
        return "HoldSuccess";
      }
      const captured = op.cents === null ? hold.remaining : amount;
      if (captured > hold.remaining) return "AmountExceedsHold";
      // A final capture (or one of all that remains) releases the rest; a capture never fails for funds.
      const released = op.final || captured === hold.remaining ? hold.remaining : captured;
      const lines: Line[] = [{ account: hold.account, delta: -captured, reserve: -released }];
      if (hold.destination !== null) lines.push({ account: hold.destination, delta: captured });
      const answer = post(model, lines, "CaptureHoldSuccess");
      if (answer !== "CaptureHoldSuccess") return answer;
      hold.captured += captured;
      hold.remaining -= released;
      if (hold.remaining === 0n) hold.status = "CAPTURED";
      return answer;
    }
    case "reverse": {
      // Every line of the entry turned around; a capture's hold stays as it is.
      const entry = model.entries[op.entry];
      if (entry.final) return "AlreadyReversed";
      const answer = post(model, entry.lines.map((l) => ({ account: l.account, delta: -l.delta })), "ReverseTransactionSuccess");
      if (answer !== "ReverseTransactionSuccess") return answer;
      entry.final = true;
      model.entries[model.entries.length - 1].final = true;
      return answer;
    }
    case "status":
    case "close": {
      // updateAccount and closeAccount: a closed account first, then the version, then (closing) the balance.
      if (model.statuses[op.account] === "CLOSED") return "AccountNotActive";
      if (op.expect !== model.versions[op.account]) return "VersionConflict";
      if (op.kind === "close" && model.balances[op.account] !== 0n) return "BalanceNotZero";
      model.statuses[op.account] = op.kind === "close" ? "CLOSED" : op.status;
      model.versions[op.account] += 1;
      return op.kind === "close" ? "CloseAccountSuccess" : "UpdateAccountSuccess";
    }
    case "expire":
      model.holds[op.hold].expired = true;
      return "expired";
  }
}

/** The answer to `request`: a key that has succeeded before is answered by a replay, and nothing changes. */
function apply(model: Model, { op, key }: Request): string {
  const replayed = model.keys.get(key);
  if (replayed) return `${replayed} replayed`;
  const member = decide(model, op);
  // updateAccount and closeAccount take no idempotency key: sent again, they are decided again.
  if (member.endsWith("Success") && op.kind !== "status" && op.kind !== "close") model.keys.set(key, member);
  return member;
}

const clone = (model: Model): Model => ({
  balances: [...model.balances],
  statuses: [...model.statuses],
  versions: [...model.versions],
  holds: model.holds.map((h) => ({ ...h })),
  entries: model.entries.map((e) => ({ ...e })),
  keys: new Map(model.keys),
});

/** The accounts whose version `op` expects, as the server checks them. */
function expectsVersionOf(op: Request["op"], account: number): boolean {
  switch (op.kind) {
    case "credit":
    case "debit":
    case "authorize":
    case "status":
    case "close":
      return op.account === account && op.expect !== null;
    case "transfer":
      return (op.from === account && op.expect !== null) || (op.to === account && op.expectTo !== null);
    case "entry":
      return op.payer === account && op.expect !== null;
    default:
      return false;
  }
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { HOLD_SWEEP_INTERVAL_MS: "50" } });
});
afterAll(() => server.stop());

interface Answer {
  /** The union member, and " replayed" when the server says so. */
  member: string;
  /** The hold an authorization made. */
  holdId?: string;
  /** A line of the entry a write made. */
  transactionId?: string;
}

const answer = (result: { __typename: string; replayed?: boolean }, made: { holdId?: string; transactionId?: string } = {}): Answer => ({
  member: result.replayed ? `${result.__typename} replayed` : result.__typename,
  ...made,
});

/** Sends `request` (its hold and entry numbers already resolved) and returns what it was answered with. */
async function send({ op, key: idempotencyKey }: Request, accounts: string[], holds: string[], entries: string[]): Promise<Answer> {
  const amount = (value: number) => money(BigInt(value));
  switch (op.kind) {
    case "credit":
    case "debit": {
      const input = { accountId: accounts[op.account], amount: amount(op.cents), expectedVersion: op.expect, idempotencyKey };
      const result = op.kind === "credit" ? (await server.query(CreditDocument, { input })).credit : (await server.query(DebitDocument, { input })).debit;
      return answer(result, { transactionId: result.__typename === "PostingSuccess" ? result.transaction.id : undefined });
    }
    case "transfer": {
      const input = {
        fromAccountId: accounts[op.from],
        toAccountId: accounts[op.to],
        amount: amount(op.cents),
        expectedFromVersion: op.expect,
        expectedToVersion: op.expectTo,
        idempotencyKey,
      };
      const result = (await server.query(TransferInFullDocument, { input })).transfer;
      return answer(result, { transactionId: result.__typename === "TransferSuccess" ? result.debit.id : undefined });
    }
    case "entry": {
      const [payee, fees] = [1, 2].map((n) => accounts[(op.payer + n) % ACCOUNTS]);
      const lines = [
        { accountId: accounts[op.payer], type: "DEBIT" as const, amount: amount(op.cents + op.fee), expectedVersion: op.expect },
        { accountId: payee, type: "CREDIT" as const, amount: amount(op.cents) },
        { accountId: fees, type: "CREDIT" as const, amount: amount(op.fee) },
      ];
      const result = (await server.query(PostJournalEntryDocument, { input: { lines, idempotencyKey } })).postJournalEntry;
      return answer(result, { transactionId: result.__typename === "PostJournalEntrySuccess" ? result.journalEntry.transactions[0].id : undefined });
    }
    case "authorize": {
      const destinationAccountId = op.destination === null ? null : accounts[op.destination];
      const input = { accountId: accounts[op.account], amount: amount(op.cents), destinationAccountId, expectedVersion: op.expect, idempotencyKey };
      const result = (await server.query(AuthorizeHoldDocument, { input })).authorizeHold;
      return answer(result, { holdId: result.__typename === "HoldSuccess" ? result.hold.id : undefined });
    }
    case "capture": {
      const input = { holdId: holds[op.hold], amount: op.cents === null ? null : amount(op.cents), final: op.final, idempotencyKey };
      const result = (await server.query(CaptureHoldDocument, { input })).captureHold;
      return answer(result, { transactionId: result.__typename === "CaptureHoldSuccess" ? result.debit.id : undefined });
    }
    case "void":
      return answer((await server.query(VoidHoldDocument, { input: { holdId: holds[op.hold], idempotencyKey } })).voidHold);
    case "reverse": {
      const result = (await server.query(ReverseTransactionDocument, { input: { transactionId: entries[op.entry], idempotencyKey } }))
        .reverseTransaction;
      return answer(result, { transactionId: result.__typename === "ReverseTransactionSuccess" ? result.reversal.id : undefined });
    }
    case "status": {
      const input = { accountId: accounts[op.account], expectedVersion: op.expect, status: op.status };
      return answer((await server.query(UpdateAccountDocument, { input })).updateAccount);
    }
    case "close":
      return answer((await server.query(CloseAccountDocument, { input: { accountId: accounts[op.account], expectedVersion: op.expect } })).closeAccount);
    case "expire":
      await expireHold(server.sql, holds[op.hold]);
      return { member: "expired" };
  }
}

/** How often each answer came, over all sequences: the rules the test claims to cover must have been reached. */
const answered = new Map<string, number>();

test("random concurrent sequences of postings, journal entries, hold steps, reversals, versions, freezes, closes and retries agree with the model, and the ledger stays sound", async () => {
  const seed = process.env.SOLVENT_MODEL_SEED ? Number(process.env.SOLVENT_MODEL_SEED) : undefined;
  await fc.assert(
    fc.asyncProperty(sequence, async (batches) => {
      const accounts = await Promise.all(Array.from({ length: ACCOUNTS }, () => openAccount(server, { deposit: money(OPENING) })));
      const ids = accounts.map((a) => a.id);
      let state: Explained = {
        model: {
          balances: ids.map(() => OPENING),
          statuses: ids.map(() => "ACTIVE"),
          versions: accounts.map((a) => a.version),
          holds: [],
          entries: [],
          keys: new Map(),
        },
        holdIds: [],
        entryIds: [],
      };
      const sent: Request[] = [];
      for (const batch of batches) {
        // Numbers name what earlier batches made or sent; with nothing of the kind yet, the op is left out.
        const resolved: Request[] = [];
        for (const [o, twice] of batch) {
          const made = resolve(o, state.model, sent);
          resolved.push(...(twice && made.length === 1 ? [made[0], made[0]] : made));
        }
        // Clock jumps go first: they are not requests, and the server sees them at once. The sweeper may release an
        // account's expired holds before each jump that expires another of its holds, and after the last: a version each.
        const sweeps = ids.map((_, a) => (hasExpired(state.model, a) ? 1 : 0));
        for (const r of resolved.filter((r) => r.op.kind === "expire")) {
          const hold = state.model.holds[(r.op as { hold: number }).hold];
          if (hold.status === "PENDING" && !hold.expired) sweeps[hold.account] += 1;
          await send(r, ids, state.holdIds, state.entryIds);
          apply(state.model, r);
        }
        const requests = resolved.filter((r) => r.op.kind !== "expire");
        const answers = await Promise.all(requests.map((r) => send(r, ids, state.holdIds, state.entryIds)));
        for (const { member } of answers) answered.set(member, (answered.get(member) ?? 0) + 1);
        const seen = await Promise.all(ids.map(look));
        const explained = explain(state, requests, answers, seen, sweeps);
        if (!explained) {
          throw new Error(
            `no order of ${JSON.stringify(requests.map((r) => r.op))} explains the answers ${JSON.stringify(answers.map((a) => a.member))} ` +
              `and the accounts as they are: ${JSON.stringify(seen)}`,
          );
        }
        state = explained;
        sent.push(...requests);
      }
      expect(await ledgerViolations(server.sql)).toEqual([]);
      // One operation, one version, and every version has its event: an account's events carry versions 0 to its version, each.
      const gaps = await server.sql.query(
        `SELECT a.id, a.version, e.versions
           FROM accounts a
          CROSS JOIN LATERAL (SELECT ARRAY(SELECT DISTINCT o.account_version FROM outbox o WHERE o.subject = a.id ORDER BY 1) AS versions) e
          WHERE a.id = ANY($1::uuid[]) AND e.versions IS DISTINCT FROM ARRAY(SELECT generate_series(0, a.version))`,
        [ids],
      );
      expect(gaps.rows).toEqual([]);
      return true;
    }),
    { numRuns: RUNS, seed, verbose: 1 },
  );
  if (RUNS >= 100) {
    const reached = ["VersionConflict", "CloseAccountSuccess", "BalanceNotZero", "AccountNotActive", "HoldExpired", "InsufficientFunds"];
    expect(reached.filter((member) => !answered.has(member))).toEqual([]);
  }
  // A sequence takes ~0.3 s on either database here; a busy machine gets ten times that.
}, RUNS * 3_000);

/** The model after some requests, and the server's ids of the holds and entries it numbers. */
interface Explained {
  model: Model;
  holdIds: string[];
  entryIds: string[];
}

/** An account and its holds as the server shows them. */
interface Seen {
  account: AccountFieldsFragment;
  holds: HoldFieldsFragment[];
}

/**
 * The account and its holds at one moment: read again until the account's
 * version is the same before and after its holds (the sweeper may release some
 * in between, and every change of a hold moves the version).
 */
async function look(id: string): Promise<Seen> {
  let account = (await server.query(AccountByIdDocument, { id })).account!;
  for (let attempt = 0; attempt < 20; attempt++) {
    const holds = (await server.query(AccountHoldsDocument, { id, first: 100 })).account!.holds.edges.map((e) => e.node);
    const after = (await server.query(AccountByIdDocument, { id })).account!;
    if (after.version === account.version) return { account, holds };
    account = after;
  }
  throw new Error(`account ${id} kept changing after its batch`);
}

/**
 * The requests of a batch raced: some order of them must give the answers the
 * server gave and leave the accounts and holds as the server shows them. The
 * sweeper may release an account's expired holds at any point (a version of
 * its own): before a request that expects that account's version, which is
 * when it changes an answer, the search tries it; elsewhere it shows only in
 * the version after the batch, which `settle` reads. The model numbers holds
 * and entries in the order it applies the requests, so the server's ids are
 * taken in that order too.
 */
function explain(before: Explained, requests: Request[], answers: Answer[], seen: Seen[], sweeps: number[]): Explained | undefined {
  // Accounts the sweeper may still release expired holds of: those that had some when the batch started, until a sweep is tried.
  const search = (state: Explained, sweepable: boolean[], left: number[]): Explained | undefined => {
    if (left.length === 0) return settle(state, seen, sweepable, sweeps);
    for (const i of left) {
      const after: Explained = { model: clone(state.model), holdIds: [...state.holdIds], entryIds: [...state.entryIds] };
      const made = { holds: after.model.holds.length, entries: after.model.entries.length };
      if (apply(after.model, requests[i]) !== answers[i].member) continue;
      if (after.model.holds.length > made.holds) after.holdIds.push(answers[i].holdId!);
      if (after.model.entries.length > made.entries) after.entryIds.push(answers[i].transactionId!);
      const found = search(after, sweepable, left.filter((j) => j !== i));
      if (found) return found;
    }
    for (let a = 0; a < ACCOUNTS; a++) {
      if (!hasExpired(state.model, a) || !left.some((i) => expectsVersionOf(requests[i].op, a))) continue;
      const after: Explained = { ...state, model: clone(state.model) };
      sweep(after.model, a);
      const found = search(after, sweepable.map((s, b) => s && b !== a), left);
      if (found) return found;
    }
    return undefined;
  };
  return search(
    before,
    seen.map((_, a) => hasExpired(before.model, a)),
    requests.map((_, i) => i),
  );
}

/**
 * The batch's requests explained, the sweeper may still have released the
 * expired holds of an account that had some when the batch started (`sweepable`)
 * and the search did not sweep: after the requests (then its holds show
 * EXPIRED), or before the write on it that would have (then only its version
 * shows it), and up to `sweeps[a]` times when the batch's clock jumps expired
 * its holds one after another (the first sweeps releasing the earlier ones).
 * The server's version says how many; then everything must agree exactly.
 */
function settle(state: Explained, seen: Seen[], sweepable: boolean[], sweeps: number[]): Explained | undefined {
  const settled: Explained = { ...state, model: clone(state.model) };
  for (let a = 0; a < ACCOUNTS; a++) {
    const swept = seen[a].account.version - settled.model.versions[a];
    if (!sweepable[a] || swept < 1 || swept > sweeps[a]) continue;
    sweep(settled.model, a);
    settled.model.versions[a] += swept - 1;
  }
  return agrees(settled, seen) ? settled : undefined;
}

/** Whether the server shows exactly what the model says, to the version and the held amount. */
function agrees({ model, holdIds }: Explained, seen: Seen[]): boolean {
  const holdsAgree = model.holds.every((hold, k) => {
    const shown = seen[hold.account].holds.find((h) => h.id === holdIds[k]);
    return (
      shown !== undefined &&
      shown.amount === money(hold.amount) &&
      shown.capturedAmount === money(hold.captured) &&
      shown.status === hold.status &&
      shown.remainingAmount === money(hold.remaining)
    );
  });
  return (
    holdsAgree &&
    seen.every(({ account, holds }, i) => {
      return (
        account.balance === money(model.balances[i]) &&
        account.status === model.statuses[i] &&
        account.version === model.versions[i] &&
        minorUnits(account.heldBalance) === reserved(model, i, "all") &&
        holds.length === model.holds.filter((h) => h.account === i).length
      );
    })
  );
}

/**
 * The requests `op` names in this state of the sequence: none when it names
 * what does not exist yet; for a close of an account with money and no holds,
 * a debit of all of it and then the close, expecting the version the debit
 * makes (the two race like any others: the close applies if the debit went first).
 */
function resolve(op: Op, model: Model, sent: Request[]): Request[] {
  const request = (op: Request["op"]): Request => ({ op, key: key("model") });
  if (op.kind === "retry") return sent.length ? [sent[op.request % sent.length]] : [];
  if ("hold" in op) return model.holds.length ? [request({ ...op, hold: op.hold % model.holds.length })] : [];
  if ("entry" in op) return model.entries.length ? [request({ ...op, entry: op.entry % model.entries.length })] : [];
  const version = (account: number, offset: number | null) => (offset === null ? null : model.versions[account] + offset);
  switch (op.kind) {
    case "transfer":
      return [request({ ...op, expect: version(op.from, op.expect), expectTo: version(op.to, op.expectTo) })];
    case "entry":
      return [request({ ...op, expect: version(op.payer, op.expect) })];
    case "status":
      return [request({ ...op, expect: model.versions[op.account] + op.expect })];
    case "close": {
      const balance = model.balances[op.account];
      const close = (offset: number) => request({ ...op, expect: model.versions[op.account] + offset });
      if (balance === 0n || model.statuses[op.account] !== "ACTIVE" || available(model, op.account) !== balance) return [close(op.expect)];
      return [request({ kind: "debit", account: op.account, cents: Number(balance), expect: model.versions[op.account] }), close(1)];
    }
    default:
      return [request({ ...op, expect: version(op.account, op.expect) })];
  }
}
