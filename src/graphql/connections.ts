import { MAX_PAGE_SIZE, type Page } from "../ledger/history";

/** What the page arguments of a history mean, on Query.transactions and on Account.transactions alike. */
export const HISTORY_PAGE_ARGUMENTS = {
  first: `Postings per page, 1 to ${MAX_PAGE_SIZE}; another number is a BAD_USER_INPUT error.`,
  after:
    "The endCursor of the previous page of this history, to read older postings; a forged or altered cursor, or one of another list, is a BAD_USER_INPUT error.",
  filter: "Only the postings that match it.",
};

/** A ledger page as a Relay connection. */
export function toConnection<T>(page: Page<T>) {
  return {
    edges: page.nodes.map((node, i) => ({ node, cursor: page.cursors[i] })),
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: page.cursors[0] ?? null,
      endCursor: page.cursors.at(-1) ?? null,
    },
  };
}
