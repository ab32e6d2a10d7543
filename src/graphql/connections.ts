import type { Page } from "../ledger/history";

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
