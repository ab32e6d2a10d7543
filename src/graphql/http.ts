import type http from "node:http";
import { HeaderMap, type ApolloServer, type HTTPGraphQLRequest } from "@apollo/server";
import contentType from "content-type";
import getRawBody from "raw-body";
import type { Context } from "./context";

/** A GraphQL request is a document and its variables: never a bulk upload. */
const BODY_LIMIT = "100kb";

/** A request refused before GraphQL saw it (unreadable body), with the HTTP status it is answered with. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Who sends the request, made from the request itself and the body it carried (undefined: none, or not JSON). */
export type RequestContext = (req: http.IncomingMessage, res: http.ServerResponse, body: unknown) => Promise<Context>;

/**
 * Apollo Server on Node's own request and response, the way Apollo's
 * standalone server runs it, not through Express: measured on credits at 16
 * connections, Express's router and body-parser took about a quarter of the
 * server's CPU per request (docs: bench/README.md, "Where the CPU goes").
 * `server.ts` sends every POST /graphql here straight from the HTTP server;
 * Express serves the rest, GET /graphql included (it compresses the page).
 */
export function graphqlHandler(apollo: ApolloServer<Context>, context: RequestContext, onError: (error: unknown, res: http.ServerResponse) => void) {
  return async (req: http.IncomingMessage, res: http.ServerResponse) => {
    try {
      const body = req.method === "POST" ? await jsonBody(req) : undefined;
      const headers = new HeaderMap();
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
      }
      const url = req.url ?? "";
      const query = url.indexOf("?");
      const request: HTTPGraphQLRequest = { method: req.method!.toUpperCase(), headers, search: query < 0 ? "" : url.slice(query), body };
      const answer = await apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest: request, context: () => context(req, res, body) });
      for (const [name, value] of answer.headers) res.setHeader(name, value);
      res.statusCode = answer.status ?? 200;
      if (answer.body.kind === "complete") {
        res.end(answer.body.string);
        return;
      }
      for await (const chunk of answer.body.asyncIterator) res.write(chunk);
      res.end();
    } catch (error) {
      onError(error, res);
    }
  };
}

/**
 * The body of a JSON request, parsed; undefined for any other content type,
 * which Apollo then refuses (a text/plain POST is what CSRF prevention is
 * there to stop). Only UTF-8 and no content encoding, as express.json()
 * accepted before.
 */
async function jsonBody(req: http.IncomingMessage): Promise<unknown> {
  const type = mediaType(req);
  if (type?.type !== "application/json") return undefined;
  const charset = type.parameters.charset?.toLowerCase() ?? "utf-8";
  if (charset !== "utf-8" && charset !== "utf8") throw new HttpError(415, `unsupported charset "${charset.toUpperCase()}"`);
  const encoding = req.headers["content-encoding"]?.toLowerCase() ?? "identity";
  if (encoding !== "identity") throw new HttpError(415, `unsupported content encoding "${encoding}"`);
  let text: string;
  try {
    text = await getRawBody(req, { length: req.headers["content-length"], limit: BODY_LIMIT, encoding: "utf-8" });
  } catch (error) {
    // raw-body's errors say what was wrong (too large: 413, shorter than announced: 400) and carry no internals.
    const { status, message } = error as { status?: number; message: string };
    throw status && status < 500 ? new HttpError(status, message) : error;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `the body is not valid JSON: ${(error as Error).message}`);
  }
}

function mediaType(req: http.IncomingMessage) {
  try {
    return req.headers["content-type"] ? contentType.parse(req) : undefined;
  } catch {
    return undefined; // a malformed header: not JSON
  }
}
