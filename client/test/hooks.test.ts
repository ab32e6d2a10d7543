import { parse } from "graphql";

// The local codegen plugin that writes client/src/generated/hooks.ts (plain CommonJS, as codegen loads it).
const { plugin } = require("../codegen/hooks.cjs");

const generate = (operations: string, config: Record<string, unknown> = {}) =>
  plugin(null, [{ document: parse(operations) }], config) as { prepend: string[]; content: string };

test("each operation gets a hook named after it that passes its typed document to Apollo's own hook", () => {
  const output = generate(`
    query Account($id: ID!, $first: Int) { account(id: $id) { id } }
    mutation Debit($input: PostingInput!) { debit(input: $input) { __typename } }
    subscription AccountActivity($accountId: ID!) { accountActivity(accountId: $accountId) { id } }
  `);
  expect(output.prepend).toEqual([
    `import { useMutation, useQuery, useSubscription } from "@apollo/client/react";`,
    `import * as Operations from "./graphql";`,
    "",
  ]);
  expect(output.content).toBe(
    [
      "export function useAccountQuery(options: useQuery.Options<Operations.AccountQuery, Operations.AccountQueryVariables>) {",
      "  return useQuery(Operations.AccountDocument, options);",
      "}",
      "",
      "export function useDebitMutation(options?: useMutation.Options<Operations.DebitMutation, Operations.DebitMutationVariables>) {",
      "  return useMutation(Operations.DebitDocument, options);",
      "}",
      "",
      "export function useAccountActivitySubscription(options: useSubscription.Options<Operations.AccountActivitySubscription, Operations.AccountActivitySubscriptionVariables>) {",
      "  return useSubscription(Operations.AccountActivityDocument, options);",
      "}",
      "",
    ].join("\n"),
  );
});

test("options are optional when no variable is required, as in Apollo's hooks; only the hooks used are imported", () => {
  const output = generate(`query Accounts($first: Int, $after: String = "x") { accounts(first: $first, after: $after) { pageInfo { hasNextPage } } }`, {
    typesModule: "./types",
  });
  expect(output.prepend.slice(0, 2)).toEqual([`import { useQuery } from "@apollo/client/react";`, `import * as Operations from "./types";`]);
  expect(output.content).toContain("export function useAccountsQuery(options?: useQuery.Options<");
});

test("an operation whose name is not PascalCase is refused: the types it would import have another name", () => {
  expect(() => generate(`query accountById { account(id: "1") { id } }`)).toThrow(/PascalCase.*accountById/);
  expect(() => generate(`query { accounts { pageInfo { hasNextPage } } }`)).toThrow(/anonymous/);
});
