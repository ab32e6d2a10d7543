import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import { loadConfig } from "../src/config";
import { PROJECT_ROOT } from "../src/paths";
import { AMOUNT, SEED } from "./database";
import { cpuMsPerOp, median, total, type Measurement } from "./measurement";
import { roundsOf, type Options } from "./options";
import type { Scenario } from "./scenarios";
import { PGBENCH_WARMUP_SECONDS } from "./pgbench";
import { startCommand } from "./serverProcess";

/** The targets of a measure, in the order they take turns in each round. */
export type Turn = "solvent" | "variant" | "canned" | "naive" | "database";
export const TURN_LABELS: Record<Turn, string> = { solvent: "S", variant: "S′", canned: "F", naive: "N", database: "D" };

/** A scenario at a connection count: each target's slices (one per round), and each target's slices merged. */
export interface Row {
  scenario: Scenario;
  connections: number;
  slices: { solvent: Measurement[] } & Partial<Record<Exclude<Turn, "solvent">, Measurement[]>>;
  /** S: the real operation through the server. */
  solvent: Measurement;
  /** S′: the same on the variant server (`--variant`). */
  variant?: Measurement;
  /** F: the same shape, canned data. */
  canned?: Measurement;
  /** N: the naive interactive transaction. */
  naive?: Measurement;
  /** D: pgbench running the same SQL. */
  database?: Measurement;
}

export interface Soak {
  connections: number;
  everySeconds: number;
  measurement: Measurement;
  /** RSS in MiB, after the warm-up. */
  samples: number[];
}

/** Server and database share the cores, so their costs per operation add: C = 1 / (1/F + 1/D). */
const combined = (f: number | undefined, d: number | undefined) => (f && d ? 1 / (1 / f + 1 / d) : undefined);

export const combinedCeiling = (row: Row) => combined(row.canned?.opsPerSecond, row.database?.opsPerSecond);

export type Base = "C" | Turn;

/** The base's throughput in one round (C: from that round's F and D). */
function baseInRound(row: Row, base: Base, round: number): number | undefined {
  if (base === "C") return combined(row.slices.canned?.[round]?.opsPerSecond, row.slices.database?.[round]?.opsPerSecond);
  return row.slices[base]?.[round]?.opsPerSecond;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
}

function spread(values: number[]): Spread | undefined {
  return values.length ? { median: median(values), min: Math.min(...values), max: Math.max(...values) } : undefined;
}

/**
 * S's (or `of`'s) throughput over the base's in each round (slices of the same round, seconds
 * apart), summed up over the rounds.
 */
export function ratioOverRounds(row: Row, base: Base, of: Turn = "solvent"): Spread | undefined {
  return spread(
    (row.slices[of] ?? []).flatMap((m, round) => {
      const b = baseInRound(row, base, round);
      return b ? [m.opsPerSecond / b] : [];
    }),
  );
}

/** A baseline moved when its fastest round is more than this times its slowest: the run is flagged unsteady. */
export const BASELINE_SPREAD_LIMIT = 1.2;
/** The same limit in words: "20 %". */
export const BASELINE_MOVE_TEXT = `${Math.round((BASELINE_SPREAD_LIMIT - 1) * 100)} %`;
const BASELINES = ["canned", "naive", "database"] as const;

/** A baseline's fastest round over its slowest (undefined with fewer than two rounds). */
export function baselineSpread(row: Row, baseline: (typeof BASELINES)[number]): number | undefined {
  const ops = row.slices[baseline]?.map((m) => m.opsPerSecond) ?? [];
  return ops.length > 1 ? Math.max(...ops) / Math.min(...ops) : undefined;
}

/** The baselines whose throughput moved more than BASELINE_SPREAD_LIMIT over the rounds, described. */
export function unsteadyBaselines(rows: Row[]): string[] {
  return rows.flatMap((row) =>
    BASELINES.flatMap((baseline) => {
      const moved = baselineSpread(row, baseline);
      if (moved === undefined || moved <= BASELINE_SPREAD_LIMIT) return [];
      const ops = row.slices[baseline]!.map((m) => Math.round(m.opsPerSecond).toLocaleString("en"));
      return [`${row.scenario.name} ×${row.connections} ${TURN_LABELS[baseline]}: ${ops.join(", ")} ops/s in its rounds (max/min ${moved.toFixed(2)})`];
    }),
  );
}

export const P99_TARGET_MS = 50;
/** The connection count the p99 and CPU-per-operation targets hold at. */
export const P99_TARGET_CONNECTIONS = 16;
export const RSS_DRIFT_TARGET = 0.1;

interface Check {
  label: string;
  pass: boolean;
}

/** The targets this row is held to (the optimisation that meets them is another task). */
export function checks(row: Row): Check[] {
  const list: Check[] = [];
  const { ceiling, naive, p99Ms = P99_TARGET_MS, cpuMsPerOp: cpuTarget } = row.scenario.targets;
  const overCeiling = ceiling && ratioOverRounds(row, ceiling.of === "C" ? "C" : "canned");
  if (ceiling && overCeiling) list.push({ label: `≥${ceiling.atLeast} ${ceiling.of}`, pass: overCeiling.median >= ceiling.atLeast });
  const overNaive = naive && ratioOverRounds(row, "naive");
  if (overNaive) list.push({ label: "≥2 N", pass: overNaive.median >= 2 });
  if (row.connections === P99_TARGET_CONNECTIONS) list.push({ label: `p99≤${p99Ms}`, pass: row.solvent.p99 <= p99Ms });
  const cpu = cpuMsPerOp(row.solvent);
  if (cpuTarget && cpu !== undefined && row.connections === P99_TARGET_CONNECTIONS) {
    list.push({ label: `≤${cpuTarget} ms CPU/op`, pass: cpu <= cpuTarget });
  }
  list.push({ label: "0 err", pass: total(row.solvent.errors) === 0 });
  return list;
}

export interface SoakSummary {
  first: number;
  last: number;
  min: number;
  max: number;
  /** (last - first) / first */
  drift: number;
  /** Every sample within ±10 % of the first. */
  flat: boolean;
}

export function summarizeSoak(samples: number[]): SoakSummary | undefined {
  if (!samples.length) return undefined;
  const first = samples[0];
  const last = samples[samples.length - 1];
  const min = Math.min(...samples);
  const max = Math.max(...samples);
  return { first, last, min, max, drift: (last - first) / first, flat: samples.every((rss) => Math.abs(rss - first) <= RSS_DRIFT_TARGET * first) };
}

// ---------------------------------------------------------------- formatting

const ops = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? "—" : Math.round(n).toLocaleString("en"));
const ms = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? "—" : n < 10 ? n.toFixed(2) : n.toFixed(1));
const cpuMs = (m: Measurement | undefined) => {
  const n = cpuMsPerOp(m);
  return n === undefined ? "—" : n.toFixed(3);
};
const mib = (n: number | undefined) => (n === undefined ? "—" : n.toFixed(0));
/** The median ratio over the rounds, with its lowest and highest round when they differ. */
const ratio = (r: Spread | undefined) =>
  !r ? "—" : r.min === r.max ? r.median.toFixed(2) : `${r.median.toFixed(2)} (${r.min.toFixed(2)}–${r.max.toFixed(2)})`;
const percent = (n: number) => `${n >= 0 ? "+" : ""}${(n * 100).toFixed(1)} %`;
const mark = (pass: boolean) => (pass ? "✓" : "✗");

/** Most frequent first. */
function counts(map: Map<string, number>): string {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => `${name} ${n.toLocaleString("en")}`)
    .join(", ");
}

function errorCell(m: Measurement | undefined): string {
  if (!m) return "—";
  const n = total(m.errors);
  return n === 0 ? "0" : `**${n.toLocaleString("en")}** (${counts(m.errors)})`;
}

function answersCell(m: Measurement): string {
  const retries = m.retries ? `; retries ${m.retries.toLocaleString("en")}` : "";
  return (counts(m.outcomes) || "none") + retries;
}

export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

export function resultsTable(rows: Row[]): string {
  return table(
    ["scenario", "conns", "ops/s", "p50 ms", "p99 ms", "CPU ms/op", "errors", "answers", "RSS MiB", "×C", "×N", "×D", "×F", "targets"],
    rows.map((row) => {
      const s = row.solvent;
      return [
        row.scenario.name,
        String(row.connections),
        ops(s.opsPerSecond),
        ms(s.p50),
        ms(s.p99),
        cpuMs(s),
        errorCell(s),
        answersCell(s),
        mib(s.rssMiB),
        ratio(ratioOverRounds(row, "C")),
        ratio(ratioOverRounds(row, "naive")),
        ratio(ratioOverRounds(row, "database")),
        ratio(ratioOverRounds(row, "canned")),
        checks(row).map((c) => `${mark(c.pass)} ${c.label}`).join(", "),
      ];
    }),
  );
}

export function baselinesTable(rows: Row[]): string {
  return table(
    [
      "scenario",
      "conns",
      "C ops/s",
      "F ops/s",
      "F p99",
      "F CPU ms/op",
      "F errors",
      "N ops/s",
      "N p99",
      "N CPU ms/op",
      "N errors",
      "N answers",
      "D tps",
      "D p50",
      "D p99",
      "D errors",
      `max/min over rounds (⚠ > ${BASELINE_SPREAD_LIMIT})`,
    ],
    rows.map((row) => [
      row.scenario.name,
      String(row.connections),
      ops(combinedCeiling(row)),
      ops(row.canned?.opsPerSecond),
      ms(row.canned?.p99),
      cpuMs(row.canned),
      errorCell(row.canned),
      ops(row.naive?.opsPerSecond),
      ms(row.naive?.p99),
      cpuMs(row.naive),
      errorCell(row.naive),
      row.naive ? answersCell(row.naive) : "—",
      ops(row.database?.opsPerSecond),
      ms(row.database?.p50),
      ms(row.database?.p99),
      errorCell(row.database),
      BASELINES.flatMap((baseline) => {
        const moved = baselineSpread(row, baseline);
        return moved === undefined ? [] : [`${TURN_LABELS[baseline]} ${moved.toFixed(2)}${moved > BASELINE_SPREAD_LIMIT ? " ⚠" : ""}`];
      }).join(", ") || "—",
    ]),
  );
}

/** S′ (the variant server) beside S, round by round. */
export function variantTable(rows: Row[]): string {
  return table(
    ["scenario", "conns", "S ops/s", "S′ ops/s", "S′/S over rounds", "S CPU ms/op", "S′ CPU ms/op", "S RSS MiB", "S′ RSS MiB", "S′ p99", "S′ errors"],
    rows.map((row) => [
      row.scenario.name,
      String(row.connections),
      ops(row.solvent.opsPerSecond),
      ops(row.variant?.opsPerSecond),
      ratio(ratioOverRounds(row, "solvent", "variant")),
      cpuMs(row.solvent),
      cpuMs(row.variant),
      mib(row.solvent.rssMiB),
      mib(row.variant?.rssMiB),
      ms(row.variant?.p99),
      errorCell(row.variant),
    ]),
  );
}

function steadinessSection(rows: Row[], options: Options): string {
  const unsteady = unsteadyBaselines(rows);
  const rule =
    `Each measure ran ${roundsOf(options)} round(s); in each, S${options.variant ? ", S′" : ""} and its baselines took turns for ${options.slice} s each. ` +
    `A baseline moved when its fastest round was more than ${BASELINE_SPREAD_LIMIT} × its slowest: the machine changed under the run, and its ratios' spread shows by how much.`;
  return unsteady.length
    ? `${rule}\n\n**Unsteady run**: these baselines moved more than ${BASELINE_MOVE_TEXT}:\n\n${unsteady.map((line) => `- ${line}`).join("\n")}`
    : `${rule}\n\nNo baseline moved more than ${BASELINE_MOVE_TEXT}.`;
}

export function soakSection(soak: Soak | undefined, seconds: number): string {
  if (!soak) return "Skipped.";
  const summary = summarizeSoak(soak.samples);
  const m = soak.measurement;
  const lines = [
    `debit-uniform at ${soak.connections} connections for ${seconds} s, RSS sampled every ${soak.everySeconds} s after the warm-up: ` +
      `${ops(m.opsPerSecond)} ops/s, p99 ${ms(m.p99)} ms, ${cpuMs(m)} ms of the server's CPU per operation, errors ${errorCell(m)}.`,
    "",
  ];
  if (!summary) return lines.concat("No RSS sample (the server was gone).").join("\n");
  lines.push(
    table(
      ["samples", "first MiB", "last MiB", "min MiB", "max MiB", "drift (last/first)", `flat (every sample within ±${RSS_DRIFT_TARGET * 100} % of the first)`],
      [[String(soak.samples.length), mib(summary.first), mib(summary.last), mib(summary.min), mib(summary.max), percent(summary.drift), mark(summary.flat)]],
    ),
  );
  return lines.join("\n");
}

/** Rows or baselines that errored or never succeeded: what makes the run fail. */
export function problems(rows: Row[], soak: Soak | undefined): string[] {
  const found: string[] = [];
  const judge = (what: string, m: Measurement | undefined) => {
    if (!m) return;
    if (total(m.errors)) found.push(`${what}: ${total(m.errors)} error(s) (${counts(m.errors)})`);
    if (m.successes === 0) found.push(`${what}: no successful operation`);
  };
  for (const row of rows) {
    const at = `${row.scenario.name} ×${row.connections}`;
    judge(`${at} S`, row.solvent);
    judge(`${at} S′`, row.variant);
    judge(`${at} F`, row.canned);
    judge(`${at} N`, row.naive);
    judge(`${at} D`, row.database);
  }
  if (soak) judge("soak", soak.measurement);
  return found;
}

/** The run's date, for titles and file names. */
export const today = () => new Date().toISOString().slice(0, 10);

/** A progress line on stderr (stdout carries the report), with the time. */
export const say = (message: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${message}`);

/** autocannon's version, for the machine's description. */
export function autocannonVersion(): string {
  return (JSON.parse(readFileSync(require.resolve("autocannon/package.json"), "utf8")) as { version: string }).version;
}

/** The machine, PostgreSQL, node and the `tools` the run used (e.g. "pgbench 15.1"), the load and the commit. */
export function describeMachine(postgres: string[], tools: string[]): string {
  const git = (...args: string[]) => {
    try {
      return execFileSync("git", args, { cwd: PROJECT_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
      return "";
    }
  };
  const commit = git("rev-parse", "--short", "HEAD");
  const dirty = git("status", "--porcelain", "--untracked-files=no") ? " (with uncommitted changes)" : "";
  return [
    `- CPU: ${os.cpus()[0]?.model ?? "unknown"}, ${os.availableParallelism()} cores (server, PostgreSQL and load generator share them)`,
    `- memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    ...postgres.map((line) => `- ${line}`),
    `- ${[`node ${process.version}`, ...tools].join(", ")}`,
    `- load average when the run started: ${os.loadavg().map((n) => n.toFixed(2)).join(" ")}`,
    `- commit: ${commit || "unknown"}${dirty}`,
  ].join("\n");
}

function describeStart(): string {
  const { env, nodeOptions } = startCommand();
  return [...Object.entries(env).map(([name, value]) => `${name}=${value}`), "node", ...nodeOptions].join(" ");
}

function describeSettings(options: Options): string {
  const pool = loadConfig({ DB_POOL_SIZE: process.env.DB_POOL_SIZE }).poolSize;
  return [
    `- mode: ${options.smoke ? "smoke" : "full"}; connections ${options.connections.join(", ")}; per scenario and connection count, ${options.warmup} s of untimed load on each HTTP target, ` +
      `then ${roundsOf(options)} round(s) in which S${options.variant ? ", S′" : ""}, F, N and D take turns for ${options.slice} s each (${roundsOf(options) * options.slice} s of timed load per target)`,
    `- scenarios: ${options.scenarios.join(", ")}`,
    `- per-request timeout ${options.timeoutSeconds} s; one request in flight per connection (no pipelining)`,
    options.warmup > 0
      ? `- before the first run the server was primed with one debit on each of the ${SEED.accounts.toLocaleString("en")} accounts (its account cache filled, as after a while in service)`
      : "- no priming of the server's account cache (no warm-up)",
    `- server: its own process, ${describeStart()} (as npm start), DB_POOL_SIZE ${pool}, LOG_LEVEL ${options.serverLogLevel}, NODE_ENV production, an HS256 bearer token on every request, no rate limit`,
    ...(options.variant ? [`- variant server (S′): the same, with node options and environment ${options.variant} (node's options replaced by those given)`] : []),
    `- D: pgbench -n -M prepared -c <conns> -j min(<conns>, ${os.availableParallelism()}) -T ${options.slice + PGBENCH_WARMUP_SECONDS} per slice, of which the transactions that ended in the last ${options.slice} s count (its new backends warm up first), scripts made from the statements the ledger sent (bench/statements.ts)`,
    `- seed: ${SEED.accounts.toLocaleString("en")} USD accounts; 1..${SEED.historyAccounts} with ${SEED.historyDepth} postings, the others 1; debits and transfers of ${AMOUNT}`,
  ].join("\n");
}

function legend(): string {
  return [
    "- S: Solvent serving the operation. F: the same server answering a field of the same shape with canned data (no database).",
    "  N: the same operation as a naive Prisma interactive transaction, in the same server process. D: pgbench running the same SQL.",
    "  debit-hot-versioned shares F and D with debit-hot.",
    "- C = 1 / (1/F + 1/D): server and database share the cores, so their costs per operation add.",
    "- ×X is S's throughput over X's in the same round (slices seconds apart): the median over the rounds, (lowest–highest round).",
    "- ops/s counts successful operations only (PostingSuccess, TransferSuccess, PostJournalEntrySuccess, HoldSuccess, CaptureHoldSuccess, a full history page),",
    "  over all the target's slices; p50/p99 over every request of all its slices (conflicts and retries included);",
    "  answers counts every union member received (expected, not errors); RSS is the server's peak during S (its kernel high-water mark).",
    "- CPU ms/op: the server process's CPU time (user + system, all threads, from /proc/<pid>/stat) over the target's slices / their successful operations;",
    "  steal time and a busy neighbour disturb it far less than ops/s. None for D: pgbench's work is PostgreSQL's, shared with other databases.",
    "- Targets (✓/✗): each row lists its own (bench/scenarios.ts): its throughput over C or F, over N (≥2) where N runs, and at",
    `  ${P99_TARGET_CONNECTIONS} connections its p99 (≤ ${P99_TARGET_MS} ms unless the scenario says less) and, for debit-uniform and transfer-uniform, the server's CPU/op;`,
    `  no errors; RSS flat (±${RSS_DRIFT_TARGET * 100} %) over the soak.`,
  ].join("\n");
}

export function renderReport(run: { title: string; machine: string; options: Options; rows: Row[]; soak?: Soak; violations: string[] }): string {
  const ledger = run.violations.length
    ? `The ledger invariant is broken after the run:\n\n${run.violations.slice(0, 20).map((v) => `- ${v}`).join("\n")}`
    : "After the run every balance equals the sum of its postings, every balanceAfter the running sum (test/support/ledgerInvariant.ts).";
  return [
    `# ${run.title}`,
    "## Machine",
    run.machine,
    "## Settings",
    describeSettings(run.options),
    "## Results",
    legend(),
    resultsTable(run.rows),
    peakLine(run.rows),
    "## Baselines",
    baselinesTable(run.rows),
    "## Steadiness",
    steadinessSection(run.rows, run.options),
    ...(run.options.variant ? ["## Variant (S′)", `S′ is the same server run with ${run.options.variant}.`, variantTable(run.rows)] : []),
    "## Soak",
    soakSection(run.soak, run.options.soakSeconds),
    "## Ledger",
    ledger,
  ].join("\n\n") + "\n";
}

/** The server's highest RSS over every slice of every target (S′ apart): what a memory limit must allow. */
function peakLine(rows: Row[]): string {
  const peak = (turns: Turn[]) => Math.max(...rows.flatMap((row) => turns.flatMap((turn) => row.slices[turn] ?? []).map((m) => m.rssMiB ?? 0)));
  const variant = rows.some((row) => row.variant) ? `; S′'s: ${mib(peak(["variant"]))} MiB` : "";
  return `The server's highest RSS over every slice of S, F and N: ${mib(peak(["solvent", "canned", "naive"]))} MiB${variant}.`;
}

/** One line for the log; `short` for a slice (no latency). */
export function describeMeasurement(m: Measurement, detail: "full" | "short" = "full"): string {
  const errors = total(m.errors);
  const cpu = m.cpuSeconds === undefined ? "" : `, ${cpuMs(m)} ms CPU/op`;
  const errorText = errors ? `${errors} errors (${counts(m.errors)})` : "no errors";
  if (detail === "short") return `${ops(m.opsPerSecond)} ops/s${cpu}${errors ? `, ${errorText}` : ""}`;
  return `${ops(m.opsPerSecond)} ops/s, p50 ${ms(m.p50)} ms, p99 ${ms(m.p99)} ms${cpu}, ${errorText}`;
}
