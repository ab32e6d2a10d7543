import { createHmac } from "node:crypto";
import type { EventsConfig } from "../../config";
import { DeliveryError, type Sink } from "../relay";

export const SIGNATURE_HEADER = "solvent-signature";

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, keyed with
 * EVENTS_WEBHOOK_SECRET: the receiver recomputes it over the raw body and
 * rejects old timestamps, so a captured request cannot be replayed later.
 */
export function signature(secret: string, body: string, timestamp: number): string {
  return `t=${timestamp},v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/**
 * POSTs each event (CloudEvents structured mode) to EVENTS_WEBHOOK_URL.
 * 2xx is delivered; a timeout, a network error, 5xx, 3xx or 429 is tried
 * again; any other 4xx is the receiver refusing the event: dead-lettered at
 * once.
 */
export function webhookSink({ url, secret, timeoutMs }: NonNullable<EventsConfig["webhook"]>): Sink {
  return {
    name: "webhook",
    async send(event) {
      const body = JSON.stringify(event);
      let response: Response;
      try {
        response = await fetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/cloudevents+json; charset=utf-8",
            [SIGNATURE_HEADER]: signature(secret, body, Math.floor(Date.now() / 1000)),
          },
          body,
          // A redirect would send a signed event where nobody configured it to go.
          redirect: "manual",
          signal: AbortSignal.timeout(timeoutMs),
        });
        await response.body?.cancel();
      } catch (error) {
        throw new DeliveryError(`webhook: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (response.ok) return;
      const refused = response.status >= 400 && response.status < 500 && response.status !== 429;
      throw new DeliveryError(`webhook answered ${response.status}`, refused);
    },
  };
}
