import pg from "pg";
import { Gauge } from "prom-client";
import type { EventsConfig } from "../config";
import type { Db } from "../db/client";
import { Prisma } from "../db/generated/prisma/client";
import { deleteInBatches } from "../db/purge";
import type { Currencies } from "../ledger/currencies";
import type { Logger } from "../logger";
import type { Metrics } from "../metrics";
import { EventHub } from "./hub";
import { Relay, type RelayOptions, type Sink } from "./relay";
import { natsSink } from "./sinks/nats";
import { webhookSink } from "./sinks/webhook";

export { EventHub } from "./hub";
export type { CloudEvent, EventType } from "./cloudEvent";

export interface Events {
  hub: EventHub;
  relays: Relay[];
  stop(): Promise<void>;
}

/**
 * Registers the configured sinks (NATS, the webhook) and starts a relay for
 * each; GraphQL subscriptions read the outbox themselves (EventHub). A sink receives the
 * events written after it was first registered; to retire one, delete its
 * row from outbox_sinks (its undelivered events go with it).
 */
export async function startEvents(
  url: string,
  config: EventsConfig,
  {
    currencies,
    gapTimeoutMs,
    log,
    metrics,
    beforeMark,
  }: { currencies: Currencies; gapTimeoutMs: number; log: Logger; metrics: Metrics; beforeMark?: RelayOptions["beforeMark"] },
): Promise<Events> {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  // An idle connection that breaks is replaced at the next round; it must not take the process down.
  pool.on("error", (error) => log.warn({ err: error }, "event relay lost a database connection"));
  const hub = new EventHub(pool, { source: config.source, currencies, log, pollIntervalMs: config.pollIntervalMs, gapTimeoutMs });
  const sinks: Sink[] = [];
  try {
    if (config.nats) sinks.push(await natsSink(config.nats));
    if (config.webhook) sinks.push(webhookSink(config.webhook));
  } catch (error) {
    await pool.end();
    throw error;
  }
  await pool.query("INSERT INTO outbox_sinks (name) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING", [sinks.map((s) => s.name)]);
  backlogGauge(pool, metrics);
  const relays = sinks.map((sink) => new Relay(pool, sink, { ...config, currencies, beforeMark }, metrics.events, log));
  for (const relay of relays) relay.start();
  if (sinks.length) log.info({ sinks: sinks.map((s) => s.name) }, "event relays started");
  return {
    hub,
    relays,
    async stop() {
      await Promise.all(relays.map((relay) => relay.stop()));
      await pool.end();
    },
  };
}

/** Undelivered and dead-lettered events per sink, read from the outbox at each scrape. */
function backlogGauge(pool: pg.Pool, metrics: Metrics) {
  new Gauge({
    name: "solvent_outbox_events",
    help: "Events waiting for delivery (state pending) or given up on (state dead), per sink",
    labelNames: ["sink", "state"],
    registers: [metrics.registry],
    async collect() {
      const { rows } = await pool.query<{ sink: string; pending: string; dead: string }>(
        `SELECT s.name AS sink, count(d.event_seq) FILTER (WHERE d.dead_at IS NULL) AS pending,
                count(d.event_seq) FILTER (WHERE d.dead_at IS NOT NULL) AS dead
           FROM outbox_sinks s LEFT JOIN outbox_deliveries d ON d.sink = s.name
          GROUP BY s.name`,
      );
      this.reset();
      for (const row of rows) {
        this.set({ sink: row.sink, state: "pending" }, Number(row.pending));
        this.set({ sink: row.sink, state: "dead" }, Number(row.dead));
      }
    },
  });
}

/** Deletes events older than the retention that no sink still owes (dead-lettered ones stay); returns how many. */
export function purgeDeliveredEvents(db: Db, retentionHours: number): Promise<number> {
  return deleteInBatches(
    db,
    "outbox",
    Prisma.sql`created_at < now() - make_interval(hours => ${retentionHours}::int)
               AND NOT EXISTS (SELECT 1 FROM outbox_deliveries d WHERE d.event_seq = outbox.seq)`,
  );
}
