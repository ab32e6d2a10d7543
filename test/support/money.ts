/** Amounts of a two-decimal currency as the API writes them ("12.05", "-0.30"), to and from minor units: exact, no floats. */
export const minorUnits = (money: string): bigint => BigInt(money.replace(".", ""));

export function money(minor: bigint): string {
  const units = minor < 0n ? -minor : minor;
  return `${minor < 0n ? "-" : ""}${units / 100n}.${String(units % 100n).padStart(2, "0")}`;
}
