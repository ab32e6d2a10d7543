import { randomBytes } from "node:crypto";
import http from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { print } from "graphql";
import pg from "pg";
import { startEmbeddedDatabase } from "../src/db/embedded";
import { CreditDocument, OpenAccountDocument } from "./generated/graphql";
import { ledgerViolations } from "./support/ledgerInvariant";
import { scratchDatabase, type ScratchDatabase } from "./support/scratchDatabase";
import { exitCode, startServerProcess, type StartedServer } from "./support/serverProcess";
import { tempDir } from "./support/tempDir";

/*
 * SIGTERM under load, as a container platform sends it: the built server as
 * its own process, a steady load of credits over keep-alive connections, and
 * a burst sent at the moment of the signal, on idle keep-alive connections
 * and on new ones. Every request whose bytes were written before the signal
 * gets a complete answer, and every credit the database committed was
 * answered to its client. Against PostgreSQL when TEST_DATABASE_URL is set,
 * else on the embedded database, restarted on the same folder each round.
 */
const ROUNDS = 5;
/** Clients crediting in a loop, each over its own keep-alive connection. */
const LOOPS = 8;
/** Burst requests on connections that are open and idle, and on new connections. */
const IDLE = 8;
const FRESH = 16;
/** How long the load runs before the signal. */
const LOAD_MS = 300;

/** One credit sent: when its last byte was written, and what came back (an answer, or a connection error). */
interface Attempt {
  key: string;
  writtenAt?: number;
  status?: number;
  /** The union member answered, or the error code. */
  outcome?: string;
  error?: string;
}

interface Target {
  url: string;
  token: string;
}

/** Sends a credit with this idempotency key; `written` resolves when its bytes are all with the kernel. */
function credit(target: Target, agent: http.Agent | false, accountId: string, key: string) {
  const attempt: Attempt = { key };
  const body = JSON.stringify({ query: print(CreditDocument), variables: { input: { accountId, amount: "1.00", idempotencyKey: key } } });
  let written!: () => void;
  const writing = new Promise<void>((resolve) => (written = resolve));
  const answered = new Promise<Attempt>((resolve) => {
    const fail = (error: NodeJS.ErrnoException) => {
      attempt.error ??= error.code ?? error.message;
      resolve(attempt);
    };
    const request = http.request(
      target.url,
      { method: "POST", agent, headers: { "content-type": "application/json", authorization: `Bearer ${target.token}` } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", fail);
        response.on("end", () => {
          if (!response.complete) return fail(new Error("answer cut short"));
          const answer = JSON.parse(Buffer.concat(chunks).toString()) as { data?: { credit?: { __typename: string } }; errors?: Array<{ extensions?: { code?: string } }> };
          attempt.status = response.statusCode;
          attempt.outcome = answer.data?.credit?.__typename ?? answer.errors?.[0]?.extensions?.code;
          resolve(attempt);
        });
      },
    );
    request.on("finish", () => {
      attempt.writtenAt = performance.now();
      written();
    });
    request.on("error", fail);
    request.end(body);
  });
  return { attempt, written: writing, answered };
}

const succeeded = (attempt: Attempt) => attempt.status === 200 && attempt.outcome === "PostingSuccess";
/** A refusal that executed nothing: the server is going away, send it again elsewhere. */
const refused = (attempt: Attempt) => attempt.status === 503 && attempt.outcome === "SERVICE_UNAVAILABLE";

async function openAccount(target: Target, round: number): Promise<string> {
  const response = await fetch(target.url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${target.token}` },
    body: JSON.stringify({
      query: print(OpenAccountDocument),
      variables: { input: { customerName: "Shutdown", type: "CHECKING", idempotencyKey: `shutdown-open-${round}` } },
    }),
  });
  const { data } = (await response.json()) as { data: { openAccount: { account: { id: string } } } };
  return data.openAccount.account.id;
}

/**
 * One round: start, load, burst, SIGTERM, exit. Returns every attempt and
 * the problems seen (a request written before the signal without a full
 * answer, an exit code other than 0).
 */
async function round(server: StartedServer, round: number): Promise<{ attempts: Attempt[]; problems: string[] }> {
  const accountId = await openAccount(server, round);
  const sent: Array<ReturnType<typeof credit>> = [];
  const send = (agent: http.Agent | false, label: string) => {
    const request = credit(server, agent, accountId, `shutdown-${round}-${label}`);
    sent.push(request);
    return request;
  };
  let stopped = false;
  const loopAgent = new http.Agent({ keepAlive: true, maxSockets: LOOPS });
  const loops = Array.from({ length: LOOPS }, async (_, loop) => {
    for (let n = 0; !stopped; n++) if ((await send(loopAgent, `loop${loop}-${n}`).answered).error) return; // the server is gone
  });
  // Connections that answered once and now wait, idle, in the agent.
  const idleAgent = new http.Agent({ keepAlive: true, maxSockets: IDLE });
  await Promise.all(Array.from({ length: IDLE }, (_, i) => send(idleAgent, `warm${i}`).answered));
  await sleep(LOAD_MS);

  const burst = [
    ...Array.from({ length: IDLE }, (_, i) => send(idleAgent, `idle${i}`)),
    ...Array.from({ length: FRESH }, (_, i) => send(false, `fresh${i}`)),
  ];
  await Promise.all(burst.map((request) => request.written));
  const signalAt = performance.now();
  server.child.kill("SIGTERM");
  const code = await exitCode(server, 60_000);
  stopped = true;
  await Promise.all(loops);
  const attempts = await Promise.all(sent.map((request) => request.answered));
  loopAgent.destroy();
  idleAgent.destroy();

  const problems = attempts
    .filter((attempt) => attempt.writtenAt !== undefined && attempt.writtenAt < signalAt && !succeeded(attempt) && !refused(attempt))
    .map((attempt) => `round ${round}: ${attempt.key}, written before the signal, got ${attempt.error ?? `${attempt.status} ${attempt.outcome}`}`);
  if (code !== 0) problems.push(`round ${round}: exit code ${code}`);
  return { attempts, problems };
}

/** The database the servers run on, and a way to look into it afterwards. */
interface Backend {
  env: Record<string, string | undefined>;
  secret?: string;
  inspect<T>(look: (sql: pg.Pool) => Promise<T>): Promise<T>;
  drop(): Promise<void>;
}

async function backend(): Promise<Backend> {
  const env: Record<string, string> = {};
  const inspectAt = async <T>(url: string, look: (sql: pg.Pool) => Promise<T>) => {
    const sql = new pg.Pool({ connectionString: url, max: 1 });
    try {
      return await look(sql);
    } finally {
      await sql.end();
    }
  };
  if (process.env.TEST_DATABASE_URL) {
    const database: ScratchDatabase = await scratchDatabase("shutdown");
    return {
      env: { ...env, DATABASE_URL: database.url },
      secret: randomBytes(32).toString("base64url"),
      inspect: (look) => inspectAt(database.url, look),
      drop: () => database.drop(),
    };
  }
  const dataDir = tempDir("shutdown");
  return {
    env: { ...env, DATABASE_URL: undefined, SOLVENT_DATA_DIR: dataDir },
    async inspect(look) {
      const embedded = await startEmbeddedDatabase(dataDir);
      try {
        return await inspectAt(embedded.url, look);
      } finally {
        await embedded.stop();
      }
    },
    drop: async () => {},
  };
}

test(`SIGTERM under load, ${ROUNDS} times: every request written before the signal is answered, every committed credit was answered, exit code 0`, async () => {
  const database = await backend();
  try {
    const attempts: Attempt[] = [];
    const problems: string[] = [];
    for (let n = 1; n <= ROUNDS; n++) {
      const result = await round(await startServerProcess(database.env, database.secret), n);
      attempts.push(...result.attempts);
      problems.push(...result.problems);
    }
    const committed = await database.inspect(async (sql) => {
      const { rows } = await sql.query<{ key: string }>("SELECT key FROM idempotency_keys WHERE key LIKE 'shutdown-%' AND operation = 'credit'");
      return rows.map((row) => row.key);
    });
    const answered = new Set(attempts.filter(succeeded).map((attempt) => attempt.key));
    for (const key of committed.filter((key) => !answered.has(key))) {
      const attempt = attempts.find((a) => a.key === key);
      problems.push(`${key} committed, but its client got ${attempt?.error ?? `${attempt?.status} ${attempt?.outcome}`}`);
    }
    for (const attempt of attempts.filter(refused)) if (committed.includes(attempt.key)) problems.push(`${attempt.key} was refused, yet committed`);
    expect(problems).toEqual([]);
    // The load was real: most credits went through, and some requests met the closing server.
    expect(committed.length).toBeGreaterThan(ROUNDS * (IDLE + FRESH));
    expect(await database.inspect(ledgerViolations)).toEqual([]);
  } finally {
    await database.drop();
  }
});
