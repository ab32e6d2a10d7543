/*
 * Money is an integer count of the currency's minor units (cents), as a
 * bigint: exact, and never a float. Decimal strings are parsed and printed
 * digit by digit, so no value is ever rounded.
 */

/** Largest amount one posting may move, in minor units (10^15: ten trillion dollars in cents). */
export const MAX_AMOUNT_MINOR = 10n ** 15n;

/**
 * Largest balance an account may hold, in minor units (10^18: ten quadrillion
 * dollars in cents). BIGINT goes to about 9.2 * 10^18, so a balance at the
 * limit plus the largest amount still fits. The database holds the same
 * number (balance_limit(), a migration); a test checks they agree.
 */
export const MAX_BALANCE_MINOR = 10n ** 18n;

/** A plain decimal: optional sign, digits, optional fraction. No exponent, no NaN/Infinity, no blanks. */
export const DECIMAL = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;

export type ParsedAmount = { ok: true; minor: bigint } | { ok: false; reason: string };

/** Converts a decimal string to minor units, refusing more fraction digits than the currency has. */
export function toMinor(decimal: string, scale: number, currency: string): ParsedAmount {
  if (!DECIMAL.test(decimal)) return { ok: false, reason: "must be a decimal number such as \"125.50\"" };
  const negative = decimal.startsWith("-");
  const [whole, fraction = ""] = (negative ? decimal.slice(1) : decimal).split(".");
  if (fraction.length > scale) {
    return {
      ok: false,
      reason: scale === 0 ? `${currency} has no minor units: use a whole number` : `${currency} allows at most ${scale} decimal places`,
    };
  }
  const minor = BigInt(whole + fraction.padEnd(scale, "0"));
  return { ok: true, minor: negative ? -minor : minor };
}

/** Formats minor units as a decimal string with exactly `scale` fraction digits. */
export function formatMinor(minor: bigint, scale: number): string {
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(scale + 1, "0");
  const whole = digits.slice(0, digits.length - scale);
  const text = scale === 0 ? whole : `${whole}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}
