import type { ApolloServerPlugin } from "@apollo/server";
import type { GraphQLFormattedError } from "graphql";

export const SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE";

/** Lock and pool waits are bounded in seconds: by then the row or a connection has usually come free. */
const RETRY_AFTER_SECONDS = 1;

/** What a client is told when the database was too busy for its request (see isDatabaseBusy): nothing happened, send it again. */
export function serviceUnavailable(path: GraphQLFormattedError["path"]): GraphQLFormattedError {
  return {
    message: "The database was too busy to answer in time and nothing was changed: retry in a moment with the same idempotency key",
    path,
    extensions: { code: SERVICE_UNAVAILABLE, retryAfterSeconds: RETRY_AFTER_SECONDS },
  };
}

/** Such an answer is an HTTP 503 with Retry-After, which HTTP clients, proxies and load balancers know to retry. */
export function serviceUnavailableStatus(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          const errors = response.body.kind === "single" ? response.body.singleResult.errors : undefined;
          if (!errors?.some((error) => error.extensions?.code === SERVICE_UNAVAILABLE)) return;
          response.http.status = 503;
          response.http.headers.set("retry-after", String(RETRY_AFTER_SECONDS));
        },
      };
    },
  };
}
