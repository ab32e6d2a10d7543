import { print } from "graphql";
import { AccountsDocument, OpenAccountDocument } from "./generated/graphql";
import { serving, spawnServer, type ServerProcess } from "./support/serverProcess";
import { tempDir } from "./support/tempDir";

/*
 * The `npm start` path: the built server as its own process, with no
 * DATABASE_URL, on an embedded database in a folder of its own.
 */
const dataDir = tempDir("embedded");

async function start(): Promise<ServerProcess & { url: string; token: string }> {
  // debug logs each SQL statement: the test sees when a request has reached the database.
  const server = spawnServer({ SOLVENT_DATA_DIR: dataDir, LOG_LEVEL: "debug", DATABASE_URL: undefined });
  const url = await serving(server);
  // Started without authentication configured, it signs tokens with a secret of its own and prints an admin token.
  const token = /"adminToken":"([^"]+)"/.exec(server.stdout.join(""))?.[1];
  if (!token) throw new Error(`no admin token printed:\n${server.stdout.join("")}`);
  return { ...server, url, token };
}

// The shape is what the test asserts.
type Answer = { data: any };
const post = ({ url, token }: { url: string; token: string }, query: string, variables: object): Promise<Answer> =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  }).then((r) => r.json() as Promise<Answer>);

/** Resolves at the next SQL statement the server logs. */
const nextStatement = ({ child }: ServerProcess) =>
  new Promise<void>((resolve) => {
    const watch = (chunk: Buffer) => {
      if (chunk.toString().includes('"msg":"sql"')) {
        child.stdout!.off("data", watch);
        resolve();
      }
    };
    child.stdout!.on("data", watch);
  });

test("serves on the embedded database, finishes requests in flight on SIGTERM, and keeps its data across a restart", async () => {
  const first = await start();
  expect(first.stdout.join("")).toContain(dataDir);
  const inFlight = nextStatement(first);
  const opening = post(first, print(OpenAccountDocument), {
    input: { customerName: "Embedded", type: "SAVINGS", initialDeposit: "12.34", idempotencyKey: "embedded-1" },
  });
  // The signal arrives while the request is at the database; the answer must still come.
  await inFlight;
  first.child.kill("SIGTERM");
  const opened = await opening;
  expect(opened.data.openAccount.__typename).toBe("OpenAccountSuccess");
  expect(await first.exited).toBe(0);
  expect(first.stdout.join("")).toContain('"msg":"stopped"');

  const second = await start();
  try {
    // A new start, a new secret: the first start's token is no longer accepted.
    expect(second.token).not.toBe(first.token);
    const stale = await fetch(second.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${first.token}` },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    expect(stale.status).toBe(401);
    const listed = await post(second, print(AccountsDocument), { first: 5 });
    expect(listed.data.accounts.edges.map((e: { node: { balance: string } }) => e.node.balance)).toEqual(["12.34"]);
  } finally {
    second.child.kill("SIGINT");
    expect(await second.exited).toBe(0);
  }
});
