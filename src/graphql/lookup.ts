import { GraphQLError } from "graphql";

const badInput = (message: string) => new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT" } });

/** A lookup by one of two keys: exactly one must be given (neither or both is BAD_USER_INPUT). */
export function requireOneOf(keys: Record<string, unknown>) {
  const names = Object.keys(keys);
  if (names.filter((name) => keys[name] != null).length !== 1) throw badInput(`give exactly one of ${names.join(" and ")}`);
}

/**
 * The one row a reference names for the caller: a reference is unique per
 * owner, so staff may find one per owner that used it; then the id must say
 * which (BAD_USER_INPUT).
 */
export function theOneReferenced<T>(found: T[], what: string): T | null {
  if (found.length > 1) throw badInput(`several owners use this reference: look the ${what} up by id`);
  return found[0] ?? null;
}
