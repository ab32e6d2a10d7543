import { readFileSync } from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "../src/paths";
import { startTestServer, type TestServer } from "./support/harness";

/*
 * The console (web/, built by `npm run build`, which `npm test` runs first) as the server
 * serves it at /console. What it does in a browser: web/e2e.
 */
let server: TestServer;
let origin: string;

beforeAll(async () => {
  server = await startTestServer();
  origin = new URL(server.url).origin;
});
afterAll(() => server.stop());

test("index.html is revalidated at every load; the hashed assets it names are cached for a year and compressed", async () => {
  const index = await fetch(`${origin}/console/`);
  expect(index.status).toBe(200);
  expect(index.headers.get("cache-control")).toBe("no-cache");
  const html = await index.text();
  expect(html).toBe(readFileSync(path.join(PROJECT_ROOT, "web/dist/index.html"), "utf8"));

  const script = /src="(\/console\/assets\/[\w-]+\.js)"/.exec(html)![1];
  const asset = await fetch(`${origin}${script}`, { headers: { "accept-encoding": "gzip" } });
  expect(asset.status).toBe(200);
  expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
  expect(asset.headers.get("content-encoding")).toBe("gzip");
  expect(asset.headers.get("content-type")).toMatch(/^text\/javascript/);
  expect((await asset.text()).length).toBeGreaterThan(1000);
});

test("no development token is offered when authentication is configured", async () => {
  const offered = await fetch(`${origin}/console/development-token`);
  expect(offered.status).toBe(404);
});
