import fc from "fast-check";
import {
  AccountByIdDocument,
  AuthorizeHoldDocument,
  CaptureHoldDocument,
  CreditDocument,
  DebitDocument,
  TransferInFullDocument,
  VoidHoldDocument,
} from "./generated/graphql";
import { expireHold } from "./support/clock";
import { openAccount } from "./support/flows";
import { key, startTestServer, type TestServer } from "./support/harness";
import { ledgerViolations } from "./support/ledgerInvariant";

/*
 * A model-based test of the rules that interact: debits, credits, transfers,
 * holds authorized, captured (partly, finally), voided and expired, with the
 * sweeper running. Random sequences of small concurrent batches go to the
 * real server; a small model of the rules says what each answer must be.
 * The requests of a batch race, so the answers must match the model applied
 * in some order of the batch (all orders are tried); then balances must
 * agree, and after each sequence the ledger's invariants must hold on the
 * database. fast-check prints the seed and the shrunk sequence on failure;
 * SOLVENT_MODEL_SEED replays one.
 */

const ACCOUNTS = 3;
const OPENING = 5_000n; // cents: small against the amounts, so that holds decide what may move

type Op =
  | { kind: "credit"; account: number; cents: number }
  | { kind: "debit"; account: number; cents: number }
  | { kind: "transfer"; from: number; to: number; cents: number }
  | { kind: "authorize"; account: number; cents: number; destination: number | null }
  | { kind: "capture"; hold: number; cents: number | null; final: boolean }
  | { kind: "void"; hold: number }
  | { kind: "expire"; hold: number };

interface ModelHold {
  account: number;
  destination: number | null;
  remaining: bigint;
  status: "PENDING" | "CAPTURED" | "VOIDED" | "EXPIRED";
  /** expiresAt has passed: released for every rule, whether or not the server has marked it yet. */
  expired: boolean;
}

interface Model {
  balances: bigint[];
  holds: ModelHold[];
}

const cents = fc.integer({ min: 1, max: 4000 });
const account = fc.integer({ min: 0, max: ACCOUNTS - 1 });
const holdIndex = fc.nat({ max: 30 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("credit" as const), account, cents }),
  fc.record({ kind: fc.constant("debit" as const), account, cents }),
  fc.record({ kind: fc.constant("transfer" as const), from: account, to: account, cents }).filter((o) => o.from !== o.to),
  fc.record({ kind: fc.constant("authorize" as const), account, cents, destination: fc.option(account, { nil: null }) }).filter(
    (o) => o.destination !== o.account,
  ),
  fc.record({ kind: fc.constant("capture" as const), hold: holdIndex, cents: fc.option(cents, { nil: null }), final: fc.boolean() }),
  fc.record({ kind: fc.constant("void" as const), hold: holdIndex }),
  fc.record({ kind: fc.constant("expire" as const), hold: holdIndex }),
);
/** Up to three requests racing each other. */
const sequence = fc.array(fc.array(op, { minLength: 1, maxLength: 3 }), { minLength: 4, maxLength: 14 });

const money = (value: bigint) => `${value / 100n}.${String(value % 100n).padStart(2, "0")}`;

/** What is free to use: the balance less what unexpired PENDING holds reserve. */
const available = (model: Model, account: number) =>
  model.balances[account] -
  model.holds.filter((h) => h.account === account && h.status === "PENDING" && !h.expired).reduce((sum, h) => sum + h.remaining, 0n);

/** A write on these accounts marks their expired holds, as the server does. */
function releaseExpired(model: Model, accounts: number[]) {
  for (const hold of model.holds) if (hold.status === "PENDING" && hold.expired && accounts.includes(hold.account)) hold.status = "EXPIRED";
}

/** The answer the rules give to `op` on `model`, applying it when it succeeds. */
function apply(model: Model, op: Op): string {
  switch (op.kind) {
    case "credit":
      releaseExpired(model, [op.account]);
      model.balances[op.account] += BigInt(op.cents);
      return "PostingSuccess";
    case "debit":
      if (BigInt(op.cents) > available(model, op.account)) return "InsufficientFunds";
      releaseExpired(model, [op.account]);
      model.balances[op.account] -= BigInt(op.cents);
      return "PostingSuccess";
    case "transfer":
      if (BigInt(op.cents) > available(model, op.from)) return "InsufficientFunds";
      releaseExpired(model, [op.from, op.to]);
      model.balances[op.from] -= BigInt(op.cents);
      model.balances[op.to] += BigInt(op.cents);
      return "TransferSuccess";
    case "authorize":
      if (BigInt(op.cents) > available(model, op.account)) return "InsufficientFunds";
      releaseExpired(model, [op.account]);
      model.holds.push({ account: op.account, destination: op.destination, remaining: BigInt(op.cents), status: "PENDING", expired: false });
      return "HoldSuccess";
    case "capture": {
      const hold = model.holds[op.hold];
      if (hold.status === "EXPIRED" || (hold.status === "PENDING" && hold.expired)) return "HoldExpired";
      if (hold.status !== "PENDING") return "HoldNotPending";
      const amount = op.cents === null ? hold.remaining : BigInt(op.cents);
      if (amount > hold.remaining) return "AmountExceedsHold";
      releaseExpired(model, hold.destination === null ? [hold.account] : [hold.account, hold.destination]);
      model.balances[hold.account] -= amount;
      if (hold.destination !== null) model.balances[hold.destination] += amount;
      hold.remaining -= amount;
      if (op.final || hold.remaining === 0n) {
        hold.remaining = 0n;
        hold.status = "CAPTURED";
      }
      return "CaptureHoldSuccess";
    }
    case "void": {
      const hold = model.holds[op.hold];
      if (hold.status === "EXPIRED" || (hold.status === "PENDING" && hold.expired)) return "HoldExpired";
      if (hold.status !== "PENDING") return "HoldNotPending";
      releaseExpired(model, [hold.account]);
      hold.remaining = 0n;
      hold.status = "VOIDED";
      return "HoldSuccess";
    }
    case "expire":
      model.holds[op.hold].expired = true;
      return "expired";
  }
}

const clone = (model: Model): Model => ({ balances: [...model.balances], holds: model.holds.map((h) => ({ ...h })) });

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { HOLD_SWEEP_INTERVAL_MS: "50" } });
});
afterAll(() => server.stop());

interface Answer {
  member: string;
  /** The hold an authorization made. */
  holdId?: string;
}

/** Sends `op` (its hold index already resolved) and returns the union member it was answered with. */
async function send(op: Op, accounts: string[], holds: string[]): Promise<Answer> {
  const idempotencyKey = key("model");
  const amount = (value: number) => money(BigInt(value));
  switch (op.kind) {
    case "credit": {
      const input = { accountId: accounts[op.account], amount: amount(op.cents), idempotencyKey };
      return { member: (await server.query(CreditDocument, { input })).credit.__typename };
    }
    case "debit": {
      const input = { accountId: accounts[op.account], amount: amount(op.cents), idempotencyKey };
      return { member: (await server.query(DebitDocument, { input })).debit.__typename };
    }
    case "transfer": {
      const input = { fromAccountId: accounts[op.from], toAccountId: accounts[op.to], amount: amount(op.cents), idempotencyKey };
      return { member: (await server.query(TransferInFullDocument, { input })).transfer.__typename };
    }
    case "authorize": {
      const destinationAccountId = op.destination === null ? null : accounts[op.destination];
      const input = { accountId: accounts[op.account], amount: amount(op.cents), destinationAccountId, idempotencyKey };
      const result = (await server.query(AuthorizeHoldDocument, { input })).authorizeHold;
      return { member: result.__typename, holdId: result.__typename === "HoldSuccess" ? result.hold.id : undefined };
    }
    case "capture": {
      const input = { holdId: holds[op.hold], amount: op.cents === null ? null : amount(op.cents), final: op.final, idempotencyKey };
      return { member: (await server.query(CaptureHoldDocument, { input })).captureHold.__typename };
    }
    case "void":
      return { member: (await server.query(VoidHoldDocument, { input: { holdId: holds[op.hold], idempotencyKey } })).voidHold.__typename };
    case "expire":
      await expireHold(server.sql, holds[op.hold]);
      return { member: "expired" };
  }
}

test("random concurrent sequences of postings and hold steps agree with the model, and the ledger stays sound", async () => {
  const seed = process.env.SOLVENT_MODEL_SEED ? Number(process.env.SOLVENT_MODEL_SEED) : undefined;
  await fc.assert(
    fc.asyncProperty(sequence, async (batches) => {
      const accounts = await Promise.all(Array.from({ length: ACCOUNTS }, () => openAccount(server, { deposit: money(OPENING) })));
      const ids = accounts.map((a) => a.id);
      const holdIds: string[] = [];
      const model: Model = { balances: ids.map(() => OPENING), holds: [] };
      for (const batch of batches) {
        // Hold steps name holds made by earlier batches; with none yet, they are left out.
        const known = model.holds.length;
        const ops = batch
          .filter((o) => !("hold" in o) || known > 0)
          .map((o) => ("hold" in o ? { ...o, hold: o.hold % known } : o));
        // Clock jumps go first: they are not requests, and the server sees them at once.
        for (const o of ops.filter((o) => o.kind === "expire")) {
          await send(o, ids, holdIds);
          apply(model, o);
        }
        const requests = ops.filter((o) => o.kind !== "expire");
        const answers = await Promise.all(requests.map((o) => send(o, ids, holdIds)));
        const order = permutations(requests.map((_, i) => i)).find((candidate) => {
          const trial = clone(model);
          return candidate.every((i) => apply(trial, requests[i]) === answers[i].member);
        });
        if (!order) {
          throw new Error(`no order of ${JSON.stringify(requests)} explains the answers ${JSON.stringify(answers.map((a) => a.member))}`);
        }
        // The model numbers holds in the order it applies them: the server's ids go in that order too.
        for (const i of order) {
          apply(model, requests[i]);
          if (answers[i].holdId) holdIds.push(answers[i].holdId!);
        }

        const found = await Promise.all(ids.map(async (id) => (await server.query(AccountByIdDocument, { id })).account!));
        found.forEach((a, i) => {
          expect(a.balance).toBe(money(model.balances[i]));
          const unexpired = model.balances[i] - available(model, i);
          const expired = model.holds.filter((h) => h.account === i && h.status === "PENDING" && h.expired).reduce((s, h) => s + h.remaining, 0n);
          // Expired holds may still be counted as held until they are released.
          const heldNow = BigInt(a.heldBalance.replace(".", ""));
          expect(heldNow >= unexpired && heldNow <= unexpired + expired).toBe(true);
        });
      }
      expect(await ledgerViolations(server.sql)).toEqual([]);
      return true;
    }),
    { numRuns: Number(process.env.SOLVENT_MODEL_RUNS ?? 20), seed, verbose: 1 },
  );
});
