import { ApolloClient, ApolloLink, HttpLink } from "@apollo/client";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { OperationTypeNode } from "graphql";
import { createClient } from "graphql-ws";
import { createSolventCache } from "./cache";

export interface SolventClientOptions {
  /** Solvent's GraphQL endpoint, absolute: "https://ledger.example/graphql". */
  url: string;
  /** The caller's bearer token (a JWT). */
  token: string;
  /** Where there is no global WebSocket (Node 20): the `ws` package's. */
  webSocketImpl?: unknown;
}

/**
 * An Apollo Client for Solvent: queries and mutations as HTTP POSTs with the token in the
 * Authorization header (Apollo's JSON content type is what the server's CSRF prevention
 * asks for); subscriptions over graphql-ws on the same path, the token in the connection's
 * `authorization` parameter; the cache configured in ./cache.
 */
export function createSolventClient({ url, token, webSocketImpl }: SolventClientOptions) {
  const authorization = `Bearer ${token}`;
  const http = new HttpLink({ uri: url, headers: { authorization } });
  // Lazy (graphql-ws's default): the socket opens with the first subscription and closes after the last.
  const webSocket = new GraphQLWsLink(
    createClient({ url: url.replace(/^http/, "ws"), connectionParams: { authorization }, webSocketImpl }),
  );
  return new ApolloClient({
    link: ApolloLink.split(({ operationType }) => operationType === OperationTypeNode.SUBSCRIPTION, webSocket, http),
    cache: createSolventCache(),
  });
}
