import { parseArgs } from "node:util";
import { readDevelopmentSecret, signToken } from "../src/auth";
import { loadConfig } from "../src/config";
import { ROLES, type Role } from "../src/ledger/caller";

/**
 * `npm run token -- --role customer --sub alice [--hours 24]`: prints a token
 * for local use, signed with AUTH_JWT_SECRET, or else with the secret the
 * embedded database's server made at its last start.
 */
async function main() {
  const { values } = parseArgs({
    options: { role: { type: "string", default: "admin" }, sub: { type: "string" }, hours: { type: "string", default: "24" } },
  });
  const role = values.role as Role;
  const hours = Number(values.hours);
  if (!ROLES.includes(role) || !values.sub || !Number.isFinite(hours) || hours <= 0) {
    console.error(`usage: npm run token -- --role ${ROLES.join("|")} --sub <subject> [--hours 24]`);
    process.exit(2);
  }
  const config = loadConfig();
  const tokens = config.auth.mode === "tokens" ? config.auth : undefined;
  const secret = tokens?.secret ?? readDevelopmentSecret(config.dataDir);
  if (!secret) {
    console.error(`no AUTH_JWT_SECRET, and no server has started on the embedded database in ${config.dataDir}`);
    process.exit(1);
  }
  const token = await signToken(secret, { subject: values.sub, role }, {
    expiresInSeconds: Math.round(hours * 3600),
    issuer: tokens?.issuer,
    audience: tokens?.audience,
  });
  console.log(token);
}

void main();
