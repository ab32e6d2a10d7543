import { MAX_AMOUNT_MINOR } from "./money";
import type { Currencies } from "./currencies";
import type { FieldViolation } from "./failures";

// C0/C1 control characters (tab, newline and NUL included): never meaningful in names, keys or references.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// What PostgreSQL text and jsonb cannot hold: NUL, and UTF-16 surrogates without their pair (pg would store U+FFFD).
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Whether any key or string inside a JSON value has a character the database cannot store. */
function hasUnstorable(value: unknown): boolean {
  if (typeof value === "string") return UNSTORABLE.test(value);
  if (Array.isArray(value)) return value.some(hasUnstorable);
  if (value !== null && typeof value === "object") {
    return Object.entries(value).some(([key, inner]) => UNSTORABLE.test(key) || hasUnstorable(inner));
  }
  return false;
}
/**
 * Whether a JSON value nests objects and arrays deeper than `max`. Walked
 * with a stack of its own: the checks after it (and JSON.stringify) recurse,
 * and thousands of levels would overflow the call stack.
 */
function nestsDeeperThan(value: unknown, max: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 1]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [inner, depth] = next;
    if (inner === null || typeof inner !== "object") continue;
    if (depth > max) return true;
    for (const child of Object.values(inner)) pending.push([child, depth + 1]);
  }
  return false;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const LIMITS = {
  idempotencyKey: 255,
  reference: 255,
  customerName: 200,
  ownerId: 255,
  description: 1000,
  metadataBytes: 8 * 1024,
  metadataKeys: 50,
  metadataDepth: 32,
};

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Collects one violation per offending input field, so a client can fix everything in one go. */
export class Violations {
  readonly list: FieldViolation[] = [];

  /** `field` is a name in the input, or a path to one inside a list (["lines", "0", "amount"]). */
  add(field: string | string[], message: string) {
    this.list.push({ path: ["input", ...[field].flat()], message });
  }

  text(field: string, value: string | null | undefined, max: number, { required = false, blankAllowed = false } = {}) {
    if (value == null) {
      if (required) this.add(field, "is required");
      return;
    }
    if (!blankAllowed && value.trim() === "") this.add(field, "must not be blank");
    else if ([...value].length > max) this.add(field, `must be at most ${max} characters`);
    else if (CONTROL.test(value)) this.add(field, "must not contain control characters");
    else if (UNSTORABLE.test(value)) this.add(field, "must be valid Unicode text");
  }

  idempotencyKey(value: string) {
    this.text("idempotencyKey", value, LIMITS.idempotencyKey, { required: true });
  }

  version(field: string | string[], value: number | null | undefined) {
    if (value != null && value < 0) this.add(field, "must be >= 0");
  }

  currency(field: string, value: string, currencies: Currencies) {
    if (!currencies.has(value)) this.add(field, `unsupported currency; use one of ${currencies.codes().join(", ")}`);
  }

  /** Returns the amount in minor units, or undefined after recording why it is not acceptable. */
  amount(field: string | string[], decimal: string, currency: string, currencies: Currencies, { zeroAllowed = false } = {}) {
    const parsed = currencies.toMinor(decimal, currency);
    if (!parsed.ok) this.add(field, parsed.reason);
    else if (parsed.minor < 0n || (parsed.minor === 0n && !zeroAllowed)) this.add(field, zeroAllowed ? "must be >= 0" : "must be greater than zero");
    else if (parsed.minor > MAX_AMOUNT_MINOR) this.add(field, `must be at most ${currencies.format(MAX_AMOUNT_MINOR, currency)}`);
    else return parsed.minor;
    return undefined;
  }

  metadata(value: Record<string, unknown> | null | undefined) {
    if (value == null) return;
    if (nestsDeeperThan(value, LIMITS.metadataDepth)) this.add("metadata", `must nest objects and arrays at most ${LIMITS.metadataDepth} levels deep`);
    else if (Object.keys(value).length > LIMITS.metadataKeys) this.add("metadata", `must have at most ${LIMITS.metadataKeys} keys`);
    else if (Buffer.byteLength(JSON.stringify(value)) > LIMITS.metadataBytes) this.add("metadata", `must be at most ${LIMITS.metadataBytes} bytes of JSON`);
    else if (hasUnstorable(value)) this.add("metadata", "keys and strings must be valid Unicode text without NUL characters");
  }

  get ok() {
    return this.list.length === 0;
  }
}
