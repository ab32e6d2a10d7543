/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test", "<rootDir>/client/test"],
  testMatch: ["**/*.test.ts"],
  // Transpile only: `npm test` type-checks everything with tsc first.
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
  globalSetup: "<rootDir>/test/support/globalSetup.ts",
  globalTeardown: "<rootDir>/test/support/globalTeardown.ts",
  // Files share one database and the concurrency tests want the cores to themselves.
  maxWorkers: 1,
  testTimeout: 120_000,
};
