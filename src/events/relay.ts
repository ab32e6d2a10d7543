import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { Logger } from "../logger";
import type { EventMetrics } from "../metrics";
import type { Currencies } from "../ledger/currencies";
import { EVENT_COLUMNS, EVENT_JOINS, toCloudEvent, type CloudEvent, type EventRow } from "./cloudEvent";

/** Where a relay delivers events: NATS JetStream, a webhook. */
export interface Sink {
  /** Its row in outbox_sinks, and its label in logs and metrics. */
  readonly name: string;
  /** Sends one event, or throws a DeliveryError. */
  send(event: CloudEvent): Promise<void>;
  close?(): Promise<void>;
}

/** A failed delivery; a permanent one is not tried again (the event is dead-lettered at once). */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent = false,
  ) {
    super(message);
  }
}

export interface RelayOptions {
  source: string;
  /** To write amounts with their currency's digits. */
  currencies: Currencies;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  pollIntervalMs: number;
  /** How long a round owns the events it claimed; a relay that dies frees them when this runs out. */
  leaseMs: number;
  /** Accounts one round claims. */
  accountsPerRound?: number;
  /** Events one round delivers at most. */
  eventsPerRound?: number;
  /** Runs between sending a round's events and marking them delivered: tests use it to crash there. */
  beforeMark?: (sink: string, events: CloudEvent[]) => Promise<void>;
}

/**
 * One statement claims a round: the first undelivered event of each account
 * that is due and that no other relay holds (SELECT ... FOR UPDATE SKIP
 * LOCKED, so that several relays, in several server processes, share the
 * work), then leases every undelivered event of those accounts, in order.
 * While its first event is leased, or waiting for a retry, an account's
 * later events are held back; a dead-lettered one does not hold them.
 */
const CLAIM = `
  WITH firsts AS (
    SELECT d.sink, d.subject FROM outbox_deliveries d
     WHERE d.sink = $1 AND d.dead_at IS NULL AND d.next_attempt_at <= now()
       AND (d.leased_until IS NULL OR d.leased_until < now())
       AND NOT EXISTS (SELECT 1 FROM outbox_deliveries e
                        WHERE e.sink = d.sink AND e.subject = d.subject AND e.dead_at IS NULL
                          AND (e.position, e.event_seq) < (d.position, d.event_seq))
     ORDER BY d.event_seq
     LIMIT $2
       FOR UPDATE OF d SKIP LOCKED
  ), run AS (
    SELECT d.sink, d.event_seq FROM outbox_deliveries d JOIN firsts f ON f.sink = d.sink AND f.subject = d.subject
     WHERE d.dead_at IS NULL
     ORDER BY d.subject, d.position, d.event_seq
     LIMIT $3
  )
  UPDATE outbox_deliveries d
     SET leased_until = now() + make_interval(secs => $4::float8 / 1000), lease = $5
    FROM run r JOIN outbox o ON o.seq = r.event_seq ${EVENT_JOINS}
   WHERE d.sink = r.sink AND d.event_seq = r.event_seq
  RETURNING d.event_seq, d.position, d.attempts, ${EVENT_COLUMNS}`;

type Claimed = EventRow & { event_seq: string; position: string; attempts: number };

interface Failure {
  seq: string;
  attempts: number;
  error: string;
  dead: boolean;
  retryInMs: number;
}

/** An account's claimed events in delivery order. */
const byPosition = (a: Claimed, b: Claimed) => Number(BigInt(a.position) - BigInt(b.position) || BigInt(a.event_seq) - BigInt(b.event_seq));

/**
 * Moves events from the outbox to one sink, at least once and in order per
 * account: claim a round, send each account's events one after the other
 * (accounts side by side), then delete what arrived and record what failed.
 * A relay that dies before it marks its round sends it again (or another
 * relay does) once the lease runs out; consumers de-duplicate by event id.
 * Failures are retried with exponential backoff and jitter, then
 * dead-lettered.
 */
export class Relay {
  private running?: Promise<void>;
  private stopped = false;
  private wake?: () => void;

  constructor(
    private readonly pool: pg.Pool,
    private readonly sink: Sink,
    private readonly options: RelayOptions,
    private readonly metrics: EventMetrics,
    private readonly log: Logger,
  ) {}

  start() {
    this.running ??= this.loop();
  }

  async stop() {
    this.stopped = true;
    this.wake?.();
    await this.running;
    await this.sink.close?.();
  }

  private async loop() {
    while (!this.stopped) {
      const settled = await this.runOnce().catch((error: unknown) => {
        this.log.error({ err: error, sink: this.sink.name }, "event relay round failed");
        return 0;
      });
      if (settled === 0 && !this.stopped) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.options.pollIntervalMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  }

  /** One round: claim, send, mark. Returns how many events it settled (delivered or failed). */
  async runOnce(): Promise<number> {
    const { accountsPerRound = 100, eventsPerRound = 1000, leaseMs } = this.options;
    const lease = randomUUID();
    const { rows } = await this.pool.query<Claimed>(CLAIM, [this.sink.name, accountsPerRound, eventsPerRound, leaseMs, lease]);
    if (rows.length === 0) return 0;
    const byAccount = new Map<string, Claimed[]>();
    for (const row of rows) byAccount.set(row.subject, [...(byAccount.get(row.subject) ?? []), row]);

    const delivered: CloudEvent[] = [];
    const deliveredSeqs: string[] = [];
    const failures: Failure[] = [];
    await Promise.all(
      [...byAccount.values()].map(async (events) => {
        for (const row of events.sort(byPosition)) {
          const event = toCloudEvent(row, this.options.source, this.options.currencies);
          try {
            await this.sink.send(event);
            delivered.push(event);
            deliveredSeqs.push(row.event_seq);
          } catch (error) {
            failures.push(this.failure(row, error));
            return;
          }
        }
      }),
    );
    await this.options.beforeMark?.(this.sink.name, delivered);
    await this.pool.query("DELETE FROM outbox_deliveries WHERE sink = $1 AND lease = $2 AND event_seq = ANY($3::bigint[])", [
      this.sink.name,
      lease,
      deliveredSeqs,
    ]);
    for (const failure of failures) {
      await this.pool.query(
        `UPDATE outbox_deliveries
            SET attempts = $4, last_error = left($5, 1000), next_attempt_at = now() + make_interval(secs => $6::float8 / 1000),
                dead_at = CASE WHEN $7 THEN now() END, leased_until = NULL, lease = NULL
          WHERE sink = $1 AND lease = $2 AND event_seq = $3`,
        [this.sink.name, lease, failure.seq, failure.attempts, failure.error, failure.retryInMs, failure.dead],
      );
    }
    // What was claimed but not sent (after a failure in its account): free for the next round.
    await this.pool.query("UPDATE outbox_deliveries SET leased_until = NULL, lease = NULL WHERE sink = $1 AND lease = $2", [this.sink.name, lease]);
    this.count(delivered.length, failures);
    return delivered.length + failures.length;
  }

  private failure(row: Claimed, error: unknown): Failure {
    const attempts = row.attempts + 1;
    const permanent = error instanceof DeliveryError && error.permanent;
    const dead = permanent || attempts >= this.options.maxAttempts;
    const message = error instanceof Error ? error.message : String(error);
    this.log.warn({ sink: this.sink.name, eventId: row.id, attempts, dead, error: message }, dead ? "event dead-lettered" : "event delivery failed");
    return { seq: row.event_seq, attempts, error: message, dead, retryInMs: retryDelayMs(attempts, this.options) };
  }

  private count(delivered: number, failures: Failure[]) {
    const sink = this.sink.name;
    this.metrics.delivered.inc({ sink }, delivered);
    for (const failure of failures) {
      this.metrics.failures.inc({ sink });
      if (failure.dead) this.metrics.deadLettered.inc({ sink });
    }
  }
}

/** Exponential backoff with jitter: about base, 2 x base, 4 x base ... up to max, each drawn from its upper half. */
export function retryDelayMs(attempts: number, { retryBaseMs, retryMaxMs }: Pick<RelayOptions, "retryBaseMs" | "retryMaxMs">): number {
  const ceiling = Math.min(retryMaxMs, retryBaseMs * 2 ** (attempts - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}
