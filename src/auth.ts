import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createRemoteJWKSet, errors, jwtVerify, SignJWT, type JWTVerifyGetKey } from "jose";
import { LRUCache } from "lru-cache";
import type { AuthConfig } from "./config";
import { clientError } from "./graphql/errors";
import { ROLES, type Caller, type Role } from "./ledger/caller";

/** Turns the Authorization header of a request into the caller, or throws UNAUTHENTICATED. */
export type Authenticate = (authorization: string | undefined) => Promise<Caller>;

/** Who everybody is when authentication is switched off (AUTH_DISABLED=true, for local experiments only). */
const ANONYMOUS: Caller = { subject: "anonymous", role: "admin" };
/** The longest `sub` the ledger can record as an actor and an idempotency scope. */
const MAX_SUBJECT_LENGTH = 255;
/**
 * A `sub` is stored (VARCHAR(255): characters, not bytes) and logged as it is: 1 to 255 characters, no
 * control characters, and no lone surrogate (which UTF-8, hence PostgreSQL, cannot hold).
 */
const SUBJECT = new RegExp(`^[^\\p{Cc}\\p{Cs}]{1,${MAX_SUBJECT_LENGTH}}$`, "u");
const isSubject = (sub: unknown): sub is string => typeof sub === "string" && SUBJECT.test(sub);
const BEARER = /^Bearer\s+(\S+)$/i;

const unauthenticated = (message: string) => clientError(message, "UNAUTHENTICATED", 401, { headers: { "www-authenticate": "Bearer" } });

/**
 * Bearer JWTs: HS256 with AUTH_JWT_SECRET, RS256/ES256 with a key from
 * AUTH_JWKS_URL. The algorithm list is fixed per configuration, so a token
 * cannot choose `none` or turn a public key into an HMAC secret.
 */
export function authenticator(auth: AuthConfig): Authenticate {
  if (auth.mode === "disabled") return async () => ANONYMOUS;
  if (auth.mode !== "tokens") throw new Error("no authentication configured");
  const { secret, issuer, audience } = auth;
  const jwks = auth.jwksUrl ? createRemoteJWKSet(auth.jwksUrl) : undefined;
  const algorithms = [...(secret ? ["HS256"] : []), ...(jwks ? ["RS256", "ES256"] : [])];
  const key: JWTVerifyGetKey = (header, token) => (header.alg === "HS256" ? secret! : jwks!(header, token));

  // A client sends the same token with every request: it is verified once, then trusted until it expires.
  const verified = new LRUCache<string, { caller: Caller; expiresAt: number }>({ max: 10_000 });

  return async (authorization) => {
    const token = BEARER.exec(authorization ?? "")?.[1];
    if (!token) throw unauthenticated("send a token: Authorization: Bearer <JWT>");
    const known = verified.get(token);
    if (known && known.expiresAt > Date.now()) return known.caller;
    let claims;
    try {
      ({ payload: claims } = await jwtVerify(token, key, { algorithms, issuer, audience, requiredClaims: ["sub", "exp"] }));
    } catch (error) {
      // A key server that cannot be reached is our fault, not the caller's.
      if (error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError)) throw error;
      throw unauthenticated(error instanceof errors.JWTExpired ? "the token has expired" : "the token is not valid");
    }
    const { sub, role } = claims;
    if (!isSubject(sub)) throw unauthenticated(`the token's sub must be a string of 1 to ${MAX_SUBJECT_LENGTH} characters, none of them control characters`);
    if (!ROLES.includes(role as Role)) throw unauthenticated(`the token's role must be one of ${ROLES.join(", ")}`);
    const caller: Caller = { subject: sub, role: role as Role };
    verified.set(token, { caller, expiresAt: claims.exp! * 1000 });
    return caller;
  };
}

/** An HS256 token for local use: the development admin token and `npm run token`. */
export function signToken(
  secret: Uint8Array,
  caller: Caller,
  options: { expiresInSeconds: number; issuer?: string; audience?: string },
): Promise<string> {
  const jwt = new SignJWT({ role: caller.role })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(caller.subject)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + options.expiresInSeconds);
  if (options.issuer) jwt.setIssuer(options.issuer);
  if (options.audience) jwt.setAudience(options.audience);
  return jwt.sign(secret);
}

/** Where the embedded database's per-start signing secret is kept, for `npm run token`. */
const DEVELOPMENT_SECRET_FILE = "development-jwt-secret";
export const DEVELOPMENT_TOKEN_SECONDS = 24 * 3600;

export function createDevelopmentSecret(dataDir: string): Uint8Array {
  const secret = randomBytes(32).toString("base64url");
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(path.join(dataDir, DEVELOPMENT_SECRET_FILE), secret, { mode: 0o600 });
  return new TextEncoder().encode(secret);
}

export function readDevelopmentSecret(dataDir: string): Uint8Array | undefined {
  const file = path.join(dataDir, DEVELOPMENT_SECRET_FILE);
  return existsSync(file) ? new TextEncoder().encode(readFileSync(file, "utf8")) : undefined;
}
