import { randomBytes } from "node:crypto";
import { hasChromium, INSTALL_CHROMIUM } from "./browser";
import { accountNow, balance, development, expect, form, openAccount, signIn, subscribed, test, token, unique } from "./support";

test.skip(!hasChromium, `no Chromium. ${INSTALL_CHROMIUM}`);

test("signs in with a pasted token, keeps the session through a reload, and signs out", async ({ page }) => {
  await signIn(page, await token("admin", "e2e-admin"));
  await expect(page.getByText("Signed in as e2e-admin (admin)")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Accounts" })).toBeVisible();
  await page.reload();
  await expect(page.getByRole("heading", { name: "Accounts" })).toBeVisible();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByLabel("Token")).toBeVisible();
  await page.reload();
  await expect(page.getByLabel("Token")).toBeVisible();
});

test("the development admin token is offered on the embedded database only", async ({ page }) => {
  await page.goto("/console/");
  const offer = page.getByRole("button", { name: "Sign in with the development admin token" });
  if (!development()) {
    await expect(page.getByLabel("Token")).toBeVisible();
    await expect(offer).toHaveCount(0);
    return;
  }
  await offer.click();
  await expect(page.getByText("Signed in as dev-admin (admin)")).toBeVisible();
});

test("a token the server refuses (401) returns to sign-in with a message", async ({ page }) => {
  await page.goto("/console/");
  await page.getByLabel("Token").fill(await token("admin", "e2e-forged", { secret: randomBytes(32).toString("base64url") }));
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("alert")).toContainText("Your session has ended");
  await expect(page.getByLabel("Token")).toBeVisible();
});

test("an admin opens an account, credits it; a debit over the balance shows what is available and changes nothing; a reversal undoes the credit", async ({ page }) => {
  await signIn(page, await token("admin", "e2e-admin"));
  await page.getByRole("button", { name: "Open account" }).click();
  await page.getByLabel("Customer name").fill(unique("Ada"));
  await page.getByLabel("Opening deposit").fill("100.00");
  await page.getByRole("button", { name: "Open", exact: true }).click();
  await expect(page.getByRole("heading", { name: /^Account \d{10}$/ })).toBeVisible();
  await expect(balance(page)).toHaveText("$100.00");

  await form(page, "Credit").getByLabel("Amount").fill("25.50");
  await form(page, "Credit").getByRole("button", { name: "Credit" }).click();
  await expect(form(page, "Credit").getByRole("status")).toHaveText("Credited $25.50.");
  await expect(balance(page)).toHaveText("$125.50");
  await expect(page.getByLabel("Version", { exact: true })).toHaveText("2");

  const debit = form(page, "Debit");
  await debit.getByLabel("Amount").fill("500");
  await debit.getByRole("button", { name: "Debit" }).click();
  await expect(debit.getByRole("alert")).toContainText("Insufficient funds: $125.50 available, $500.00 asked for.");
  await expect(balance(page)).toHaveText("$125.50");
  await expect(page.getByLabel("Version", { exact: true })).toHaveText("2");

  // More cents than dollars have: the server's ValidationFailed marks the field.
  await debit.getByLabel("Amount").fill("1.234");
  await debit.getByRole("button", { name: "Debit" }).click();
  await expect(debit.getByLabel("Amount")).toHaveAttribute("aria-invalid", "true");
  await expect(debit.getByRole("alert")).toContainText("correct the marked fields");

  const history = page.getByRole("region", { name: "History" });
  await history.getByRole("row").filter({ hasText: "$25.50" }).getByRole("button", { name: "Reverse" }).click();
  await expect(balance(page)).toHaveText("$100.00");
  await expect(history.getByRole("row").nth(1)).toContainText("reversal");
});

test("a double click on Debit posts once, and so does sending again after the answer was lost", async ({ page }) => {
  const account = await openAccount("50.00");
  await signIn(page, await token("admin", "e2e-admin"));
  await page.goto(`/console/#/accounts/${account.id}`);
  const debit = form(page, "Debit");
  await debit.getByLabel("Amount").fill("10.00");
  await debit.getByRole("button", { name: "Debit" }).dblclick();
  await expect(debit.getByRole("status")).toContainText("Debited $10.00.");
  await expect(balance(page)).toHaveText("$40.00");

  // The next debit reaches the server and is posted, but its answer never reaches the page.
  let lost = false;
  await page.route("**/graphql", async (route) => {
    if (lost || !route.request().postData()?.includes('"operationName":"Debit"')) return route.continue();
    lost = true;
    await route.fetch();
    await route.abort("connectionreset");
  });
  await debit.getByLabel("Amount").fill("5.00");
  await debit.getByRole("button", { name: "Debit" }).click();
  await expect(debit.getByRole("alert")).toContainText("it will not be posted twice");
  await debit.getByRole("button", { name: "Debit" }).click();
  await expect(debit.getByRole("status")).toHaveText("Debited $5.00. It had already gone through: nothing was posted again.");
  await expect(balance(page)).toHaveText("$35.00");

  const now = await accountNow(account.id);
  expect(now.transactions.edges.map(({ node }) => [node.kind, node.amount])).toEqual([
    ["WITHDRAWAL", "5.00"],
    ["WITHDRAWAL", "10.00"],
    ["DEPOSIT", "50.00"],
  ]);
  expect([now.balance, now.version]).toEqual(["35.00", 3]);
});

test("a debit in one tab shows in another at once; the other tab's form, filled in before, meets a VersionConflict and sends again", async ({ context }) => {
  const account = await openAccount("100.00");
  const admin = await token("admin", "e2e-admin");
  const [first, second] = [await context.newPage(), await context.newPage()];
  // Each tab keeps its own session (sessionStorage): both sign in.
  await signIn(first, admin);
  await signIn(second, admin);
  const live = subscribed(second);
  await second.goto(`/console/#/accounts/${account.id}`);
  await live;
  await form(second, "Debit").getByLabel("Amount").fill("30.00");

  await first.goto(`/console/#/accounts/${account.id}`);
  await form(first, "Debit").getByLabel("Amount").fill("20.00");
  await form(first, "Debit").getByRole("button", { name: "Debit" }).click();
  await expect(balance(first)).toHaveText("$80.00");
  await expect(balance(second)).toHaveText("$80.00");
  await expect(second.getByRole("region", { name: "History" }).getByRole("row").nth(1)).toContainText("-$20.00");

  const stale = form(second, "Debit");
  await stale.getByRole("button", { name: "Debit" }).click();
  await expect(stale.getByRole("alert")).toContainText("The account changed since you filled this in: its balance is now $80.00.");
  await stale.getByRole("button", { name: "Send again against the new balance" }).click();
  await expect(stale.getByRole("status")).toHaveText("Debited $30.00.");
  await expect(balance(second)).toHaveText("$50.00");
  await expect(balance(first)).toHaveText("$50.00");
  expect((await accountNow(account.id)).version).toBe(3);
});

test("a customer sees only her own accounts and only what she may do, and pays an account she cannot read by its number", async ({ page }) => {
  const customer = unique("carol");
  const own = await openAccount("30.00", customer);
  const payee = await openAccount("0.00");
  await signIn(page, await token("customer", customer));
  await expect(page.getByRole("button", { name: "Open account" })).toHaveCount(0);
  const rows = page.getByRole("table").getByRole("row");
  await expect(rows).toHaveCount(2); // the header and her one account
  await rows.getByRole("link", { name: own.accountNumber }).click();

  await expect(page.getByRole("heading", { name: `Account ${own.accountNumber}` })).toBeVisible();
  await expect(form(page, "Debit")).toBeVisible();
  await expect(form(page, "Credit")).toHaveCount(0);
  await expect(form(page, "Authorize hold")).toHaveCount(0);
  await expect(page.getByRole("button", { name: /Freeze|Reverse/ })).toHaveCount(0);

  const transfer = form(page, "Transfer");
  await transfer.getByLabel("To account number").fill(payee.accountNumber);
  await transfer.getByLabel("Amount").fill("12.00");
  await transfer.getByLabel("Description").fill("Rent");
  await transfer.getByRole("button", { name: "Transfer" }).click();
  await expect(transfer.getByRole("status")).toHaveText(`Transferred $12.00 to ${payee.accountNumber}.`);
  await expect(balance(page)).toHaveText("$18.00");
  expect((await accountNow(payee.id)).balance).toBe("12.00");
});
