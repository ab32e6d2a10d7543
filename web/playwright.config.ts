import { defineConfig } from "@playwright/test";
import { CHROMIUM } from "./e2e/browser";

/** The console in a real browser against a real server (e2e/globalSetup.ts starts it). */
export default defineConfig({
  testDir: "e2e",
  globalSetup: "./e2e/globalSetup.ts",
  // One server for the run, on a shared 2-core machine: one browser at a time.
  workers: 1,
  retries: 0,
  // Generous: every wait is an expectation that ends as soon as the page shows what it should.
  timeout: 90_000,
  expect: { timeout: 20_000 },
  reporter: [["list"]],
  use: {
    browserName: "chromium",
    locale: "en-US",
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: CHROMIUM,
      // The network is closed here: Chromium's own background connections would only be refused.
      args: ["--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    },
  },
});
