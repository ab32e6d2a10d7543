import type http from "node:http";
import { setImmediate as nextTurn, setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "./logger";

/**
 * How long the listener stays open after the stop begins. Connections the
 * kernel accepted before it (in the listen backlog) and bytes that arrived
 * but were not read yet by a busy event loop are taken in meanwhile; closing
 * the listener or a connection at once would reset them, requests their
 * clients had already sent.
 */
const ACCEPT_AFTER_STOP_MS = 250;

export interface Drain {
  /**
   * Answers every request that has arrived, then closes the server: every
   * answer from now on says `Connection: close`; after ACCEPT_AFTER_STOP_MS
   * and two full turns of the event loop it stops listening and closes the
   * connections that are idle, then waits for the requests in flight, at most
   * `graceMs`, and cuts off what is still open (logged).
   */
  close(graceMs: number): Promise<void>;
}

/**
 * Apollo's drain plugin ends idle keep-alive connections at once, while the
 * server still reads them: a request that was on its way is then run, its
 * change committed, and its answer dropped. Here Node closes a connection
 * only when it is idle with nothing read, or after an answer that told the
 * client so (or, past the grace period, whatever is still open).
 */
export function drainable(server: http.Server, log: Logger): Drain {
  let closing = false;
  const unanswered = new Set<http.ServerResponse>();
  // Before the app's listener, so that the header is set before any answer is written.
  server.prependListener("request", (_request: http.IncomingMessage, response: http.ServerResponse) => {
    if (closing) response.setHeader("connection", "close");
    unanswered.add(response);
    response.once("close", () => unanswered.delete(response));
  });
  return {
    async close(graceMs) {
      closing = true;
      for (const response of unanswered) if (!response.headersSent) response.setHeader("connection", "close");
      await sleep(ACCEPT_AFTER_STOP_MS);
      // Each turn polls for I/O: the first accepts what is in the backlog, the second reads what those connections sent.
      await nextTurn();
      await nextTurn();
      // Since Node 19, close() also closes the idle connections; connections with a request in flight close after its answer.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const late = setTimeout(() => {
        log.error({ requests: unanswered.size, graceMs }, "requests still running after the grace period are cut off");
        server.closeAllConnections();
      }, graceMs);
      await closed;
      clearTimeout(late);
    },
  };
}
