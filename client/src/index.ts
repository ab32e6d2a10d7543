// @solvent/client: Solvent's operations as typed documents and React hooks (generated from
// ./operations by the repository's codegen.yml), their types, and possibleTypes.
import introspection from "./generated/possibleTypes";

export * from "./generated/graphql";
export * from "./generated/hooks";

/**
 * Which concrete types each union and interface stands for. Without it Apollo Client cannot
 * tell that an `InsufficientFunds` is a `UserError`, and silently drops the fields a document
 * selects with `... on UserError`.
 */
export const possibleTypes = introspection.possibleTypes;
