import { randomUUID } from "node:crypto";
import { EventEmitter, on } from "node:events";
import pg from "pg";
import type { Logger } from "../logger";
import { toCloudEvent, type CloudEvent, type OutboxRow } from "./cloudEvent";
import type { Sink } from "./relay";

const CHANNEL = "solvent_events";
/** NOTIFY carries at most 8,000 bytes; a larger event goes by id and is read back from the outbox. */
const MAX_NOTIFY_BYTES = 7900;
const RECONNECT_MS = 1000;

type Notice = { origin: string; event: CloudEvent } | { origin: string; id: string };

/**
 * GraphQL subscriptions are fed from the database, so a posting made through
 * any server process reaches subscribers of every process. The relay of the
 * "subscriptions" sink hands each event, in account order, to the hub of its
 * own process once its round commits, and NOTIFYs the other processes in the
 * same transaction; each hub LISTENs and passes on what the others deliver.
 * On the embedded database (one process, and no NOTIFY between its
 * connections) the hub only serves its own process.
 */
export class EventHub {
  private readonly origin = randomUUID();
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  private listener?: pg.Client;
  /** Notifications are handled one after the other, so that an account's events stay in order. */
  private handled = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly url: string,
    private readonly source: string,
    private readonly log: Logger,
    private readonly listening: boolean,
  ) {}

  static async start(url: string, source: string, log: Logger, { listen }: { listen: boolean }): Promise<EventHub> {
    const hub = new EventHub(url, source, log, listen);
    if (listen) await hub.listen();
    return hub;
  }

  /** Events about one account, in order, from the moment this is called (not when iteration starts). */
  events(accountId: string): AsyncIterableIterator<CloudEvent> {
    return mapIterator(on(this.emitter, accountId.toLowerCase()), async ([event]) => event as CloudEvent);
  }

  /** How many subscriptions listen to an account's events in this process. */
  subscribers(accountId: string): number {
    return this.emitter.listenerCount(accountId.toLowerCase());
  }

  /** The sink whose relay feeds the hubs: this process's at once, the others' through NOTIFY. */
  sink(db: pg.Pool): Sink {
    return {
      name: "subscriptions",
      send: async (event) => {
        this.emit(event);
        if (!this.listening) return;
        const notice = JSON.stringify({ origin: this.origin, event } satisfies Notice);
        const payload = Buffer.byteLength(notice) <= MAX_NOTIFY_BYTES ? notice : JSON.stringify({ origin: this.origin, id: event.id });
        await db.query("SELECT pg_notify($1, $2)", [CHANNEL, payload]);
      },
    };
  }

  async close() {
    this.closed = true;
    await this.listener?.end().catch(() => undefined);
  }

  private emit(event: CloudEvent) {
    this.emitter.emit(event.subject, event);
  }

  private async listen() {
    const client = new pg.Client({ connectionString: this.url });
    client.on("error", (error) => this.log.warn({ err: error }, "event hub lost its connection"));
    client.on("end", () => {
      if (!this.closed) setTimeout(() => void this.listen().catch((error: unknown) => this.log.error({ err: error }, "event hub cannot listen")), RECONNECT_MS);
    });
    client.on("notification", (message) => {
      this.handled = this.handled
        .then(() => this.received(client, message.payload))
        .catch((error: unknown) => this.log.error({ err: error }, "event hub could not pass an event on"));
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.listener = client;
  }

  private async received(client: pg.Client, payload: string | undefined) {
    const notice = JSON.parse(payload ?? "{}") as Notice;
    if (notice.origin === this.origin) return;
    if ("event" in notice) return this.emit(notice.event);
    const { rows } = await client.query<OutboxRow>("SELECT id, type, subject, account_version, data, created_at FROM outbox WHERE id = $1", [notice.id]);
    if (rows[0]) this.emit(toCloudEvent(rows[0], this.source));
  }
}

/**
 * `source` with each value mapped (and dropped when `map` answers undefined).
 * Unlike an async generator, returning from it reaches `source` at once, even
 * while a next() waits for a value: a subscriber that goes away stops
 * listening then, not at the account's next event.
 */
export function mapIterator<S, T>(source: AsyncIterator<S>, map: (value: S) => Promise<T | undefined>): AsyncIterableIterator<T> {
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
      await source.return?.();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
