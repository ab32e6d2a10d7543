import { gzipSync } from "node:zlib";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";

/** All the JavaScript a session loads (sign-in, accounts, an account's page), gzipped as the server sends it. */
const JS_BUDGET_KB = 150;

/**
 * Prints the gzipped size of the JavaScript the build emits and fails the build over the budget.
 * Every chunk counts: the console splits no code off, so a session loads all of it.
 */
function javaScriptBudget(): Plugin {
  return {
    name: "solvent-javascript-budget",
    apply: "build",
    generateBundle(_options, bundle) {
      const chunks = Object.values(bundle).filter((output) => output.type === "chunk");
      const kilobytes = chunks.reduce((sum, chunk) => sum + gzipSync(chunk.code).length, 0) / 1000;
      const summary = `console JavaScript: ${kilobytes.toFixed(1)} kB gzip in ${chunks.length} file(s), budget ${JS_BUDGET_KB} kB`;
      if (kilobytes > JS_BUDGET_KB) this.error(`${summary}: over budget`);
      console.log(summary);
    },
  };
}

export default defineConfig({
  // Served by the server at /console (src/console.ts); assets under /console/assets, named by content hash.
  base: "/console/",
  plugins: [react(), javaScriptBudget()],
  // `npm run dev -w web` beside `npm start`: the API and its WebSocket are the server's.
  server: { proxy: { "/graphql": { target: "http://127.0.0.1:4000", ws: true }, "/console/development-token": "http://127.0.0.1:4000" } },
});
