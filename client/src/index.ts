// @solvent/client: Solvent's operations as typed documents and React hooks (generated from
// ./operations by the repository's codegen.yml), their types, possibleTypes, a configured
// Apollo Client 4, and the codes of its top-level errors.
export * from "./generated/graphql";
export * from "./generated/hooks";
export { possibleTypes } from "./cache";
export { createSolventClient, type SolventClientOptions } from "./client";
export { errorExtensions } from "./errors";
