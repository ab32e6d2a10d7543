/** What one timed run (a slice) of one load against one target gave, or several such runs merged. */
export interface Measurement {
  /** The time measured, in seconds. */
  seconds: number;
  /** Successful operations per second: the success union member, a committed pgbench transaction, a full history page. */
  opsPerSecond: number;
  /** Latency percentiles of every request (or pgbench transaction), in ms. */
  p50: number;
  p99: number;
  /** Every request's latency in ms, ascending: kept so that merged slices have exact percentiles. */
  latencies: number[];
  /** Anything that is not an expected answer, by kind. */
  errors: Map<string, number>;
  /** Expected answers by union member (VersionConflict, InsufficientFunds... are answers, not errors). */
  outcomes: Map<string, number>;
  successes: number;
  /** Requests resent with the same idempotency key after a VersionConflict. */
  retries?: number;
  /**
   * CPU time (user + system) the server's processes spent during the run, in seconds. Not for
   * pgbench: D runs in PostgreSQL, whose backends serve other databases too.
   */
  cpuSeconds?: number;
  /** The server's highest resident set size during the run (its kernel high-water mark), in MiB. */
  rssMiB?: number;
  /** RSS samples of the run when it was sampled (the soak), in MiB, oldest first. */
  rssSamples?: number[];
}

/** The server's CPU time per successful operation, in ms. */
export const cpuMsPerOp = (m: Measurement | undefined) =>
  m?.cpuSeconds === undefined || !m.successes ? undefined : (1000 * m.cpuSeconds) / m.successes;

export const bump = (counts: Map<string, number>, key: string, by = 1) => counts.set(key, (counts.get(key) ?? 0) + by);

export const total = (counts: Map<string, number>) => [...counts.values()].reduce((sum, n) => sum + n, 0);

/** The p-th percentile of ascending values (nearest rank); NaN when there are none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Counts the answers of one HTTP run as they arrive. */
export class Tally {
  readonly outcomes = new Map<string, number>();
  readonly errors = new Map<string, number>();
  successes = 0;
  retries = 0;

  answer(member: string, success: boolean) {
    bump(this.outcomes, member);
    if (success) this.successes++;
  }

  error(kind: string) {
    bump(this.errors, kind);
  }
}

const mergeCounts = (maps: Array<Map<string, number>>) => {
  const merged = new Map<string, number>();
  for (const map of maps) map.forEach((n, key) => bump(merged, key, n));
  return merged;
};

const sumOf = (values: Array<number | undefined>) => (values.some((v) => v === undefined) ? undefined : values.reduce<number>((sum, v) => sum + v!, 0));

/**
 * The slices of one target as one measurement: counts, time and CPU added, latencies pooled
 * (percentiles over every request of every slice), ops/s = successes / seconds measured, peak RSS the highest.
 */
export function merge(slices: Measurement[]): Measurement {
  const seconds = slices.reduce((sum, m) => sum + m.seconds, 0);
  const successes = slices.reduce((sum, m) => sum + m.successes, 0);
  const latencies = slices.flatMap((m) => m.latencies).sort((a, b) => a - b);
  const retries = sumOf(slices.map((m) => m.retries));
  const peaks = slices.flatMap((m) => (m.rssMiB === undefined ? [] : [m.rssMiB]));
  return {
    seconds,
    opsPerSecond: seconds ? successes / seconds : 0,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    latencies,
    errors: mergeCounts(slices.map((m) => m.errors)),
    outcomes: mergeCounts(slices.map((m) => m.outcomes)),
    successes,
    retries,
    cpuSeconds: sumOf(slices.map((m) => m.cpuSeconds)),
    rssMiB: peaks.length ? Math.max(...peaks) : undefined,
  };
}

/** The middle value (the mean of the two middle ones for an even count); NaN when there are none. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(middle)] : (sorted[middle - 1] + sorted[middle]) / 2;
}
