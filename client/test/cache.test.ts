import { gql, type TypedDocumentNode } from "@apollo/client";
import { createSolventCache } from "../src/cache";
import {
  AccountActivityDocument,
  AccountDocument,
  AccountHoldsDocument,
  AuthorizeHoldDocument,
  CaptureHoldDocument,
  CreditDocument,
  TransferDocument,
  VoidHoldDocument,
  type AccountFieldsFragment,
  type HoldFieldsFragment,
  type HoldStatus,
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
  ...{ balance: "0.00", heldBalance: "0.00", availableBalance: "0.00", version, createdAt: at, updatedAt: at, closedAt: null },
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

describe("holds", () => {
  /** Hold `n` of account a, made n minutes after `at` (lists are newest first, by createdAt). */
  const hold = (n: number, status: HoldStatus = "PENDING", destination: string | null = null): HoldFieldsFragment => ({
    __typename: "Hold",
    ...{ id: `h${n}`, reference: null, status, amount: "10.00", capturedAmount: "0.00", remainingAmount: status === "PENDING" ? "10.00" : "0.00" },
    ...{ expiresAt: at, description: null, metadata: null, createdAt: `2026-12-01T00:0${n}:00.000Z`, resolvedAt: null },
    destination: destination ? { __typename: "Account", id: destination, accountNumber: `1${destination}` } : null,
  });
  const holdPage = (holds: HoldFieldsFragment[], hasNextPage = false) => ({
    __typename: "HoldConnection" as const,
    edges: holds.map((node) => ({ __typename: "HoldEdge" as const, node })),
    pageInfo: { __typename: "PageInfo" as const, hasNextPage, endCursor: "cursor" },
  });
  const balances = { balance: "100.00", heldBalance: "30.00", availableBalance: "70.00" };

  /** A cache holding account a's lists of holds: each status's (and all, under ""). */
  function cacheWithHolds(lists: Partial<Record<HoldStatus | "", HoldFieldsFragment[]>>, hasNextPage = false) {
    const cache = cacheWithHistory("a", [1]);
    for (const [status, holds] of Object.entries(lists)) {
      const variables = { id: "a", status: (status || undefined) as HoldStatus | undefined };
      cache.writeQuery({ query: AccountHoldsDocument, variables, data: { account: { __typename: "Account", id: "a", ...balances, holds: holdPage(holds, hasNextPage) } } });
    }
    return cache;
  }
  /** The ids in one of account a's cached lists (undefined: not cached, or dropped to be read again). */
  const listed = (cache: Cache, status?: HoldStatus) =>
    cache.readQuery({ query: AccountHoldsDocument, variables: { id: "a", status } })?.account?.holds.edges.map(({ node }) => `${node.id} ${node.status}`);

  const answered = (cache: Cache, held: HoldFieldsFragment, change: "authorize" | "void", after: Partial<AccountFieldsFragment> = {}) => {
    const result = { __typename: "HoldSuccess" as const, replayed: false, hold: held, account: { ...account("a", 5), ...after } };
    if (change === "authorize") {
      const variables = { input: { accountId: "a", amount: held.amount, idempotencyKey: `k-${held.id}` } };
      cache.write({ dataId: "ROOT_MUTATION", query: AuthorizeHoldDocument, variables, result: { authorizeHold: result } });
    } else {
      cache.write({ dataId: "ROOT_MUTATION", query: VoidHoldDocument, variables: { input: { holdId: held.id, idempotencyKey: `v-${held.id}` } }, result: { voidHold: result } });
    }
  };

  test("a new hold goes to the top of the unfiltered and PENDING lists, no other; the account's balances come with it", () => {
    const cache = cacheWithHolds({ "": [hold(2), hold(1, "VOIDED")], PENDING: [hold(2)], VOIDED: [hold(1, "VOIDED")] });
    const after = { balance: "100.00", heldBalance: "40.00", availableBalance: "60.00" };
    answered(cache, hold(3), "authorize", after);
    answered(cache, hold(3), "authorize", after); // a replay: once
    expect(listed(cache)).toEqual(["h3 PENDING", "h2 PENDING", "h1 VOIDED"]);
    expect(listed(cache, "PENDING")).toEqual(["h3 PENDING", "h2 PENDING"]);
    expect(listed(cache, "VOIDED")).toEqual(["h1 VOIDED"]);
    expect(cache.readQuery({ query: AccountDocument, variables: { id: "a" } })?.account).toMatchObject({ ...after, version: 5 });
  });

  test("a voided hold leaves the PENDING list, stays where it was in the unfiltered one, and joins the VOIDED one in its place", () => {
    const cache = cacheWithHolds({ "": [hold(3), hold(2), hold(1, "VOIDED")], PENDING: [hold(3), hold(2)], VOIDED: [hold(4, "VOIDED"), hold(1, "VOIDED")] });
    answered(cache, hold(2, "VOIDED"), "void");
    expect(listed(cache)).toEqual(["h3 PENDING", "h2 VOIDED", "h1 VOIDED"]);
    expect(listed(cache, "PENDING")).toEqual(["h3 PENDING"]);
    expect(listed(cache, "VOIDED")).toEqual(["h4 VOIDED", "h2 VOIDED", "h1 VOIDED"]);
  });

  test("a hold older than every loaded one is left to the page that will bring it", () => {
    const cache = cacheWithHolds({ VOIDED: [hold(5, "VOIDED")] }, true);
    answered(cache, hold(2, "VOIDED"), "void");
    expect(listed(cache, "VOIDED")).toEqual(["h5 VOIDED"]);
  });

  test("a capture keeps a pending hold in the PENDING list, or moves a closed one to CAPTURED; its debit and credit go into the histories", () => {
    const cache = cacheWithHolds({ "": [hold(2, "PENDING", "b"), hold(1)], PENDING: [hold(2, "PENDING", "b"), hold(1)], CAPTURED: [] });
    cache.writeQuery({ query: AccountDocument, variables: { id: "b" }, data: { account: { ...account("b", 1), transactions: page([posting("b", 1)]) } } });
    const captured = (held: HoldFieldsFragment, version: number) => {
      const { balanceAfter: _b, accountVersion: _v, actor: _a, ...credit } = posting("b", version);
      const result = {
        __typename: "CaptureHoldSuccess" as const,
        replayed: false,
        hold: { ...held, account: account("a", version) },
        debit: { ...posting("a", version), type: "DEBIT" as const, kind: "TRANSFER" as const },
        credit: held.destination && { ...credit, kind: "TRANSFER" as const },
        journalEntry: { __typename: "JournalEntry" as const, id: `e${version}`, kind: "TRANSFER" as const },
      };
      const variables = { input: { holdId: held.id, idempotencyKey: `c${version}` } };
      cache.write({ dataId: "ROOT_MUTATION", query: CaptureHoldDocument, variables, result: { captureHold: result } });
    };

    captured({ ...hold(2, "PENDING", "b"), capturedAmount: "4.00", remainingAmount: "6.00" }, 2);
    expect(listed(cache, "PENDING")).toEqual(["h2 PENDING", "h1 PENDING"]);
    expect(listed(cache, "CAPTURED")).toEqual([]);
    captured({ ...hold(2, "CAPTURED", "b"), capturedAmount: "10.00" }, 3);
    expect(listed(cache)).toEqual(["h2 CAPTURED", "h1 PENDING"]);
    expect(listed(cache, "PENDING")).toEqual(["h1 PENDING"]);
    expect(listed(cache, "CAPTURED")).toEqual(["h2 CAPTURED"]);

    expect(versions(cache, "a")).toEqual([3, 2, 1]);
    const payee = cache.diff({ query: AccountDocument, variables: { id: "b" }, optimistic: false, returnPartialData: true });
    expect(payee.result?.account?.transactions?.edges?.map((edge) => edge?.node?.id)).toEqual(["b-3", "b-2", "b-1"]);
  });
});
