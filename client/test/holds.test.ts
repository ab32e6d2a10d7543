import WebSocket from "ws";
import {
  AccountDocument,
  AccountHoldsDocument,
  AuthorizeHoldDocument,
  CaptureHoldDocument,
  VoidHoldDocument,
  createSolventClient,
  type AccountHoldsQuery,
  type AuthorizeHoldInput,
  type HoldStatus,
} from "../src";
import { eventually } from "../../test/support/events";
import { openAccount } from "../../test/support/flows";
import { ADMIN, key, startTestServer, type TestServer } from "../../test/support/harness";
import { watch } from "./watch";

/*
 * Holds through createSolventClient against the real server: what the cache does with the
 * answers of authorizeHold, captureHold and voidHold, for lists a page is showing.
 */
let server: TestServer;
let client: ReturnType<typeof createSolventClient>;

beforeAll(async () => {
  server = await startTestServer();
  client = createSolventClient({ url: server.url, token: await server.token(ADMIN), webSocketImpl: WebSocket });
});
afterAll(async () => {
  client.stop();
  await server.stop();
});

/** How many times the server was asked for these operations. */
const reads = (...operations: string[]) => server.logs.filter((line) => line.msg === "request" && operations.includes(line.operationName as string)).length;

const listed = (data: AccountHoldsQuery | undefined) =>
  data?.account?.holds.edges.map(({ node }) => [node.amount, node.status, node.capturedAmount, node.remainingAmount]);

async function authorize(input: Omit<AuthorizeHoldInput, "idempotencyKey">) {
  const { data } = await client.mutate({ mutation: AuthorizeHoldDocument, variables: { input: { ...input, idempotencyKey: key("authorize") } } });
  if (data?.authorizeHold.__typename !== "HoldSuccess") throw new Error(JSON.stringify(data?.authorizeHold));
  return data.authorizeHold.hold;
}
async function capture(holdId: string, amount?: string, final?: boolean) {
  const { data } = await client.mutate({ mutation: CaptureHoldDocument, variables: { input: { holdId, amount, final, idempotencyKey: key("capture") } } });
  expect(data?.captureHold.__typename).toBe("CaptureHoldSuccess");
}
async function voidHold(holdId: string) {
  const { data } = await client.mutate({ mutation: VoidHoldDocument, variables: { input: { holdId, idempotencyKey: key("void") } } });
  expect(data?.voidHold.__typename).toBe("HoldSuccess");
}

test("authorize, capture and void update the shown balances, hold lists and history at once, as the server then lists them, without asking again", async () => {
  const [account, payee] = [await openAccount(server, { deposit: "100.00" }), await openAccount(server)];
  const page = await watch(client, AccountDocument, { id: account.id, first: 10 });
  const all = await watch(client, AccountHoldsDocument, { id: account.id, first: 10 });
  const pending = await watch(client, AccountHoldsDocument, { id: account.id, first: 10, status: "PENDING" });
  const voided = await watch(client, AccountHoldsDocument, { id: account.id, first: 10, status: "VOIDED" });
  const before = reads("Account", "AccountHolds");
  const figures = () => {
    const shown = page.latest()!.account!;
    return [shown.balance, shown.heldBalance, shown.availableBalance, shown.version];
  };

  const card = await authorize({ accountId: account.id, amount: "30.00" });
  const rent = await authorize({ accountId: account.id, amount: "20.00", destinationAccountId: payee.id });
  expect(figures()).toEqual(["100.00", "50.00", "50.00", 3]);
  expect(listed(all.latest())).toEqual([
    ["20.00", "PENDING", "0.00", "20.00"],
    ["30.00", "PENDING", "0.00", "30.00"],
  ]);
  expect(listed(pending.latest())).toEqual(listed(all.latest()));

  await capture(card.id, "10.00", false);
  expect(figures()).toEqual(["90.00", "40.00", "50.00", 4]);
  expect(listed(pending.latest())).toEqual([
    ["20.00", "PENDING", "0.00", "20.00"],
    ["30.00", "PENDING", "10.00", "20.00"],
  ]);
  await voidHold(card.id);
  await capture(rent.id);
  expect(figures()).toEqual(["70.00", "0.00", "70.00", 6]);
  expect(listed(all.latest())).toEqual([
    ["20.00", "CAPTURED", "20.00", "0.00"],
    ["30.00", "VOIDED", "10.00", "0.00"],
  ]);
  expect(listed(pending.latest())).toEqual([]);
  expect(listed(voided.latest())).toEqual([["30.00", "VOIDED", "10.00", "0.00"]]);
  expect(page.latest()!.account!.transactions.edges.map(({ node }) => [node.kind, node.type, node.amount, node.balanceAfter])).toEqual([
    ["TRANSFER", "DEBIT", "20.00", "70.00"],
    ["WITHDRAWAL", "DEBIT", "10.00", "90.00"],
    ["DEPOSIT", "CREDIT", "100.00", "100.00"],
  ]);
  expect(reads("Account", "AccountHolds")).toBe(before);

  // What the server says now is what the cache showed.
  for (const [list, status] of [[all], [pending, "PENDING"], [voided, "VOIDED"], [undefined, "CAPTURED"]] as const) {
    const { data } = await client.query({ query: AccountHoldsDocument, variables: { id: account.id, first: 10, status: status as HoldStatus | undefined }, fetchPolicy: "network-only" });
    if (list) expect(listed(data)).toEqual(listed(list.latest()));
    else expect(listed(data)).toEqual([["20.00", "CAPTURED", "20.00", "0.00"]]);
  }
  for (const list of [page, all, pending, voided]) list.stop();
});

test("pages of holds fetched with `after` join one list, and a new hold still goes on top", async () => {
  const account = await openAccount(server, { deposit: "100.00" });
  for (const amount of ["1.00", "2.00", "3.00"]) await authorize({ accountId: account.id, amount });
  const list = await watch(client, AccountHoldsDocument, { id: account.id, first: 2 });
  expect(listed(list.latest())!.map(([amount]) => amount)).toEqual(["3.00", "2.00"]);

  await list.query.fetchMore({ variables: { after: list.latest()!.account!.holds.pageInfo.endCursor } });
  await eventually(async () => listed(list.latest())!.length, (rows) => rows === 3);
  expect(list.latest()!.account!.holds.pageInfo.hasNextPage).toBe(false);
  await authorize({ accountId: account.id, amount: "4.00" });
  expect(listed(list.latest())!.map(([amount]) => amount)).toEqual(["4.00", "3.00", "2.00", "1.00"]);
  list.stop();
});
