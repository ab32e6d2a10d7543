import { existsSync, rmSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { print } from "graphql";
import { LOCK_NAME } from "../src/db/embedded";
import { AccountsWithCursorsDocument, OpenAccountDocument } from "./generated/graphql";
import { exitCode, logLines, spawnServer, startServerProcess, type ServerProcess } from "./support/serverProcess";
import { tempDir } from "./support/tempDir";

/*
 * The `npm start` path: the built server as its own process, with no
 * DATABASE_URL, on an embedded database in a folder of its own.
 */
const dataDir = tempDir("embedded");

// debug logs each SQL statement: the test sees when a request has reached the database.
const start = (folder = dataDir) => startServerProcess({ SOLVENT_DATA_DIR: folder, LOG_LEVEL: "debug", DATABASE_URL: undefined });

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

/** Opens an account with this deposit through the server. */
async function deposit(server: { url: string; token: string }, amount: string, idempotencyKey: string) {
  const opened = await post(server, print(OpenAccountDocument), {
    input: { customerName: "Locked", type: "CHECKING", initialDeposit: amount, idempotencyKey },
  });
  expect(opened.data.openAccount.__typename).toBe("OpenAccountSuccess");
}

/** The balances of the accounts the server lists, sorted. */
async function balances(server: { url: string; token: string }): Promise<string[]> {
  const listed = await post(server, print(AccountsWithCursorsDocument), { first: 10 });
  return listed.data.accounts.edges.map((e: { node: { balance: string } }) => e.node.balance).sort();
}

/**
 * The console's sign-in page is offered the token the server printed, as the browser on this
 * machine asks for it; a request naming another host (a DNS-rebinding page) gets nothing.
 */
async function expectDevelopmentToken({ url, token }: { url: string; token: string }) {
  const offer = new URL("/console/development-token", url);
  const offered = await fetch(offer);
  expect(offered.headers.get("cache-control")).toBe("no-store");
  expect(await offered.json()).toEqual({ token });
  const rebound = await new Promise<number | undefined>((resolve, reject) =>
    http.get(offer, { headers: { host: "bank.example" } }, (response) => resolve(response.resume().statusCode)).on("error", reject),
  );
  expect(rebound).toBe(404);
}

async function stop(server: ServerProcess) {
  server.child.kill("SIGTERM");
  expect(await exitCode(server, 30_000)).toBe(0);
}

test("serves on the embedded database, finishes requests in flight on SIGTERM, keeps its data across a restart, and offers the console each start's admin token", async () => {
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
    expect(await balances(second)).toEqual(["12.34"]);
    await expectDevelopmentToken(second);
  } finally {
    second.child.kill("SIGINT");
    expect(await second.exited).toBe(0);
  }
});

describe("the data folder belongs to one process at a time", () => {
  test("a second server on the folder is refused with one log line while the first runs; after a crash the next start takes the stale lock over", async () => {
    const folder = tempDir("locked");
    const first = await start(folder);
    await deposit(first, "1.00", "first-1");

    const second = spawnServer({ SOLVENT_DATA_DIR: folder, DATABASE_URL: undefined });
    // It waits out the stale time (~11 s) first: the holder might have crashed.
    expect(await exitCode(second, 30_000)).toBe(1);
    expect(second.stderr.join("")).toBe("");
    expect(logLines(second)).toEqual([expect.objectContaining({ level: 60, msg: expect.stringMatching(/^could not start: the data folder .* is in use by another process/) })]);

    // The first one never noticed, and everything it acknowledged survives its crash.
    await deposit(first, "2.00", "first-2");
    first.child.kill("SIGKILL");
    await first.exited;
    expect(existsSync(path.join(folder, LOCK_NAME))).toBe(true);
    const started = Date.now();
    const third = await start(folder);
    try {
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(await balances(third)).toEqual(["1.00", "2.00"]);
    } finally {
      await stop(third);
    }
    expect(existsSync(path.join(folder, LOCK_NAME))).toBe(false);
  });

  test("a server whose lock is taken from it stops at once, loudly, with exit code 1", async () => {
    const folder = tempDir("lost-lock");
    const server = await start(folder);
    rmSync(path.join(folder, LOCK_NAME), { recursive: true });
    // The holder looks at its lock every 2 s.
    expect(await exitCode(server, 15_000)).toBe(1);
    const fatal = logLines(server).filter((line) => line.level === 60);
    expect(fatal).toEqual([expect.objectContaining({ msg: expect.stringMatching(/^lost the lock on the data folder/), dataDir: folder })]);
  });
});
