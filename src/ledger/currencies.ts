import type { Db } from "../db/client";
import { formatMinor, toMinor } from "./money";

/** The currencies table, read once at start-up: it changes only with a migration. */
export class Currencies {
  private constructor(private readonly scales: ReadonlyMap<string, number>) {}

  static async load(db: Db): Promise<Currencies> {
    const rows = await db.currency.findMany();
    return new Currencies(new Map(rows.map((c) => [c.code.trim(), c.minorUnits])));
  }

  has(code: string): boolean {
    return this.scales.has(code);
  }

  codes(): string[] {
    return [...this.scales.keys()].sort();
  }

  scale(code: string): number {
    const scale = this.scales.get(code);
    if (scale === undefined) throw new Error(`unknown currency ${code}`);
    return scale;
  }

  format(minor: bigint, code: string): string {
    return formatMinor(minor, this.scale(code));
  }

  toMinor(decimal: string, code: string) {
    return toMinor(decimal, this.scale(code), code);
  }
}
