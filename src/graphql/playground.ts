import type { ApolloServerPlugin } from "@apollo/server";
import compression from "compression";
import type { Context } from "./context";

/** What the page opens with: where the token goes, then a query to run. */
const WELCOME = `# Solvent's GraphQL playground.
#
# Every request needs a bearer token. Put it in the
# Headers tab (below):
#
#   {"Authorization": "Bearer <token>"}
#
# On the embedded database \`npm start\` prints a
# development admin token ("adminToken":"eyJ...");
#   npm run token -- --role customer --sub alice
# makes others (roles: customer, teller, admin).
#
# GraphiQL fetched the schema when the page opened,
# before the token was there: once it is set, press
# Shift-Ctrl-R (or "Re-fetch GraphQL schema", the
# circular arrow at the bottom left) to load it.
#
# Subscriptions go over a WebSocket (graphql-ws) with
# the same header:
#
#   subscription {
#     accountActivity(accountId: "<id>") { id type amount }
#   }

query Accounts {
  accounts(first: 5) {
    edges {
      node {
        id
        accountNumber
        customerName
        balance
        currency
      }
    }
  }
}
`;

/**
 * GraphiQL with everything inlined (9 MB, made on first view): it works
 * offline, unlike the CDN-hosted default pages. Its module (another 10 MB)
 * is loaded on first view too, so a server nobody opens it on does not keep
 * it. Subscriptions go over graphql-ws: GraphiQL's default, server-sent
 * events, is a GET our CSRF prevention refuses.
 */
export function playgroundPlugin(): ApolloServerPlugin<Context> {
  let html: string | undefined;
  const page = async () => {
    if (html === undefined) {
      const { renderGraphiQL } = await import("@graphql-yoga/render-graphiql");
      html = renderGraphiQL({
        title: "Solvent",
        endpoint: "/graphql",
        subscriptionsProtocol: "WS",
        defaultQuery: WELCOME,
        defaultHeaders: '{"Authorization": "Bearer <token>"}',
        defaultEditorToolsVisibility: "headers",
      });
    }
    return html;
  };
  return {
    async serverWillStart() {
      return {
        async renderLandingPage() {
          return { html: page };
        },
      };
    },
  };
}

/** Compresses the page (9 MB, about 2 MB gzipped), and nothing else: GraphQL answers are small and hot. */
export const compressPlayground = compression({
  filter: (_req, res) => String(res.getHeader("content-type") ?? "").startsWith("text/html"),
});
