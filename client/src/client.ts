import { ApolloClient, ApolloLink, HttpLink } from "@apollo/client";
import { ErrorLink } from "@apollo/client/link/error";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { OperationTypeNode } from "graphql";
import { createClient } from "graphql-ws";
import { createSolventCache } from "./cache";
import { errorExtensions } from "./errors";

export interface SolventClientOptions {
  /** Solvent's GraphQL endpoint, absolute: "https://ledger.example/graphql". */
  url: string;
  /** The caller's bearer token (a JWT). */
  token: string;
  /** Where there is no global WebSocket (Node 20): the `ws` package's. */
  webSocketImpl?: unknown;
  /** Called when the server refuses the token (401 UNAUTHENTICATED: expired, or signed with a secret of an earlier start). */
  onUnauthenticated?: () => void;
}

/**
 * An Apollo Client for Solvent: queries and mutations as HTTP POSTs with the token in the
 * Authorization header (Apollo's JSON content type is what the server's CSRF prevention
 * asks for); subscriptions over graphql-ws on the same path, the token in the connection's
 * `authorization` parameter; the cache configured in ./cache. Every refused token reaches
 * `onUnauthenticated`, whichever operation met it.
 */
export function createSolventClient({ url, token, webSocketImpl, onUnauthenticated }: SolventClientOptions) {
  const authorization = `Bearer ${token}`;
  const http = new HttpLink({ uri: url, headers: { authorization } });
  // Lazy (graphql-ws's default): the socket opens with the first subscription and closes after the last.
  const webSocket = new GraphQLWsLink(
    createClient({ url: url.replace(/^http/, "ws"), connectionParams: { authorization }, webSocketImpl }),
  );
  const refusedToken = new ErrorLink(({ error }) => {
    if (errorExtensions(error)?.code === "UNAUTHENTICATED") onUnauthenticated?.();
  });
  return new ApolloClient({
    link: refusedToken.concat(ApolloLink.split(({ operationType }) => operationType === OperationTypeNode.SUBSCRIPTION, webSocket, http)),
    cache: createSolventCache(),
  });
}
