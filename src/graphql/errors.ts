import { unwrapResolverError } from "@apollo/server/errors";
import { GraphQLError, type GraphQLErrorExtensions, type GraphQLFormattedError } from "graphql";
import { PageRequestError } from "../ledger/history";
import { isDatabaseBusy } from "../ledger/sqlErrors";
import { SERVICE_UNAVAILABLE, serviceUnavailable } from "./busy";
import type { Logger } from "../logger";

/**
 * An error written for the client, answered with an HTTP status of its own.
 * Apollo takes `extensions.http` off the error and applies it to the
 * response; it reads the headers as a Map (graphql-yoga, whose GraphiQL page
 * we serve, declares them a plain object, hence the cast).
 */
export function clientError(
  message: string,
  code: string,
  status: number,
  { extensions = {}, headers = {} }: { extensions?: Record<string, unknown>; headers?: Record<string, string> } = {},
): GraphQLError {
  const http = { status, headers: new Map(Object.entries(headers)) } as unknown as GraphQLErrorExtensions["http"];
  return new GraphQLError(message, { extensions: { code, ...extensions, http } });
}

export const INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR";
export const INTERNAL_ERROR_MESSAGE = "Internal server error: quote the requestId when reporting it";

/**
 * Codes whose message is written for the client, with the level their log
 * line gets: refusals worth watching (who is knocking, who is throttled)
 * warn, the rest is information. Any other code is masked as
 * INTERNAL_SERVER_ERROR and logged as an error. A new code is one line here
 * (and one in CODES_OF_ERRORS when it comes from an error without a code).
 */
const ANSWERED_CODES: Record<string, "info" | "warn"> = {
  GRAPHQL_PARSE_FAILED: "info",
  GRAPHQL_VALIDATION_FAILED: "info",
  BAD_USER_INPUT: "info",
  BAD_REQUEST: "info",
  OPERATION_RESOLUTION_FAILURE: "info",
  PERSISTED_QUERY_NOT_FOUND: "info",
  PERSISTED_QUERY_NOT_SUPPORTED: "info",
  NOT_FOUND: "info",
  QUERY_TOO_COSTLY: "info",
  UNAUTHENTICATED: "warn",
  FORBIDDEN: "warn",
  RATE_LIMITED: "warn",
  [SERVICE_UNAVAILABLE]: "warn",
};
/** Errors that carry no GraphQL code, and the code they are answered with. */
const CODES_OF_ERRORS: Array<[(error: unknown) => boolean, string]> = [
  [(error) => error instanceof PageRequestError, "BAD_USER_INPUT"],
  [isDatabaseBusy, SERVICE_UNAVAILABLE],
];
/** Extensions a client may read beside the code (the limits it ran into). */
const CLIENT_EXTENSIONS = ["retryAfterSeconds", "cost", "maxCost"];

/** The code an error is answered and logged with: the one place that decides it. */
export function errorCode(error: unknown): string {
  const original = unwrapResolverError(error);
  const known = CODES_OF_ERRORS.find(([matches]) => matches(original));
  if (known) return known[1];
  const extensions = error instanceof GraphQLError ? error.extensions : undefined;
  const code = typeof extensions?.code === "string" ? extensions.code : undefined;
  if (code && code in ANSWERED_CODES) return code;
  // Apollo refuses some malformed requests with a 4xx status but no code: they are the client's to fix.
  const status = extensions?.http?.status;
  if (!code && status && status >= 400 && status < 500) return "BAD_REQUEST";
  return INTERNAL_SERVER_ERROR;
}

/** What the client sees of an error: its message and code when it is meant for the client, else only a request id (added later). */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const code = errorCode(error);
  if (code === INTERNAL_SERVER_ERROR) return { message: INTERNAL_ERROR_MESSAGE, path: formatted.path, extensions: { code } };
  // The driver's message would name the statement or the pool; the client is told what happened and what to do.
  if (code === SERVICE_UNAVAILABLE) return serviceUnavailable(formatted.path);
  const extensions = Object.fromEntries(CLIENT_EXTENSIONS.filter((k) => formatted.extensions?.[k] !== undefined).map((k) => [k, formatted.extensions![k]]));
  return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code, ...extensions } };
}

/**
 * Logs an error as its code says: our own fault in full, at error level, with
 * its stack; a client's mistake as one line with its code (never its message,
 * which may quote the request). Returns the code.
 */
export function logError(log: Logger, error: unknown, fields: Record<string, unknown>): string {
  const code = errorCode(error);
  if (code === INTERNAL_SERVER_ERROR) log.error({ ...fields, err: unwrapResolverError(error) }, "internal error");
  else log[ANSWERED_CODES[code]]({ ...fields, code }, "client error");
  return code;
}
