/** The root fields the bench server adds beside the public ones, shared by its resolvers and the load that calls them. */
export const BENCH_FIELDS = {
  cannedDebit: "cannedDebit",
  cannedTransfer: "cannedTransfer",
  cannedAccount: "cannedAccount",
  naiveDebit: "naiveDebit",
  naiveTransfer: "naiveTransfer",
} as const;
