import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { expect, test as base, type Page } from "@playwright/test";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { AccountDocument, OpenAccountDocument, type AccountQuery } from "@solvent/client";
import { print } from "graphql";
import { PROJECT_ROOT } from "../../src/paths";

/** Playwright's test, with the pages at the server globalSetup started. */
export const test = base.extend({
  baseURL: async ({}, use) => use(process.env.SOLVENT_E2E_ORIGIN),
});
export { expect };

/** Whether the server runs on the embedded database with development authentication. */
export const development = () => process.env.SOLVENT_E2E_DEVELOPMENT === "true";

let counter = 0;
/** A name or key no other test or run uses. */
export const unique = (label: string) => `${label}-${Date.now().toString(36)}-${counter++}`;

/**
 * A token for `sub` in `role`, by `npm run token`'s script, signed as the server expects (with
 * its AUTH_JWT_SECRET, or its development secret), or with `secret` instead.
 */
export async function token(role: "customer" | "teller" | "admin", sub: string, { secret }: { secret?: string } = {}): Promise<string> {
  const auth = secret ? { AUTH_JWT_SECRET: secret } : JSON.parse(process.env.SOLVENT_E2E_AUTH!);
  const script = path.join(PROJECT_ROOT, "dist/scripts/token.js");
  const { stdout } = await promisify(execFile)(process.execPath, [script, "--role", role, "--sub", sub, "--hours", "1"], { env: { PATH: process.env.PATH, ...auth } });
  return stdout.trim();
}

/** Sends an operation to the API as an admin (or with `bearer`), for a test's setup and checks; fails on a top-level error. */
export async function api<T, V>(document: TypedDocumentNode<T, V>, variables: V, bearer?: string): Promise<T> {
  const authorization = `Bearer ${bearer ?? (await token("admin", "e2e-admin"))}`;
  const response = await fetch(`${process.env.SOLVENT_E2E_ORIGIN}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown };
  if (body.errors || !body.data) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** Signs in on the console's page by pasting the token. */
export async function signIn(page: Page, bearer: string) {
  await page.goto("/console/");
  await page.getByLabel("Token").fill(bearer);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
}

/**
 * Resolves once the page has asked the server for both of an account page's subscriptions
 * (accountUpdated, accountActivity): what another tab posts from then on reaches it. Call
 * before opening the page.
 */
export function subscribed(page: Page): Promise<void> {
  return new Promise((resolve) => {
    const asked = new Set<string>();
    page.on("websocket", (socket) =>
      socket.on("framesent", ({ payload }) => {
        asked.add(/"operationName":"(\w+)"/.exec(String(payload))?.[1] ?? "");
        if (asked.has("AccountUpdated") && asked.has("AccountActivity")) resolve();
      }),
    );
  });
}

/** Opens an account through the API (as an admin), for a test to start from. */
export async function openAccount(deposit: string, ownerId?: string) {
  const input = { customerName: unique("E2E"), type: "CHECKING" as const, initialDeposit: deposit, ownerId, idempotencyKey: unique("open") };
  const { openAccount: opened } = await api(OpenAccountDocument, { input });
  if (opened.__typename !== "OpenAccountSuccess") throw new Error(`could not open an account: ${opened.__typename}`);
  return opened.account;
}

/** The account and its whole (short) history, as the API says. */
export const accountNow = async (id: string) => (await api(AccountDocument, { id, first: 100 })).account as NonNullable<AccountQuery["account"]>;

/** A form of the account page, by its name. */
export const form = (page: Page, name: "Credit" | "Debit" | "Transfer" | "Authorize hold" | "Capture" | "Void") => page.getByRole("form", { name });
/** One of the account page's figures: "Balance", "Available", "Held", "Version"... */
export const figure = (page: Page, name: string) => page.getByLabel(name, { exact: true });
export const balance = (page: Page) => figure(page, "Balance");
