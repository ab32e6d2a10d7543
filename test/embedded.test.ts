import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { print } from "graphql";
import { AccountsDocument, OpenAccountDocument } from "./generated/graphql";
import { PROJECT_ROOT } from "../src/paths";
import { tempDir } from "./support/tempDir";

/*
 * The `npm start` path: the built server as its own process, with no
 * DATABASE_URL, on an embedded database in a folder of its own. `npm test`
 * builds dist/ before jest runs.
 */
const dataDir = tempDir("embedded");

async function start(): Promise<{ child: ChildProcess; url: string; token: string; output: string[] }> {
  const output: string[] = [];
  // debug logs each SQL statement: the test sees when a request has reached the database.
  const env = { ...process.env, PORT: "0", SOLVENT_DATA_DIR: dataDir, LOG_LEVEL: "debug" } as NodeJS.ProcessEnv;
  delete env.DATABASE_URL;
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, "dist/src/main.js")], { env, stdio: ["ignore", "pipe", "pipe"] });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output.join("")}`)), 60_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      output.push(chunk.toString());
      const match = /"url":"([^"]+)"/.exec(chunk.toString());
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    child.on("exit", (code) => reject(new Error(`server exited with ${code}:\n${output.join("")}`)));
  });
  // Started without authentication configured, it signs tokens with a secret of its own and prints an admin token.
  const token = /"adminToken":"([^"]+)"/.exec(output.join(""))?.[1];
  if (!token) throw new Error(`no admin token printed:\n${output.join("")}`);
  return { child, url, token, output };
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
const nextStatement = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    const watch = (chunk: Buffer) => {
      if (chunk.toString().includes('"msg":"sql"')) {
        child.stdout!.off("data", watch);
        resolve();
      }
    };
    child.stdout!.on("data", watch);
  });

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));

test("serves on the embedded database, finishes requests in flight on SIGTERM, and keeps its data across a restart", async () => {
  const first = await start();
  expect(first.output.join("")).toContain(dataDir);
  const inFlight = nextStatement(first.child);
  const opening = post(first, print(OpenAccountDocument), {
    input: { customerName: "Embedded", type: "SAVINGS", initialDeposit: "12.34", idempotencyKey: "embedded-1" },
  });
  // The signal arrives while the request is at the database; the answer must still come.
  await inFlight;
  const exitCode = exited(first.child);
  first.child.kill("SIGTERM");
  const opened = await opening;
  expect(opened.data.openAccount.__typename).toBe("OpenAccountSuccess");
  expect(await exitCode).toBe(0);
  expect(first.output.join("")).toContain('"msg":"stopped"');

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
    const code = exited(second.child);
    second.child.kill("SIGINT");
    expect(await code).toBe(0);
  }
});
