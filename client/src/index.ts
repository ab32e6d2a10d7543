// @solvent/client: Solvent's operations as typed documents and React hooks (generated from
// ./operations by the repository's codegen.yml), their types, possibleTypes, and a configured
// Apollo Client 4.
export * from "./generated/graphql";
export * from "./generated/hooks";
export { possibleTypes } from "./cache";
export { createSolventClient, type SolventClientOptions } from "./client";
