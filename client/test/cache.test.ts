import { gql, type TypedDocumentNode } from "@apollo/client";
import { createSolventCache } from "../src/cache";
import {
  AccountActivityDocument,
  AccountDocument,
  CreditDocument,
  TransferDocument,
  type AccountFieldsFragment,
  type TransactionFieldsFragment,
} from "../src/generated/graphql";

/*
 * Where the cache files a new posting, without a server: the answers are written the way
 * Apollo Client writes a mutation's (ROOT_MUTATION) and a subscription's (ROOT_SUBSCRIPTION).
 */
const at = "2026-12-01T00:00:00.000Z";
const account = (id: string, version: number): AccountFieldsFragment => ({
  __typename: "Account",
  ...{ id, accountNumber: `1${id}`, ownerId: null, customerName: "Ada", type: "CHECKING", status: "ACTIVE", currency: "USD" },
  ...{ balance: "0.00", version, createdAt: at, updatedAt: at, closedAt: null },
});
const posting = (accountId: string, accountVersion: number): TransactionFieldsFragment => ({
  __typename: "Transaction",
  ...{ id: `${accountId}-${accountVersion}`, reference: null, accountNumber: `1${accountId}`, type: "CREDIT", kind: "DEPOSIT" },
  ...{ amount: "1.00", currency: "USD", status: "POSTED", description: null, metadata: null, transferId: null, createdAt: at },
  ...{ balanceAfter: `${accountVersion}.00`, accountVersion, actor: null },
});
const page = (postings: TransactionFieldsFragment[], hasNextPage = false) => ({
  __typename: "TransactionConnection" as const,
  edges: postings.map((node) => ({ __typename: "TransactionEdge" as const, node })),
  pageInfo: { __typename: "PageInfo" as const, hasNextPage, endCursor: "cursor" },
});

// Query.transactions, which the client's own documents do not use but an app's may.
const HistoryDocument: TypedDocumentNode<{ transactions: ReturnType<typeof page> }> = gql`
  query History($accountId: ID!, $filter: TransactionFilter) {
    transactions(accountId: $accountId, filter: $filter) {
      edges {
        node {
          id
          accountVersion
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;

function cacheWithHistory(accountId: string, versions: number[], hasNextPage = false) {
  const cache = createSolventCache();
  const history = page(versions.map((version) => posting(accountId, version)), hasNextPage);
  cache.writeQuery({ query: AccountDocument, variables: { id: accountId }, data: { account: { ...account(accountId, versions[0]), transactions: history } } });
  return cache;
}
type Cache = ReturnType<typeof createSolventCache>;

const versions = (cache: Cache, accountId: string) =>
  cache.readQuery({ query: AccountDocument, variables: { id: accountId } })?.account?.transactions.edges.map(({ node }) => node.accountVersion);

const credited = (cache: Cache, accountId: string, version: number) =>
  cache.write({
    dataId: "ROOT_MUTATION",
    query: CreditDocument,
    variables: { input: { accountId, amount: "1.00", idempotencyKey: `k${version}` } },
    result: { credit: { __typename: "PostingSuccess", replayed: false, transaction: posting(accountId, version), account: account(accountId, version) } },
  });

const announced = (cache: Cache, accountId: string, version: number) =>
  cache.write({ dataId: "ROOT_SUBSCRIPTION", query: AccountActivityDocument, variables: { accountId }, result: { accountActivity: posting(accountId, version) } });

test("a credit's posting goes to the top of its account's history, once however often it is told", () => {
  const cache = cacheWithHistory("a", [2, 1]);
  credited(cache, "a", 3);
  announced(cache, "a", 3);
  expect(versions(cache, "a")).toEqual([3, 2, 1]);
});

test("a posting goes in posting order: one announced late lands below a newer one", () => {
  const cache = cacheWithHistory("a", [2, 1]);
  credited(cache, "a", 4);
  announced(cache, "a", 3);
  expect(versions(cache, "a")).toEqual([4, 3, 2, 1]);
});

test("a posting older than every loaded one is left to the page that will bring it", () => {
  const cache = cacheWithHistory("a", [5, 4], true);
  announced(cache, "a", 3);
  expect(versions(cache, "a")).toEqual([5, 4]);
});

test("a transfer files each leg under its own account", () => {
  const cache = cacheWithHistory("a", [1]);
  cache.writeQuery({ query: AccountDocument, variables: { id: "b" }, data: { account: { ...account("b", 1), transactions: page([posting("b", 1)]) } } });
  const { balanceAfter: _b, accountVersion: _v, actor: _a, ...creditLeg } = posting("b", 2);
  cache.write({
    dataId: "ROOT_MUTATION",
    query: TransferDocument,
    variables: { input: { fromAccountId: "a", toAccountId: "b", amount: "1.00", idempotencyKey: "t" } },
    result: { transfer: { __typename: "TransferSuccess", transferId: "t", replayed: false, from: account("a", 2), debit: posting("a", 2), to: account("b", 2), credit: creditLeg } },
  });
  expect(versions(cache, "a")).toEqual([2, 1]);
  // A payer may not see the credit leg's version or balance: it goes on top, and the history, missing them, is read again.
  const payee = cache.diff({ query: AccountDocument, variables: { id: "b" }, optimistic: false, returnPartialData: true });
  expect(payee.result?.account?.transactions?.edges?.map((edge) => edge?.node?.id)).toEqual(["b-2", "b-1"]);
  expect(payee.complete).toBe(false);
});

test("Query.transactions gets the posting too; a filtered history is dropped to be read again; other accounts' stay", () => {
  const cache = createSolventCache();
  cache.writeQuery({ query: HistoryDocument, variables: { accountId: "a" }, data: { transactions: page([posting("a", 1)]) } });
  cache.writeQuery({ query: HistoryDocument, variables: { accountId: "a", filter: { type: "DEBIT" } }, data: { transactions: page([]) } });
  cache.writeQuery({ query: HistoryDocument, variables: { accountId: "b", filter: { type: "DEBIT" } }, data: { transactions: page([]) } });
  announced(cache, "a", 2);
  const read = (variables: object) => cache.readQuery({ query: HistoryDocument, variables })?.transactions.edges.map(({ node }) => node.accountVersion);
  expect(read({ accountId: "a" })).toEqual([2, 1]);
  expect(read({ accountId: "a", filter: { type: "DEBIT" } })).toBeUndefined();
  expect(read({ accountId: "b", filter: { type: "DEBIT" } })).toEqual([]);
});
