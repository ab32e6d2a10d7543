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

/** A cached Relay connection (a history, a list of holds): edges of normalized nodes. */
interface CachedConnection {
  edges: Array<{ node: Reference }>;
  pageInfo?: { hasNextPage?: boolean };
}

/**
 * The key arguments of one cached list, from the name Apollo stores it under
 * (`transactions:{"accountId":"…","filter":{…}}`, `holds:{"status":"PENDING"}`, as keyArgs below make them).
 */
const keyArgs = ({ fieldName, storeFieldName }: ModifierDetails): { accountId?: string; filter?: Record<string, unknown> | null; status?: string | null } =>
  storeFieldName === fieldName ? {} : JSON.parse(storeFieldName.slice(fieldName.length + 1));

/**
 * The list with `node` in its place: lists are newest first, so above the first edge `isOlder`
 * says is older than it; below them all only when no page is left to load (a later page will
 * bring it otherwise). Nothing changes when it is there already (a replay, or the
 * subscription's copy of a mutation's posting).
 */
function withNode(list: CachedConnection, node: Reference, edgeType: string, isOlder: (other: Reference) => boolean): CachedConnection {
  const { edges } = list;
  if (edges.some((edge) => edge.node.__ref === node.__ref)) return list;
  let at = edges.findIndex((edge) => isOlder(edge.node));
  if (at < 0) {
    if (list.pageInfo?.hasNextPage) return list;
    at = edges.length;
  }
  // No cursor: cursors are the server's to make, and paging goes on from pageInfo.endCursor anyway.
  const edge = { __typename: edgeType, node };
  return { ...list, edges: [...edges.slice(0, at), edge, ...edges.slice(at)] };
}

/**
 * Puts a new posting into the cached histories of its account (`Account.transactions` and
 * `Query.transactions(accountId)`), so that they show it without asking the server again:
 * histories are in posting order (by the account's version). A filtered history is dropped
 * instead, and read again when next shown: whether the posting passes the filter is for the
 * server to say.
 */
function addToHistories(cache: ApolloCache, accountId: string, posting: Reference) {
  // Any: Apollo types a field's cached value for normalized objects too (a Reference), which a connection never is.
  const transactions: Modifier<any> = (history: CachedConnection, details) => {
    const key = keyArgs(details);
    if (key.accountId !== undefined && key.accountId !== accountId) return history;
    if (key.filter && Object.values(key.filter).some((value) => value != null)) return details.DELETE;
    const { readField } = details;
    const version = readField<number>("accountVersion", posting) ?? Infinity;
    return withNode(history, posting, "TransactionEdge", (other) => (readField<number>("accountVersion", other) ?? 0) < version);
  };
  cache.modify({ id: cache.identify({ __typename: "Account", id: accountId }), fields: { transactions } });
  cache.modify({ id: "ROOT_QUERY", fields: { transactions } });
}

/**
 * Files a hold that was just made or changed in its account's cached lists of holds
 * (`Account.holds`, one per status filter), as the server would list it now: in the
 * unfiltered list and the list of its status, in its place (newest first, by createdAt then
 * id); out of the lists of every other status (a captured or voided hold leaves PENDING).
 * Lists of an unknown status (the document did not select it) are dropped, to be read again.
 */
function fileHold(cache: ApolloCache, accountId: string, hold: Reference) {
  const holds: Modifier<any> = (list: CachedConnection, details) => {
    const { readField } = details;
    const listed = keyArgs(details).status;
    const status = readField<string>("status", hold);
    if (listed != null && status === undefined) return details.DELETE;
    if (listed != null && listed !== status) return { ...list, edges: list.edges.filter((edge) => edge.node.__ref !== hold.__ref) };
    // Ordered as the server orders them; ISO times in UTC with milliseconds compare as strings.
    const position = (node: Reference) => `${readField<string>("createdAt", node) ?? "\uffff"} ${readField<string>("id", node)}`;
    const mine = position(hold);
    return withNode(list, hold, "HoldEdge", (other) => position(other) < mine);
  };
  cache.modify({ id: cache.identify({ __typename: "Account", id: accountId }), fields: { holds } });
}

/** What a success carries, and where it goes: a posting under an account, a hold under its account. */
type Filing = { posting: string; account: string } | { hold: string; account: string };

/**
 * The merge of a mutation's success type: besides storing the result as it is, files what it
 * carries (`posting` or `hold`, a field naming a Transaction or a Hold) under its account
 * (`account`, a field naming an Account), when the document selected both. A field is named by
 * its path from the success ("hold.account"). A merge function, because every answer passes
 * through it, whichever document and API sent the mutation.
 */
const filing =
  (filings: Filing[]): FieldMergeFunction<StoreObject> =>
  (_existing, incoming, { cache, readField }) => {
    const follow = (path: string) =>
      path.split(".").reduce<Reference | StoreObject | undefined>((from, field) => from && readField<Reference>(field, from), incoming) as Reference | undefined;
    for (const filed of filings) {
      const account = follow(filed.account);
      const accountId = account && readField<string>("id", account);
      const item = follow("posting" in filed ? filed.posting : filed.hold);
      if (!item || !accountId) continue;
      if ("posting" in filed) addToHistories(cache, accountId, item);
      else fileHold(cache, accountId, item);
    }
    return incoming;
  };

/**
 * Every type policy of Solvent's data, in one place.
 *
 * - Accounts and transactions are one object each, by id, whatever query or mutation
 *   brought them: a debit's answer updates the balance every view shows.
 * - Histories, an account's holds and the accounts list are Relay connections, each kept as one
 *   list per filter (and account; per status for holds): `fetchMore({ variables: { after:
 *   pageInfo.endCursor } })` appends a page.
 * - A posting made by a credit, debit, transfer or reversal, or announced by the
 *   `accountActivity` subscription, goes into its account's cached histories (at the top,
 *   for a new one) as the cache stores it, for any document and any way of sending it (hooks, client.mutate,
 *   client.subscribe): no refetch, no `update` function to remember. The mutation's
 *   document must select the posting and its account's `id` (the client's documents do).
 * - A hold made, captured or voided goes into its account's cached lists of holds where the
 *   server would list it now, and out of those of another status; the capture's debit goes into
 *   the account's histories, its credit (a hold with a destination) into the destination's. The
 *   account's balances and version come with the answer (AccountFields). The document must
 *   select the hold's `status`, `createdAt` and its account's `id` (the client's documents do).
 */
const typePolicies: TypePolicies = {
  Account: { keyFields: ["id"], fields: { transactions: relayStylePagination(["filter"]), holds: relayStylePagination(["status"]) } },
  Transaction: { keyFields: ["id"] },
  Hold: { keyFields: ["id"] },
  Query: {
    fields: {
      accounts: relayStylePagination(["filter"]),
      transactions: relayStylePagination(["accountId", "filter"]),
    },
  },
  PostingSuccess: { merge: filing([{ posting: "transaction", account: "account" }]) },
  TransferSuccess: { merge: filing([{ posting: "debit", account: "from" }, { posting: "credit", account: "to" }]) },
  ReverseTransactionSuccess: { merge: filing([{ posting: "reversal", account: "account" }]) },
  // authorizeHold and voidHold.
  HoldSuccess: { merge: filing([{ hold: "hold", account: "account" }]) },
  CaptureHoldSuccess: {
    merge: filing([
      { hold: "hold", account: "hold.account" },
      { posting: "debit", account: "hold.account" },
      { posting: "credit", account: "hold.destination" },
    ]),
  },
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
