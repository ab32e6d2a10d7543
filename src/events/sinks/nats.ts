import { jetstream, jetstreamManager, JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import { connect, nanos } from "@nats-io/transport-node";
import type { EventsConfig } from "../../config";
import { DeliveryError, type Sink } from "../relay";

/** How long JetStream remembers a message id: a re-sent event within it is dropped as a duplicate. */
const DUPLICATE_WINDOW_MS = 2 * 60_000;
const PUBLISH_TIMEOUT_MS = 5000;

/**
 * Publishes each event to JetStream on `<prefix>.<type>.<account id>` (e.g.
 * solvent.transaction.posted.0195...), with the event id as the message id,
 * so JetStream drops what the relay sends again after a crash. Creates the
 * stream (capturing `<prefix>.>`) when it does not exist.
 */
export async function natsSink({ url, stream, subjectPrefix }: NonNullable<EventsConfig["nats"]>): Promise<Sink> {
  const connection = await connect({ servers: url, name: "solvent" });
  try {
    const manager = await jetstreamManager(connection);
    await manager.streams.info(stream).catch(async (error: unknown) => {
      if (!(error instanceof JetStreamApiError) || error.code !== JetStreamApiCodes.StreamNotFound) throw error;
      await manager.streams.add({ name: stream, subjects: [`${subjectPrefix}.>`], duplicate_window: nanos(DUPLICATE_WINDOW_MS) });
    });
  } catch (error) {
    await connection.close();
    throw error;
  }
  const js = jetstream(connection);
  return {
    name: "nats",
    async send(event) {
      const subject = `${subjectPrefix}.${event.type.replace(/^solvent\./, "")}.${event.subject}`;
      try {
        await js.publish(subject, JSON.stringify(event), { msgID: event.id, expect: { streamName: stream }, timeout: PUBLISH_TIMEOUT_MS });
      } catch (error) {
        throw new DeliveryError(`NATS: ${error instanceof Error ? error.message : String(error)}`);
      }
    },
    close: () => connection.drain(),
  };
}
