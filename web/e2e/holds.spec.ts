import { AccountHoldsDocument, AuthorizeHoldDocument } from "@solvent/client";
import { hasChromium, INSTALL_CHROMIUM } from "./browser";
import { accountNow, api, expect, figure, form, openAccount, signIn, subscribed, test, token, unique } from "./support";

test.skip(!hasChromium, `no Chromium. ${INSTALL_CHROMIUM}`);

test("a teller authorizes a hold to another account, captures part of it (not final), voids the rest; the balances and the list follow", async ({ page }) => {
  const account = await openAccount("100.00");
  const payee = await openAccount("0.00");
  await signIn(page, await token("teller", "e2e-teller"));
  const live = subscribed(page);
  await page.goto(`/console/#/accounts/${account.id}`);
  await live;
  const figures = async (balance: string, available: string, held: string) => {
    await expect(figure(page, "Balance")).toHaveText(balance);
    await expect(figure(page, "Available")).toHaveText(available);
    await expect(figure(page, "Held")).toHaveText(held);
  };
  await figures("$100.00", "$100.00", "$0.00");
  const holds = page.getByRole("region", { name: "Holds" });
  await expect(holds.getByText("No holds.")).toBeVisible();

  const authorize = form(page, "Authorize hold");
  await authorize.getByLabel("Destination account number (optional)").fill(payee.accountNumber);
  await authorize.getByLabel("Amount").fill("40.00");
  await authorize.getByLabel("Description").fill("Deposit for the flat");
  await authorize.getByRole("button", { name: "Authorize hold" }).dblclick(); // one intent, one key: held once
  await expect(authorize.getByRole("status")).toContainText(`Held $40.00 for ${payee.accountNumber} until `);
  await figures("$100.00", "$60.00", "$40.00");
  const row = holds.getByRole("row").filter({ hasText: "Deposit for the flat" });
  await expect(row).toContainText("pending");
  await expect(row).toContainText(payee.accountNumber);

  await row.getByRole("button", { name: "Capture or void" }).click();
  const selected = holds.getByRole("region", { name: "Selected hold" });
  const capture = form(page, "Capture");
  await capture.getByLabel(/^Amount/).fill("15.00");
  await capture.getByRole("checkbox", { name: /^Final/ }).uncheck();
  await capture.getByRole("button", { name: "Capture" }).click();
  await expect(capture.getByRole("status")).toHaveText("Captured $15.00. $25.00 is still held.");
  await figures("$85.00", "$60.00", "$25.00");
  await expect(selected.getByRole("heading", { level: 3 })).toHaveText("Hold of $40.00: pending, $25.00 remaining");
  await expect(row.getByRole("cell")).toContainText(["pending", "$40.00", "$25.00", "$15.00"]);
  const history = page.getByRole("region", { name: "History" });
  await expect(history.getByRole("row").nth(1)).toContainText("-$15.00");

  const release = form(page, "Void");
  await release.getByLabel("Reason (optional)").fill("The tenant changed her mind");
  await release.getByRole("button", { name: "Void" }).click();
  await expect(release.getByRole("status")).toHaveText("Voided: what the hold had left is available again.");
  await figures("$85.00", "$85.00", "$0.00");
  await expect(row.getByRole("cell")).toContainText(["voided", "$40.00", "$0.00", "$15.00"]);
  await expect(capture.getByRole("button", { name: "Capture" })).toBeDisabled();

  // The lists of one status: the voided hold has left the pending one.
  const status = holds.getByLabel("Hold status");
  await status.selectOption("pending");
  await expect(holds.getByText("No holds.")).toBeVisible();
  await status.selectOption("voided");
  await expect(holds.getByRole("row").filter({ hasText: "Deposit for the flat" })).toContainText("voided");

  // A hold made elsewhere shows too: the page hears of the account's change and reads its holds again.
  await status.selectOption("");
  const input = { accountId: account.id, amount: "5.00", description: "Made elsewhere", idempotencyKey: unique("hold") };
  const made = (await api(AuthorizeHoldDocument, { input })).authorizeHold;
  expect(made.__typename).toBe("HoldSuccess");
  await figures("$85.00", "$80.00", "$5.00");
  await expect(holds.getByRole("row").nth(1)).toContainText("Made elsewhere");

  const [now, paid] = [await accountNow(account.id), await accountNow(payee.id)];
  expect([now.balance, now.availableBalance, now.heldBalance]).toEqual(["85.00", "80.00", "5.00"]);
  expect(paid.balance).toBe("15.00");
  const listed = (await api(AccountHoldsDocument, { id: account.id })).account!.holds.edges.map(({ node }) => [node.status, node.amount, node.capturedAmount]);
  expect(listed).toEqual([
    ["PENDING", "5.00", "0.00"],
    ["VOIDED", "40.00", "15.00"],
  ]);
});
