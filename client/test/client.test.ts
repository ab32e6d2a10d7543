import { firstValueFrom } from "rxjs";
import WebSocket from "ws";
import { AccountActivityDocument, AccountDocument, AccountsDocument, CreditDocument, DebitDocument, OpenAccountDocument, createSolventClient, errorExtensions, type AccountQuery } from "../src";
import { eventually } from "../../test/support/events";
import { credit, openAccount } from "../../test/support/flows";
import { ADMIN, key, startTestServer, type TestServer } from "../../test/support/harness";
import type { Caller } from "../../src/ledger/caller";
import { watch } from "./watch";

/*
 * createSolventClient in Node against the real server: what a frontend relies on, without
 * React (the hooks only hand these documents to Apollo's own hooks).
 */
let server: TestServer;
let client: ReturnType<typeof createSolventClient>;

beforeAll(async () => {
  server = await startTestServer({ env: { EVENTS_POLL_INTERVAL_MS: "20" } });
  client = createSolventClient({ url: server.url, token: await server.token(ADMIN), webSocketImpl: WebSocket });
});
afterAll(async () => {
  client.stop();
  await server.stop();
});

/** How many times the server was asked for an account and its history. */
const accountReads = () => server.logs.filter((line) => line.msg === "request" && line.operationName === "Account").length;

const history = (data: AccountQuery | undefined) => data?.account?.transactions.edges.map(({ node }) => [node.kind, node.amount, node.balanceAfter]);

/** Watches an account and its newest postings, as a page would; resolves once the server has answered. */
const watchAccount = (id: string, first: number) => watch(client, AccountDocument, { id, first });

test("accounts and an account with its history come back typed, money as decimal strings", async () => {
  const customerName = `Client ${key()}`;
  const account = await openAccount(server, { deposit: "100.00", customerName });
  await credit(server, account.id, "25.50");

  const accounts = await client.query({ query: AccountsDocument, variables: { filter: { customerName } } });
  expect(accounts.data?.accounts.edges.map(({ node }) => [node.id, node.balance, node.version])).toEqual([[account.id, "125.50", 2]]);
  const { data } = await client.query({ query: AccountDocument, variables: { id: account.id, first: 10 } });
  expect(data?.account).toMatchObject({ id: account.id, balance: "125.50", currency: "USD" });
  expect(history(data)).toEqual([
    ["DEPOSIT", "25.50", "125.50"],
    ["DEPOSIT", "100.00", "100.00"],
  ]);
});

test("a debit beyond the balance answers InsufficientFunds with its own fields (possibleTypes keeps them)", async () => {
  const account = await openAccount(server, { deposit: "100.00" });
  const { data } = await client.mutate({ mutation: DebitDocument, variables: { input: { accountId: account.id, amount: "500.00", idempotencyKey: key() } } });
  expect(data?.debit).toEqual({
    __typename: "InsufficientFunds",
    code: "INSUFFICIENT_FUNDS",
    message: expect.any(String),
    available: "100.00",
    accountId: account.id,
    balance: "100.00",
    requested: "500.00",
  });
});

test("pages of a history fetched with `after` join one list, newest first", async () => {
  const account = await openAccount(server, { deposit: "1.00" });
  for (const amount of ["2.00", "3.00", "4.00", "5.00"]) await credit(server, account.id, amount);
  const page = await watchAccount(account.id, 2);
  // As a "more" button would: from the end of what is shown, then wait for the list to show the page.
  const more = async (showing: number) => {
    await page.query.fetchMore({ variables: { after: page.latest()!.account!.transactions.pageInfo.endCursor } });
    await eventually(async () => history(page.latest())!.length, (rows) => rows === showing);
  };

  await more(4);
  await more(5);
  expect(page.latest()!.account!.transactions.edges.map(({ node }) => node.amount)).toEqual(["5.00", "4.00", "3.00", "2.00", "1.00"]);
  expect(page.latest()!.account!.transactions.pageInfo.hasNextPage).toBe(false);
  page.stop();
});

test("a credit's posting shows at the top of the cached history at once, without asking the server again", async () => {
  const account = await openAccount(server, { deposit: "10.00" });
  const page = await watchAccount(account.id, 10);
  const reads = accountReads();

  const { data } = await client.mutate({ mutation: CreditDocument, variables: { input: { accountId: account.id, amount: "2.50", idempotencyKey: key() } } });
  expect(data?.credit.__typename).toBe("PostingSuccess");
  expect(page.latest()!.account!.balance).toBe("12.50");
  expect(history(page.latest())).toEqual([
    ["DEPOSIT", "2.50", "12.50"],
    ["DEPOSIT", "10.00", "10.00"],
  ]);
  expect(accountReads()).toBe(reads);
  page.stop();
});

test("a posting announced by the accountActivity subscription joins the top of the cached history", async () => {
  const account = await openAccount(server, { deposit: "10.00" });
  const page = await watchAccount(account.id, 10);
  const reads = accountReads();
  const activity = client.subscribe({ query: AccountActivityDocument, variables: { accountId: account.id } });
  const received = firstValueFrom(activity);
  await eventually(async () => server.solvent.events.hub.subscribers(account.id), (subscribers) => subscribers > 0);

  const posted = await credit(server, account.id, "1.25"); // by somebody else: the harness's own client
  expect((await received).data?.accountActivity).toMatchObject({ id: posted.transaction.id, amount: "1.25", balanceAfter: "11.25", accountVersion: 2 });
  await eventually(async () => history(page.latest()), (rows) => rows?.length === 2);
  expect(history(page.latest())).toEqual([
    ["DEPOSIT", "1.25", "11.25"],
    ["DEPOSIT", "10.00", "10.00"],
  ]);
  expect(accountReads()).toBe(reads);
  page.stop();
});

test("a refused token reaches onUnauthenticated; top-level errors' codes come out of errorExtensions", async () => {
  const refused = jest.fn();
  const as = async (caller: Caller, expiresInSeconds?: number) =>
    createSolventClient({ url: server.url, token: await server.token(caller, { expiresInSeconds }), webSocketImpl: WebSocket, onUnauthenticated: refused });
  const expired = await as(ADMIN, -60);
  const unauthenticated = await expired.query({ query: AccountsDocument, errorPolicy: "all" });
  expect(errorExtensions(unauthenticated.error)).toMatchObject({ code: "UNAUTHENTICATED" });
  expect(refused).toHaveBeenCalledTimes(1);

  const customer = await as({ subject: "client-customer", role: "customer" });
  const forbidden = await customer.mutate({
    mutation: OpenAccountDocument,
    variables: { input: { customerName: "Not mine to open", type: "CHECKING", idempotencyKey: key() } },
    errorPolicy: "all",
  });
  expect(errorExtensions(forbidden.error)).toMatchObject({ code: "FORBIDDEN" });
  expect(refused).toHaveBeenCalledTimes(1);
  expect(errorExtensions(new Error("fetch failed"))).toBeUndefined();
  expired.stop();
  customer.stop();
});
