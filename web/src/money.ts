/*
 * Money is a decimal string from end to end ("125.50"), as the API sends and takes it: never a
 * JavaScript number, which would round it. Intl formats the string itself, digit for digit.
 */

/** What an amount typed into a form may look like: digits, optionally a point and more digits. */
const DECIMAL = /^\d+(\.\d+)?$/;

/** Why `text` is not an amount, or undefined when it is one (the server checks the currency's digits and the limits). */
export function amountProblem(text: string): string | undefined {
  if (!DECIMAL.test(text)) return "Enter an amount in digits, with a point before the cents: 12.50";
  if (!/[1-9]/.test(text)) return "Enter an amount above zero";
  return undefined;
}

/** "1234.50" in USD → "$1,234.50" in the reader's locale, with exactly the digits the string has (the API's have the currency's). */
export function formatMoney(amount: string, currency: string): string {
  const digits = amount.split(".")[1]?.length ?? 0;
  const format = new Intl.NumberFormat(undefined, { style: "currency", currency, minimumFractionDigits: digits, maximumFractionDigits: digits });
  return format.format(amount as Intl.StringNumericLiteral);
}

/** An instant the API sent ("2026-12-01T10:24:02.123Z"), in the reader's locale and time zone. */
export const formatTime = (instant: string): string => new Date(instant).toLocaleString();
