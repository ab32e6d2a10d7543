import { GraphQLError, type GraphQLErrorExtensions } from "graphql";

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
