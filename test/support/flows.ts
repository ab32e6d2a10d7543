import { CreditDocument, OpenAccountDocument, type AccountFieldsFragment } from "../generated/graphql";
import { key, type TestServer } from "./harness";

/** Opens an account (optionally funded) and returns it; fails the test on anything but success. */
export async function openAccount(
  server: TestServer,
  options: { deposit?: string; currency?: string; customerName?: string; ownerId?: string } = {},
): Promise<AccountFieldsFragment> {
  const data = await server.query(OpenAccountDocument, {
    input: {
      ownerId: options.ownerId,
      customerName: options.customerName ?? "Test Customer",
      type: "CHECKING",
      currency: options.currency,
      initialDeposit: options.deposit,
      idempotencyKey: key("open"),
    },
  });
  if (data.openAccount.__typename !== "OpenAccountSuccess") throw new Error(`openAccount: ${JSON.stringify(data.openAccount)}`);
  return data.openAccount.account;
}

export async function credit(server: TestServer, accountId: string, amount: string) {
  const data = await server.query(CreditDocument, { input: { accountId, amount, idempotencyKey: key("credit") } });
  if (data.credit.__typename !== "PostingSuccess") throw new Error(`credit: ${JSON.stringify(data.credit)}`);
  return data.credit;
}

/** How many results of each union member. */
export function tally(results: Array<{ __typename: string }>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) counts[r.__typename] = (counts[r.__typename] ?? 0) + 1;
  return counts;
}

/** How many postings the account has, read from the database itself. */
export async function postingCount(server: TestServer, accountId: string): Promise<number> {
  const { rows } = await server.sql.query("SELECT count(*) FROM transactions WHERE account_id = $1", [accountId]);
  return Number(rows[0].count);
}
