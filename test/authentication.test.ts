import { execFile } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload, type KeyLike } from "jose";
import pino from "pino";
import { startSolvent } from "../src/app";
import { loadConfig } from "../src/config";
import { PROJECT_ROOT } from "../src/paths";
import { AccountBalanceDocument, CreditDocument, OpenAccountDocument } from "./generated/graphql";
import { openAccount } from "./support/flows";
import { key, onPostgres, startTestServer, testDatabaseUrl, type TestServer } from "./support/harness";
import { databaseDigest } from "./support/ledgerInvariant";
import { tempDir } from "./support/tempDir";

/*
 * Bearer JWTs: HS256 with AUTH_JWT_SECRET, RS256/ES256 against a JWKS. A
 * token that is missing, malformed, expired, wrongly signed, unsigned or
 * lacking a claim is refused with UNAUTHENTICATED (401) before anything runs.
 */
const SECRET = randomBytes(32).toString("hex");
const secretKey = new TextEncoder().encode(SECRET);
const hour = () => Math.floor(Date.now() / 1000) + 3600;

/** A JWKS endpoint serving one RSA and one EC public key, as an identity provider would. */
let jwksServer: http.Server;
let jwksUrl: string;
let rsa: { privateKey: KeyLike; publicKey: KeyLike };
let ec: { privateKey: KeyLike; publicKey: KeyLike };
let server: TestServer;

beforeAll(async () => {
  [rsa, ec] = await Promise.all([generateKeyPair("RS256"), generateKeyPair("ES256")]);
  const keys = [
    { ...(await exportJWK(rsa.publicKey)), kid: "rsa-1", alg: "RS256", use: "sig" },
    { ...(await exportJWK(ec.publicKey)), kid: "ec-1", alg: "ES256", use: "sig" },
  ];
  jwksServer = http.createServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys })));
  await new Promise<void>((resolve) => jwksServer.listen(0, "127.0.0.1", resolve));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;
  server = await startTestServer({ env: { AUTH_JWT_SECRET: SECRET, AUTH_JWKS_URL: jwksUrl } });
});
afterAll(async () => {
  await server.stop();
  await new Promise((resolve) => jwksServer.close(resolve));
});

function sign(claims: JWTPayload, header: { alg: string; kid?: string }, keyOrSecret: KeyLike | Uint8Array) {
  return new SignJWT(claims).setProtectedHeader(header).sign(keyOrSecret);
}

const unsigned = (claims: JWTPayload) =>
  `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.`;

/** Sends a credit with this Authorization header: refused tokens must leave the database as it was. */
async function creditWith(authorization: string) {
  const account = await openAccount(server, { deposit: "1.00" });
  const before = await databaseDigest(server.sql);
  const response = await server
    .withAuthorization(authorization)
    .request(CreditDocument, { input: { accountId: account.id, amount: "5.00", idempotencyKey: key("authn") } });
  return { response, unchanged: (await databaseDigest(server.sql)) === before };
}

const adminClaims = (extra: JWTPayload = {}): JWTPayload => ({ sub: "someone", role: "admin", exp: hour(), ...extra });

/** A server of this test's own on the test database (prepared statements only on PostgreSQL, as the harness does). */
const base = () => ({ DATABASE_URL: testDatabaseUrl(), PORT: "0", LOG_LEVEL: "silent", DB_PREPARED_STATEMENTS: String(onPostgres()) });

test.each<[string, () => Promise<string>, string]>([
  ["no Authorization header", async () => "", "send a token"],
  ["a scheme other than Bearer", async () => `Basic ${Buffer.from("a:b").toString("base64")}`, "send a token"],
  ["a malformed token", async () => "Bearer not.a.jwt", "not valid"],
  ["garbage", async () => `Bearer ${randomBytes(40).toString("base64url")}`, "not valid"],
  ["an expired token", async () => `Bearer ${await sign(adminClaims({ exp: Math.floor(Date.now() / 1000) - 60 }), { alg: "HS256" }, secretKey)}`, "expired"],
  ["a token signed with another secret", async () => `Bearer ${await sign(adminClaims(), { alg: "HS256" }, randomBytes(32))}`, "not valid"],
  ["an unsigned token (alg none)", async () => `Bearer ${unsigned(adminClaims())}`, "not valid"],
  ["a token with no exp", async () => `Bearer ${await sign({ sub: "someone", role: "admin" }, { alg: "HS256" }, secretKey)}`, "not valid"],
  ["a token with no sub", async () => `Bearer ${await sign({ role: "admin", exp: hour() }, { alg: "HS256" }, secretKey)}`, "not valid"],
  ["a token with no role", async () => `Bearer ${await sign({ sub: "someone", exp: hour() }, { alg: "HS256" }, secretKey)}`, "role must be one of"],
  ["a token with an unknown role", async () => `Bearer ${await sign(adminClaims({ role: "root" }), { alg: "HS256" }, secretKey)}`, "role must be one of"],
  ["a sub longer than 255 characters", async () => `Bearer ${await sign(adminClaims({ sub: "s".repeat(256) }), { alg: "HS256" }, secretKey)}`, "sub must be"],
  ...(
    [
      ["that is a number", 42],
      ["that is an object", { id: "someone" }],
      ["that is an array", ["someone"]],
      ["that is empty", ""],
      ["with a NUL character", "some\u0000one"],
      ["with a newline", "some\none"],
      ["with another control character", "some\u001bone"],
      ["with a lone surrogate", "some\ud800one"],
    ] as Array<[string, unknown]>
  ).map(([what, sub]): [string, () => Promise<string>, string] => [
    `a sub ${what}`,
    async () => `Bearer ${await sign(adminClaims({ sub: sub as string }), { alg: "HS256" }, secretKey)}`,
    "sub must be",
  ]),
  ["a token that is not valid yet", async () => `Bearer ${await sign(adminClaims({ nbf: hour() }), { alg: "HS256" }, secretKey)}`, "not valid"],
  ["an RS256 token from a key the JWKS does not hold", async () => `Bearer ${await sign(adminClaims(), { alg: "RS256", kid: "rsa-1" }, (await generateKeyPair("RS256")).privateKey)}`, "not valid"],
  ["an RS256 token naming a kid the JWKS does not have", async () => `Bearer ${await sign(adminClaims(), { alg: "RS256", kid: "rsa-9" }, rsa.privateKey)}`, "not valid"],
  ["an HS512 token with the right secret (algorithm not allowed)", async () => `Bearer ${await sign(adminClaims(), { alg: "HS512" }, secretKey)}`, "not valid"],
])("%s: UNAUTHENTICATED (401), nothing executed", async (_label, token, message) => {
  const { response, unchanged } = await creditWith(await token());
  expect(response.status).toBe(401);
  expect(response.headers.get("www-authenticate")).toBe("Bearer");
  expect(response.data).toBeUndefined();
  expect(response.errors).toEqual([{ message: expect.stringContaining(message), extensions: { code: "UNAUTHENTICATED" } }]);
  expect(unchanged).toBe(true);
  // A warning with the code (never the token), and the request's line, with what it was refused for.
  const requestId = response.headers.get("x-request-id");
  expect(server.logs.filter((line) => line.requestId === requestId)).toEqual([
    expect.objectContaining({ level: 40, msg: "client error", code: "UNAUTHENTICATED" }),
    expect.objectContaining({ msg: "request", outcome: "UNAUTHENTICATED", durationMs: expect.any(Number) }),
  ]);
});

test.each<[string, () => Promise<string>]>([
  ["HS256 with AUTH_JWT_SECRET", () => sign(adminClaims({ sub: "hs-user" }), { alg: "HS256" }, secretKey)],
  ["RS256 from the JWKS", () => sign(adminClaims({ sub: "rs-user" }), { alg: "RS256", kid: "rsa-1" }, rsa.privateKey)],
  ["ES256 from the JWKS", () => sign(adminClaims({ sub: "es-user" }), { alg: "ES256", kid: "ec-1" }, ec.privateKey)],
])("a valid %s token is accepted, and its sub is the actor", async (_label, token) => {
  const jwt = await token();
  const account = await openAccount(server, { deposit: "1.00" });
  const { credit } = await server
    .withAuthorization(`Bearer ${jwt}`)
    .query(CreditDocument, { input: { accountId: account.id, amount: "5.00", idempotencyKey: key("authn") } });
  if (credit.__typename !== "PostingSuccess") throw new Error(JSON.stringify(credit));
  expect(credit.transaction.actor).toBe(JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString()).sub);
});

describe("a server with a JWKS and no secret", () => {
  test("refuses an HS256 token signed with a public key (algorithm confusion)", async () => {
    const config = loadConfig({ ...base(), AUTH_JWKS_URL: jwksUrl });
    const solvent = await startSolvent(config, pino({ level: "silent" }));
    try {
      const publicPem = new TextEncoder().encode(JSON.stringify(await exportJWK(rsa.publicKey)));
      const forged = await sign(adminClaims(), { alg: "HS256" }, publicPem);
      const response = await fetch(solvent.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${forged}` },
        body: JSON.stringify({ query: "{ __typename }" }),
      });
      expect(response.status).toBe(401);
      const good = await sign(adminClaims(), { alg: "ES256", kid: "ec-1" }, ec.privateKey);
      const accepted = await fetch(solvent.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${good}` },
        body: JSON.stringify({ query: "{ __typename }" }),
      });
      expect(await accepted.json()).toEqual({ data: { __typename: "Query" } });
    } finally {
      await solvent.stop();
    }
  });
});

describe("configuration", () => {

  test("with no authentication configured, a server on PostgreSQL refuses to start", async () => {
    await expect(startSolvent(loadConfig(base()), pino({ level: "silent" }))).rejects.toThrow(/no authentication configured/);
  });

  test("a short secret, a bad JWKS URL, and AUTH_DISABLED with a secret are refused", () => {
    expect(() => loadConfig({ ...base(), AUTH_JWT_SECRET: "short" })).toThrow(/at least 32/);
    expect(() => loadConfig({ ...base(), AUTH_JWKS_URL: "file:///etc/keys" })).toThrow(/http/);
    expect(() => loadConfig({ ...base(), AUTH_DISABLED: "true", AUTH_JWT_SECRET: SECRET })).toThrow(/cannot be combined/);
    expect(() => loadConfig({ ...base(), AUTH_DISABLED: "yes" })).toThrow(/true or false/);
  });

  test("AUTH_DISABLED=true runs every request as an admin named anonymous, but never in production", async () => {
    await expect(startSolvent(loadConfig({ ...base(), AUTH_DISABLED: "true", NODE_ENV: "production" }), pino({ level: "silent" }))).rejects.toThrow(
      /refused when NODE_ENV=production/,
    );
    const solvent = await startSolvent(loadConfig({ ...base(), AUTH_DISABLED: "true" }), pino({ level: "silent" }));
    try {
      const response = await fetch(solvent.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          query: 'mutation { openAccount(input: {customerName: "Nobody", type: CHECKING, idempotencyKey: "disabled-1"}) { ... on OpenAccountSuccess { account { id } transaction { id } } } }',
        }),
      });
      const body = (await response.json()) as { data: { openAccount: { account: { id: string } } } };
      expect(body.data.openAccount.account.id).toMatch(/^[0-9a-f-]{36}$/);
      const { rows } = await server.sql.query("SELECT scope FROM idempotency_keys WHERE key = 'disabled-1'");
      expect(rows).toEqual([{ scope: "anonymous" }]);
    } finally {
      await solvent.stop();
    }
  });
});

describe("npm run token", () => {
  const run = promisify(execFile);
  const token = (args: string[], env: NodeJS.ProcessEnv) =>
    run(process.execPath, [path.join(PROJECT_ROOT, "dist/scripts/token.js"), ...args], { env: { PATH: process.env.PATH, ...env } }).then(
      (out) => out.stdout.trim(),
    );

  test("mints a token the server accepts, with the role and sub asked for", async () => {
    const jwt = await token(["--role", "customer", "--sub", "alice"], { AUTH_JWT_SECRET: SECRET });
    const response = await server.withAuthorization(`Bearer ${jwt}`).request(AccountBalanceDocument, { id: randomUUID() });
    expect(response.status).toBe(200);
    expect(JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString())).toMatchObject({ sub: "alice", role: "customer" });
    // A customer may not open accounts: the role is what the token says.
    const opened = await server
      .withAuthorization(`Bearer ${jwt}`)
      .request(OpenAccountDocument, { input: { customerName: "x", type: "CHECKING", idempotencyKey: key() } });
    expect(opened.errors?.[0].extensions?.code).toBe("FORBIDDEN");
  });

  test("without AUTH_JWT_SECRET it signs with the embedded database's per-start secret", async () => {
    const dataDir = tempDir("token");
    writeFileSync(path.join(dataDir, "development-jwt-secret"), SECRET);
    const jwt = await token(["--role", "teller", "--sub", "tina"], { SOLVENT_DATA_DIR: dataDir });
    expect((await server.withAuthorization(`Bearer ${jwt}`).request(AccountBalanceDocument, { id: randomUUID() })).status).toBe(200);
  });

  test("refuses an unknown role, and says how to use it", async () => {
    await expect(token(["--role", "root", "--sub", "x"], { AUTH_JWT_SECRET: SECRET })).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining("usage") });
  });
});
