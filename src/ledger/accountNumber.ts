import { randomInt } from "node:crypto";

/** Luhn check digit of a digit string, so that a mistyped account number is caught before it is looked up. */
export function luhnCheckDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

export function isLuhnValid(number: string): boolean {
  return /^\d+$/.test(number) && luhnCheckDigit(number.slice(0, -1)) === Number(number.at(-1));
}

/** Ten digits: nine random ones (no leading zero) and a Luhn check digit. */
export function generateAccountNumber(): string {
  const body = String(randomInt(100_000_000, 1_000_000_000));
  return body + luhnCheckDigit(body);
}
