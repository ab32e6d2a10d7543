import http from "node:http";
import type { AddressInfo } from "node:net";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import type pg from "pg";
import type { CloudEvent } from "../../src/events";

export const NATS_URL = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";

export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  event: CloudEvent;
}

/**
 * A webhook receiver on loopback that records every request and answers
 * each with the status `respond` picks (200 unless told otherwise; a
 * negative one means: answer 200, but only after a second).
 */
export async function webhookReceiver() {
  const received: Received[] = [];
  let respond: (event: CloudEvent, attempt: number) => number = () => 200;
  const attempts = new Map<string, number>();
  const server = http.createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      const event = JSON.parse(body) as CloudEvent;
      received.push({ headers: req.headers, body, event });
      const attempt = (attempts.get(event.id) ?? 0) + 1;
      attempts.set(event.id, attempt);
      const status = respond(event, attempt);
      if (status < 0) setTimeout(() => res.writeHead(200).end(), 1000);
      else res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    /** The events a consumer keeps: the first of each id. */
    deduplicated: () => [...new Map(received.map((r) => [r.event.id, r.event])).values()],
    respondWith(pick: (event: CloudEvent, attempt: number) => number) {
      respond = pick;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Every message a JetStream stream holds, in stream order; drops the stream afterwards when asked. */
export async function streamMessages(stream: string): Promise<CloudEvent[]> {
  const connection = await connect({ servers: NATS_URL });
  try {
    const manager = await jetstreamManager(connection);
    const { state } = await manager.streams.info(stream);
    const events: CloudEvent[] = [];
    for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
      const message = await manager.streams.getMessage(stream, { seq });
      if (message) events.push(message.json<CloudEvent>());
    }
    return events;
  } finally {
    await connection.close();
  }
}

export async function deleteStream(stream: string) {
  const connection = await connect({ servers: NATS_URL });
  try {
    await (await jetstreamManager(connection)).streams.delete(stream).catch(() => false);
  } finally {
    await connection.close();
  }
}

/** Waits until `check` holds, polling; fails with what it last saw after `ms`. */
export async function eventually<T>(check: () => Promise<T>, until: (value: T) => boolean, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (until(value)) return value;
    if (Date.now() > deadline) throw new Error(`still not there after ${ms} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Deliveries still owed to a sink (dead ones excluded). */
export const undelivered = async (sql: pg.Pool, sink: string) =>
  Number((await sql.query("SELECT count(*) FROM outbox_deliveries WHERE sink = $1 AND dead_at IS NULL", [sink])).rows[0].count);
