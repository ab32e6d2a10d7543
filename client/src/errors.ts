import { CombinedGraphQLErrors, ServerError } from "@apollo/client";

/**
 * The extensions of a failed request's first top-level error: its `code` (UNAUTHENTICATED,
 * FORBIDDEN, RATE_LIMITED with `retryAfterSeconds`, SERVICE_UNAVAILABLE, ...) and `requestId`.
 * Apollo hands them over as GraphQL errors, or as the body of an HTTP error status (a 413, a
 * 400 before any GraphQL ran); `{}` for an answer that says nothing more, and undefined when no
 * answer came at all (the network failed: the request may or may not have reached the server).
 */
export function errorExtensions(error: unknown): Record<string, unknown> | undefined {
  if (CombinedGraphQLErrors.is(error)) return error.errors[0]?.extensions ?? {};
  if (!ServerError.is(error)) return undefined;
  try {
    return JSON.parse(error.bodyText).errors[0].extensions ?? {};
  } catch {
    return {};
  }
}
