import { InMemoryCache, type ApolloCache, type FieldMergeFunction, type Reference, type StoreObject, type TypePolicies } from "@apollo/client";
import type { Modifier, ModifierDetails } from "@apollo/client/cache";
import { relayStylePagination } from "@apollo/client/utilities";
import introspection from "./generated/possibleTypes";

/**
 * Which concrete types each union and interface stands for. Without it Apollo Client cannot
 * tell that an `InsufficientFunds` is a `UserError`, and silently drops the fields a document
 * selects with `... on UserError`.
 */
export const possibleTypes = introspection.possibleTypes;

interface HistoryKey {
  accountId?: string;
  filter?: Record<string, unknown> | null;
}

interface CachedHistory {
  edges: Array<{ node: Reference }>;
  pageInfo?: { hasNextPage?: boolean };
}

/**
 * The key arguments of one cached history, from the name Apollo stores it under
 * (`transactions:{"accountId":"…","filter":{…}}`, as keyArgs below make it).
 */
const historyKey = ({ fieldName, storeFieldName }: ModifierDetails): HistoryKey =>
  storeFieldName === fieldName ? {} : JSON.parse(storeFieldName.slice(fieldName.length + 1));

/**
 * The history with the posting in its place: histories are newest first (by the account's
 * version), so above the first older posting; below them all only when no page is left to
 * load (a later page will bring it otherwise). Nothing changes when it is there already
 * (a replay, or the subscription's copy of a mutation's posting).
 */
function withPosting(history: CachedHistory, posting: Reference, readField: ModifierDetails["readField"]): CachedHistory {
  const { edges } = history;
  if (edges.some((edge) => edge.node.__ref === posting.__ref)) return history;
  const version = readField<number>("accountVersion", posting) ?? Infinity;
  let at = edges.findIndex((edge) => (readField<number>("accountVersion", edge.node) ?? 0) < version);
  if (at < 0) {
    if (history.pageInfo?.hasNextPage) return history;
    at = edges.length;
  }
  // No cursor: cursors are the server's to make, and paging goes on from pageInfo.endCursor anyway.
  const edge = { __typename: "TransactionEdge", node: posting };
  return { ...history, edges: [...edges.slice(0, at), edge, ...edges.slice(at)] };
}

/**
 * Puts a new posting into the cached histories of its account (`Account.transactions` and
 * `Query.transactions(accountId)`), so that they show it without asking the server again.
 * A filtered history is dropped instead, and read again when next shown: whether the
 * posting passes the filter is for the server to say.
 */
function addToHistories(cache: ApolloCache, accountId: string, posting: Reference) {
  // Any: Apollo types a field's cached value for normalized objects too (a Reference), which a connection never is.
  const transactions: Modifier<any> = (history: CachedHistory, details) => {
    const key = historyKey(details);
    if (key.accountId !== undefined && key.accountId !== accountId) return history;
    if (key.filter && Object.values(key.filter).some((value) => value != null)) return details.DELETE;
    return withPosting(history, posting, details.readField);
  };
  cache.modify({ id: cache.identify({ __typename: "Account", id: accountId }), fields: { transactions } });
  cache.modify({ id: "ROOT_QUERY", fields: { transactions } });
}

/**
 * The merge of a mutation's success type: besides storing the result as it is, files each
 * posting it carries (a field naming a Transaction) under its account (a field naming an
 * Account), when the document selected both. A merge function, because every answer passes
 * through it, whichever document and API sent the mutation.
 */
const filingPostings =
  (legs: Array<[posting: string, account: string]>): FieldMergeFunction<StoreObject> =>
  (_existing, incoming, { cache, readField }) => {
    for (const [postingField, accountField] of legs) {
      const posting = readField<Reference>(postingField, incoming);
      const account = readField<Reference>(accountField, incoming);
      const accountId = account && readField<string>("id", account);
      if (posting && accountId) addToHistories(cache, accountId, posting);
    }
    return incoming;
  };

/**
 * Every type policy of Solvent's data, in one place.
 *
 * - Accounts and transactions are one object each, by id, whatever query or mutation
 *   brought them: a debit's answer updates the balance every view shows.
 * - Histories and the accounts list are Relay connections, each kept as one list per filter
 *   (and account): `fetchMore({ variables: { after: pageInfo.endCursor } })` appends a page.
 * - A posting made by a credit, debit, transfer or reversal, or announced by the
 *   `accountActivity` subscription, goes into its account's cached histories (at the top,
 *   for a new one) as the cache stores it, for any document and any way of sending it (hooks, client.mutate,
 *   client.subscribe): no refetch, no `update` function to remember. The mutation's
 *   document must select the posting and its account's `id` (the client's documents do).
 */
const typePolicies: TypePolicies = {
  Account: { keyFields: ["id"], fields: { transactions: relayStylePagination(["filter"]) } },
  Transaction: { keyFields: ["id"] },
  Query: {
    fields: {
      accounts: relayStylePagination(["filter"]),
      transactions: relayStylePagination(["accountId", "filter"]),
    },
  },
  PostingSuccess: { merge: filingPostings([["transaction", "account"]]) },
  TransferSuccess: { merge: filingPostings([["debit", "from"], ["credit", "to"]]) },
  ReverseTransactionSuccess: { merge: filingPostings([["reversal", "account"]]) },
  Subscription: {
    fields: {
      accountActivity: {
        merge(_existing, posting: Reference, { args, cache }) {
          addToHistories(cache, args!.accountId, posting);
          return posting;
        },
      },
    },
  },
};

export const createSolventCache = () => new InMemoryCache({ possibleTypes, typePolicies });
