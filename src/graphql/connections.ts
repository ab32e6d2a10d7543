import { MAX_PAGE_SIZE, type Page } from "../ledger/history";

/** What the page arguments of a history mean, on Query.transactions and on Account.transactions alike. */
export const HISTORY_PAGE_ARGUMENTS = {
  first: `Postings per page, 1 to ${MAX_PAGE_SIZE}; another number is a BAD_USER_INPUT error.`,
  after:
    "The endCursor of the previous page, to read older postings; a forged or altered cursor, or one from the accounts list, is a BAD_USER_INPUT error.",
  filter: "Only the postings that match it.",
};

/** A ledger page as a Relay connection; a cursor is made only when a client selects it. */
export function toConnection<T>(page: Page<T>) {
  const last = page.nodes.length - 1;
  return {
    edges: page.nodes.map((node, i) => ({
      node,
      get cursor() {
        return page.cursor(i);
      },
    })),
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      get startCursor() {
        return last < 0 ? null : page.cursor(0);
      },
      get endCursor() {
        return last < 0 ? null : page.cursor(last);
      },
    },
  };
}
