import { appendFileSync } from "node:fs";
import { Writable } from "node:stream";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print, type GraphQLFormattedError } from "graphql";
import pino from "pino";
import pg from "pg";
import { randomBytes } from "node:crypto";
import { startSolvent, type Solvent, type SolventOptions } from "../../src/app";
import { signToken } from "../../src/auth";
import type { Caller } from "../../src/ledger/caller";
import { loadConfig } from "../../src/config";

export interface GraphQLResponse<T> {
  status: number;
  data?: T;
  errors?: GraphQLFormattedError[];
  headers: Headers;
}

/** Sends GraphQL over HTTP as one caller. */
export interface Client {
  request<T, V>(document: TypedDocumentNode<T, V>, variables?: V, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  /** Sends a request and fails the test unless it came back without errors. */
  query<T, V>(document: TypedDocumentNode<T, V>, variables?: V): Promise<T>;
}

/** The server, and a client acting as an admin. */
export interface TestServer extends Client {
  solvent: Solvent;
  url: string;
  /** Parsed JSON log lines the server wrote. */
  logs: Array<Record<string, unknown>>;
  /** The test database, for checks the API does not offer. */
  sql: pg.Pool;
  /** A token for `caller`, signed with the server's secret. */
  token(caller: Caller, options?: { expiresInSeconds?: number }): Promise<string>;
  /** A client acting as `caller`. */
  as(caller: Caller): Promise<Client>;
  /** A client sending this Authorization header ("" sends none). */
  withAuthorization(authorization: string): Client;
  stop(): Promise<void>;
}

export const ADMIN: Caller = { subject: "test-admin", role: "admin" };

export const testDatabaseUrl = () => {
  const url = process.env.SOLVENT_TEST_DATABASE_URL;
  if (!url) throw new Error("globalSetup did not provide a test database");
  return url;
};

export const onPostgres = () => process.env.SOLVENT_TEST_BACKEND === "postgresql";

/** A logger whose lines land, parsed, in `logs`. */
export function capturingLogger(level: string): { log: pino.Logger; logs: Array<Record<string, unknown>> } {
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) if (line) logs.push(JSON.parse(line));
      done();
    },
  });
  return { log: pino({ level }, sink), logs };
}

/**
 * The real server, on a free port, against the test database, with its logs
 * captured. It verifies HS256 tokens signed with a secret of its own; no
 * role is rate limited unless a test sets it.
 */
export async function startTestServer(
  options: { logLevel?: string; env?: Record<string, string>; databaseUrl?: string; beforeMark?: SolventOptions["beforeMark"] } = {},
): Promise<TestServer> {
  const databaseUrl = options.databaseUrl ?? testDatabaseUrl();
  const secret = options.env?.AUTH_JWT_SECRET ?? randomBytes(32).toString("base64url");
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    PORT: "0",
    LOG_LEVEL: options.logLevel ?? "info",
    AUTH_JWT_SECRET: secret,
    RATE_LIMIT_CUSTOMER_MUTATIONS_PER_SECOND: "0",
    // The embedded database shares one session among its connections (see src/db/sql.ts).
    DB_PREPARED_STATEMENTS: String(onPostgres()),
    ...options.env,
  });
  const { log, logs } = capturingLogger(config.logLevel);
  const solvent = await startSolvent(config, log, { beforeMark: options.beforeMark });
  const sql = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  sql.on("error", () => undefined); // a connection the test's own database drop cuts off

  const token = (caller: Caller, { expiresInSeconds = 3600 } = {}) =>
    signToken(new TextEncoder().encode(secret), caller, { expiresInSeconds });

  const client = (authorization: string): Client => {
    async function request<T, V>(document: TypedDocumentNode<T, V>, variables?: V, headers: Record<string, string> = {}) {
      const response = await fetch(solvent.url, {
        method: "POST",
        headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}), ...headers },
        body: JSON.stringify({ query: print(document), variables }),
      });
      const body = (await response.json()) as { data?: T; errors?: GraphQLFormattedError[] };
      noteUnionMembers(body.data);
      return { status: response.status, data: body.data ?? undefined, errors: body.errors, headers: response.headers };
    }
    return {
      request,
      async query(document, variables) {
        const response = await request(document, variables);
        if (response.errors?.length || !response.data) {
          throw new Error(`GraphQL errors: ${JSON.stringify(response.errors)}`);
        }
        return response.data;
      },
    };
  };
  const admin = client(`Bearer ${await token(ADMIN)}`);

  return {
    solvent,
    url: solvent.url,
    logs,
    sql,
    ...admin,
    token,
    as: async (caller) => client(`Bearer ${await token(caller)}`),
    withAuthorization: client,
    async stop() {
      await sql.end();
      await solvent.stop();
    },
  };
}

let counter = 0;
/** A fresh idempotency key. */
export const key = (label = "k") => `${label}-${process.pid}-${Date.now()}-${counter++}`;

/** Notes "Field.Member" for each root field answered with a union member, for the contract coverage check. */
function noteUnionMembers(data: unknown) {
  if (!data || typeof data !== "object") return;
  const notes = Object.entries(data as Record<string, { __typename?: string } | null>)
    .filter(([, value]) => typeof value?.__typename === "string")
    .map(([field, value]) => `${field}.${value!.__typename}`);
  if (notes.length) appendFileSync(process.env.SOLVENT_TEST_TYPENAMES!, notes.join("\n") + "\n");
}
