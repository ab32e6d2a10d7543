import { EventEmitter, on } from "node:events";
import type pg from "pg";
import type { Currencies } from "../ledger/currencies";
import type { Logger } from "../logger";
import { EVENT_COLUMNS, EVENT_JOINS, toCloudEvent, type CloudEvent, type EventRow } from "./cloudEvent";

const BATCH = 1000;

/**
 * GraphQL subscriptions are fed from the outbox, so a posting made through
 * any server process reaches subscribers of every process. While a process
 * has subscribers, its hub reads the events written since it started
 * following (by outbox seq), and passes those about subscribed accounts on.
 * With no subscriber it reads nothing.
 *
 * Outbox seqs are handed out when events are written, and transactions commit
 * in any order: a seq missing after a later one was read is an event still
 * being written (or rolled back). The hub reads such gaps again until they
 * appear or are older than any statement may run (`gapTimeoutMs`). An
 * account's events never wait on each other this way: the next one is only
 * written once the one before it has committed, so seq order is account order.
 */
export class EventHub {
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  private following?: Promise<void>;
  private readonly ready = new Map<string, number>();
  private cursor = 0;
  /** Seqs skipped over, with when they were first missed. */
  private readonly gaps = new Map<number, number>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: { source: string; currencies: Currencies; log: Logger; pollIntervalMs: number; gapTimeoutMs: number },
  ) {}

  /**
   * Events about one account written from now on (past the outbox's last seq
   * once listening), in order. Resolves once that point is fixed.
   */
  async events(accountId: string): Promise<AsyncIterableIterator<CloudEvent>> {
    const account = accountId.toLowerCase();
    let from = Infinity;
    const listening = on(this.emitter, account);
    try {
      await this.follow();
      from = await this.lastSeq();
    } catch (error) {
      await listening.return?.();
      throw error;
    }
    this.ready.set(account, this.subscribers(account) + 1);
    return mapIterator(
      listening,
      async ([seq, event]) => (seq > from ? (event as CloudEvent) : undefined),
      () => this.ready.set(account, this.subscribers(account) - 1),
    );
  }

  /** How many subscriptions of this process receive an account's events (their starting point fixed). */
  subscribers(accountId: string): number {
    return this.ready.get(accountId.toLowerCase()) ?? 0;
  }

  private async lastSeq(): Promise<number> {
    const { rows } = await this.pool.query<{ seq: string }>("SELECT coalesce(max(seq), 0) AS seq FROM outbox");
    return Number(rows[0].seq);
  }

  /** Starts reading the outbox from its end, unless it already does; stops when nobody listens any more. */
  private follow(): Promise<void> {
    this.following ??= (async () => {
      this.cursor = await this.lastSeq();
      this.gaps.clear();
      // Started once the first listener is in place: it stops when there is none.
      setImmediate(() => void this.poll());
    })().catch((error: unknown) => {
      this.following = undefined;
      throw error;
    });
    return this.following;
  }

  private async poll() {
    while (this.emitter.eventNames().length > 0) {
      const full = await this.read().catch((error: unknown) => {
        this.options.log.error({ err: error }, "event hub could not read the outbox");
        return false;
      });
      if (!full) await new Promise((resolve) => setTimeout(resolve, this.options.pollIntervalMs));
    }
    this.following = undefined;
  }

  /**
   * Reads what was written since the last time (and the gaps), and passes on
   * what somebody here listens to. Returns whether there may be more at once.
   */
  private async read(): Promise<boolean> {
    const expired = Date.now() - this.options.gapTimeoutMs;
    for (const [seq, missedAt] of this.gaps) if (missedAt < expired) this.gaps.delete(seq);
    const { rows } = await this.pool.query<{ seq: string; subject: string }>(
      "SELECT seq, subject FROM outbox WHERE seq > $1 OR seq = ANY($2::bigint[]) ORDER BY seq LIMIT $3",
      [this.cursor, [...this.gaps.keys()], BATCH],
    );
    const seen = rows.map((row) => Number(row.seq));
    for (const seq of seen) {
      this.gaps.delete(seq);
      for (let missing = this.cursor + 1; missing < seq; missing++) this.gaps.set(missing, Date.now());
      this.cursor = Math.max(this.cursor, seq);
    }
    const wanted = rows.filter((row) => this.emitter.listenerCount(row.subject) > 0).map((row) => row.seq);
    if (wanted.length === 0) return rows.length === BATCH;
    const events = await this.pool.query<EventRow & { seq: string }>(
      `SELECT o.seq, ${EVENT_COLUMNS} FROM outbox o ${EVENT_JOINS} WHERE o.seq = ANY($1::bigint[]) ORDER BY o.seq`,
      [wanted],
    );
    for (const row of events.rows) this.emitter.emit(row.subject, Number(row.seq), toCloudEvent(row, this.options.source, this.options.currencies));
    return rows.length === BATCH;
  }
}

/**
 * `source` with each value mapped (and dropped when `map` answers undefined).
 * Unlike an async generator, returning from it reaches `source` at once, even
 * while a next() waits for a value: a subscriber that goes away stops
 * listening then, not at the account's next event.
 */
export function mapIterator<S, T>(source: AsyncIterator<S>, map: (value: S) => Promise<T | undefined>, onReturn?: () => void): AsyncIterableIterator<T> {
  let returned = false;
  return {
    async next() {
      for (;;) {
        const result = await source.next();
        if (result.done) return { done: true, value: undefined };
        const value = await map(result.value);
        if (value !== undefined) return { done: false, value };
      }
    },
    async return() {
      if (!returned) onReturn?.();
      returned = true;
      await source.return?.();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
