import { v7 as uuidv7 } from "uuid";
import { Prisma } from "../db/generated/prisma/client";
import type { Account, Hold, JournalEntry, Transaction } from "../db/generated/prisma/client";
import type { Db } from "../db/client";
import type { Sql } from "../db/sql";
import type { AccountDirectory } from "./accountDirectory";
import { canSee, ownerScope, type Caller } from "./caller";
import type { Currencies } from "./currencies";
import { fail } from "./failures";
import { claimOf, type StoredResult } from "./idempotency";
import { posted, type Draft, type Journal, type Written } from "./journal";
import { annotationRules, annotations } from "./postings";
import { only, type ResultOf } from "./results";
import type { Lookups } from "./lookups";
import { isUuid, LIMITS, Violations } from "./validation";

export interface AuthorizeHoldInput {
  accountId: string;
  amount: string;
  destinationAccountId?: string | null;
  expiresAt?: Date | null;
  expectedVersion?: number | null;
  idempotencyKey: string;
  reference?: string | null;
  description?: string | null;
  metadata?: Record<string, unknown> | null;
}

export interface CaptureHoldInput {
  holdId: string;
  amount?: string | null;
  final?: boolean | null;
  idempotencyKey: string;
  reference?: string | null;
  description?: string | null;
}

export interface VoidHoldInput {
  holdId: string;
  idempotencyKey: string;
  reason?: string | null;
}

export interface HoldSuccess {
  outcome: "HoldSuccess";
  hold: Hold;
  /** The held account right after the change (as it is now, when replayed). */
  account: Account;
  replayed: boolean;
}

export interface CaptureHoldSuccess {
  outcome: "CaptureHoldSuccess";
  hold: Hold;
  debit: Transaction;
  credit: Transaction | null;
  journalEntry: JournalEntry;
  replayed: boolean;
}

export interface HoldLimits {
  defaultExpirySeconds: number;
  maxExpirySeconds: number;
}

/** expiresAt must be at least this far ahead. */
const MIN_EXPIRY_MS = 1000;
/** Accounts one sweep releases the expired holds of, at most. */
const SWEEP_BATCH = 50;

/*
 * Holds: money reserved on one account, in `balance` but out of the
 * available balance, until captured (posted, to the destination or out
 * through settlement) or released (void, expiry). Every step is a write of
 * the journal (post_entry): the reservation and its release change `held`
 * and the account's version under the same locks and rules as postings, and
 * a capture is an entry. Each step has its own idempotency key.
 */
export class Holds {
  constructor(
    private readonly db: Db,
    private readonly sql: Sql,
    private readonly journal: Journal,
    private readonly lookups: Lookups,
    private readonly currencies: Currencies,
    private readonly directory: AccountDirectory,
    private readonly limits: HoldLimits,
  ) {}

  async authorize(caller: Caller, input: AuthorizeHoldInput): Promise<ResultOf<"authorizeHold">> {
    return only("authorizeHold", await this.reserve(caller, input));
  }

  private async reserve(caller: Caller, request: AuthorizeHoldInput) {
    const accountId = request.accountId.toLowerCase();
    const destinationId = request.destinationAccountId?.toLowerCase() ?? null;
    const [account, destination] = await this.directory.findMany(destinationId ? [accountId, destinationId] : [accountId]);
    if (!account || !canSee(caller, account.ownerId)) return fail.accountNotFound(request.accountId);

    const check = new Violations();
    const amount = check.amount("amount", request.amount, account.currency, this.currencies);
    check.version("expectedVersion", request.expectedVersion);
    if (destinationId === accountId) check.add("destinationAccountId", "must differ from accountId");
    const now = Date.now();
    const expiresAt = request.expiresAt ?? new Date(now + this.limits.defaultExpirySeconds * 1000);
    if (Number.isNaN(expiresAt.getTime()) || expiresAt.getTime() < now + MIN_EXPIRY_MS) {
      check.add("expiresAt", "must be at least 1 second in the future");
    } else if (expiresAt.getTime() > now + this.limits.maxExpirySeconds * 1000) {
      check.add("expiresAt", `must be at most ${this.limits.maxExpirySeconds} seconds from now`);
    }
    annotationRules(check, request);
    if (!check.ok || amount === undefined) return fail.validation(check.list);
    if (destinationId && !destination) return fail.accountNotFound(request.destinationAccountId!);
    if (destination && destination.currency !== account.currency) return fail.currencyMismatch(account.currency, destination.currency);

    const claim = claimOf(caller, request.idempotencyKey, "authorizeHold", {
      accountId,
      amount: amount.toString(),
      destinationId,
      // A retry without expiresAt is the same request, whenever it comes.
      expiresAt: request.expiresAt?.toISOString() ?? null,
      reference: request.reference ?? null,
      description: request.description ?? null,
      metadata: request.metadata ?? null,
    });
    const draft: Draft = {
      lines: [{ accountId, type: "DEBIT", amount: 0n, held: amount, expectedVersion: request.expectedVersion }],
      hold: { op: "AUTHORIZE", holdId: uuidv7(), destinationId, expiresAt },
      ...annotations(request),
    };
    return this.journal.post(caller, draft, claim, holdSuccess, (prior) => this.replayHold(prior));
  }

  async capture(caller: Caller, input: CaptureHoldInput): Promise<ResultOf<"captureHold">> {
    return only("captureHold", await this.take(caller, input));
  }

  private async take(caller: Caller, request: CaptureHoldInput) {
    const holdId = request.holdId.toLowerCase();
    // Read first only to check an amount against the hold's currency, or whether a customer may see it: else post_entry reads it.
    const read = request.amount != null || ownerScope(caller) !== undefined;
    const hold = read ? await this.visible(caller, holdId) : undefined;
    if (read ? !hold : !isUuid(holdId)) return fail.holdNotFound(request.holdId);
    const final = request.final ?? true;
    const check = new Violations();
    const amount = request.amount == null ? null : check.amount("amount", request.amount, hold!.currency, this.currencies);
    annotationRules(check, request);
    if (!check.ok || amount === undefined) return fail.validation(check.list);

    const claim = claimOf(caller, request.idempotencyKey, "captureHold", {
      holdId,
      amount: amount?.toString() ?? null,
      final,
      reference: request.reference ?? null,
      description: request.description ?? null,
    });
    const draft: Draft = { hold: { op: "CAPTURE", holdId, amount, final }, ...annotations(request) };
    const answer = (written: Written, replayed: boolean): CaptureHoldSuccess => {
      const { entry, lines } = posted(written);
      const debit = lines.find((line) => line.transaction.type === "DEBIT")!;
      const credit = lines.find((line) => line.transaction.type === "CREDIT");
      return {
        outcome: "CaptureHoldSuccess",
        hold: written.hold!,
        debit: debit.transaction,
        credit: credit?.transaction ?? null,
        journalEntry: entry,
        replayed,
      };
    };
    return this.journal.post(caller, draft, claim, answer, async (prior) => {
      const written = await this.journal.read(prior.journalEntryId!);
      return answer({ ...written, hold: (await this.lookups.holds([prior.holdId!]))[0] }, true);
    });
  }

  async void(caller: Caller, input: VoidHoldInput): Promise<ResultOf<"voidHold">> {
    return only("voidHold", await this.release(caller, input));
  }

  private async release(caller: Caller, request: VoidHoldInput) {
    const check = new Violations();
    check.idempotencyKey(request.idempotencyKey);
    check.text("reason", request.reason, LIMITS.description);
    if (!check.ok) return fail.validation(check.list);
    const hold = await this.visible(caller, request.holdId);
    if (!hold) return fail.holdNotFound(request.holdId);
    const claim = claimOf(caller, request.idempotencyKey, "voidHold", { holdId: hold.id, reason: request.reason ?? null });
    const draft: Draft = { hold: { op: "VOID", holdId: hold.id } };
    return this.journal.post(caller, draft, claim, holdSuccess, (prior) => this.replayHold(prior));
  }

  /** Releases the expired holds of some accounts; returns how many accounts. */
  async sweep(): Promise<number> {
    const rows = await this.sql.query(Prisma.sql`SELECT sweep_expired_holds(${SWEEP_BATCH}::int) AS swept`);
    return rows[0].swept as number;
  }

  /** The hold, if the caller may see it: a hold on another customer's account looks like no hold. */
  private async visible(caller: Caller, holdId: string): Promise<Hold | undefined> {
    const [hold] = await this.lookups.holds([holdId.toLowerCase()]);
    return hold && canSee(caller, hold.ownerId) ? hold : undefined;
  }

  private async replayHold(prior: StoredResult): Promise<HoldSuccess> {
    const [hold] = await this.lookups.holds([prior.holdId!]);
    const account = await this.db.account.findUniqueOrThrow({ where: { id: hold.accountId } });
    return { outcome: "HoldSuccess", hold, account, replayed: true };
  }
}

function holdSuccess(written: Written, replayed: boolean): HoldSuccess {
  return { outcome: "HoldSuccess", hold: written.hold!, account: written.lines[0].account, replayed };
}
