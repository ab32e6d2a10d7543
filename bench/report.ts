import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import { loadConfig } from "../src/config";
import { PROJECT_ROOT } from "../src/paths";
import { AMOUNT, SEED } from "./database";
import { cpuMsPerOp, total, type Measurement } from "./measurement";
import type { Options } from "./options";
import type { Scenario } from "./scenarios";
import { startNodeOptions } from "./serverProcess";

export interface Row {
  scenario: Scenario;
  connections: number;
  /** S: the real operation through the server. */
  solvent: Measurement;
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
export function combinedCeiling(row: Row): number | undefined {
  const f = row.canned?.opsPerSecond;
  const d = row.database?.opsPerSecond;
  return f && d ? 1 / (1 / f + 1 / d) : undefined;
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
  const s = row.solvent.opsPerSecond;
  const list: Check[] = [];
  const { ceiling, naive, cpuMsPerOp: cpuTarget } = row.scenario.targets;
  const ceilingOps = ceiling === "C" ? combinedCeiling(row) : ceiling === "F" ? row.canned?.opsPerSecond : undefined;
  if (ceiling && ceilingOps) list.push({ label: `≥0.7 ${ceiling}`, pass: s >= 0.7 * ceilingOps });
  if (naive && row.naive) list.push({ label: "≥2 N", pass: s >= 2 * row.naive.opsPerSecond });
  if (row.connections === P99_TARGET_CONNECTIONS) list.push({ label: `p99≤${P99_TARGET_MS}`, pass: row.solvent.p99 <= P99_TARGET_MS });
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
const ratio = (s: number, base: number | undefined) => (base ? (s / base).toFixed(2) : "—");
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

function table(header: string[], rows: string[][]): string {
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
        ratio(s.opsPerSecond, combinedCeiling(row)),
        ratio(s.opsPerSecond, row.naive?.opsPerSecond),
        ratio(s.opsPerSecond, row.database?.opsPerSecond),
        ratio(s.opsPerSecond, row.canned?.opsPerSecond),
        checks(row).map((c) => `${mark(c.pass)} ${c.label}`).join(", "),
      ];
    }),
  );
}

export function baselinesTable(rows: Row[]): string {
  return table(
    ["scenario", "conns", "C ops/s", "F ops/s", "F p99", "F CPU ms/op", "F errors", "N ops/s", "N p99", "N CPU ms/op", "N errors", "N answers", "D tps", "D p50", "D p99", "D errors"],
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
    ]),
  );
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
    judge(`${at} F`, row.canned);
    judge(`${at} N`, row.naive);
    judge(`${at} D`, row.database);
  }
  if (soak) judge("soak", soak.measurement);
  return found;
}

/** The machine the run measured, as Markdown list items. */
export function describeMachine(postgres: string[], pgbenchLine: string): string {
  const git = (...args: string[]) => {
    try {
      return execFileSync("git", args, { cwd: PROJECT_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
      return "";
    }
  };
  const commit = git("rev-parse", "--short", "HEAD");
  const dirty = git("status", "--porcelain", "--untracked-files=no") ? " (with uncommitted changes)" : "";
  const autocannon = JSON.parse(readFileSync(require.resolve("autocannon/package.json"), "utf8")) as { version: string };
  return [
    `- CPU: ${os.cpus()[0]?.model ?? "unknown"}, ${os.availableParallelism()} cores (server, PostgreSQL and load generator share them)`,
    `- memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    ...postgres.map((line) => `- ${line}`),
    `- node ${process.version}, ${pgbenchLine}, autocannon ${autocannon.version}`,
    `- load average when the run started: ${os.loadavg().map((n) => n.toFixed(2)).join(" ")}`,
    `- commit: ${commit || "unknown"}${dirty}`,
  ].join("\n");
}

function describeSettings(options: Options): string {
  const pool = loadConfig({ DB_POOL_SIZE: process.env.DB_POOL_SIZE }).poolSize;
  return [
    `- mode: ${options.smoke ? "smoke" : "full"}; ${options.duration} s per timed run, ${options.warmup} s of untimed load before each HTTP run; connections ${options.connections.join(", ")}`,
    `- scenarios: ${options.scenarios.join(", ")}`,
    `- per-request timeout ${options.timeoutSeconds} s; one request in flight per connection (no pipelining)`,
    options.warmup > 0
      ? `- before the first run the server was primed with one debit on each of the ${SEED.accounts.toLocaleString("en")} accounts (its account cache filled, as after a while in service)`
      : "- no priming of the server's account cache (no warm-up)",
    `- server: its own process, node ${startNodeOptions().join(" ")} (as npm start), DB_POOL_SIZE ${pool}, LOG_LEVEL ${options.serverLogLevel}, NODE_ENV production, an HS256 bearer token on every request, no rate limit`,
    `- D: pgbench -n -M prepared -c <conns> -j min(<conns>, ${os.availableParallelism()}) -T ${options.duration}, scripts made from the statements the ledger sent (bench/statements.ts)`,
    `- seed: ${SEED.accounts.toLocaleString("en")} USD accounts; 1..${SEED.historyAccounts} with ${SEED.historyDepth} postings, the others 1; debits and transfers of ${AMOUNT}`,
  ].join("\n");
}

function legend(): string {
  return [
    "- S: Solvent serving the operation. F: the same server answering a field of the same shape with canned data (no database).",
    "  N: the same operation as a naive Prisma interactive transaction, in the same server process. D: pgbench running the same SQL.",
    "  debit-hot-versioned shares F and D with debit-hot.",
    "- C = 1 / (1/F + 1/D): server and database share the cores, so their costs per operation add. ×X is S's throughput over X's.",
    "- ops/s counts successful operations only (PostingSuccess, TransferSuccess, PostJournalEntrySuccess, HoldSuccess, CaptureHoldSuccess, a full history page); latencies are over every request;",
    "  answers counts every union member received (expected, not errors); RSS is the server's peak during S (its kernel high-water mark).",
    "- CPU ms/op: the server process's CPU time (user + system, all threads, from /proc/<pid>/stat) over the run / its successful operations;",
    "  steal time and a busy neighbour disturb it far less than ops/s. None for D: pgbench's work is PostgreSQL's, shared with other databases.",
    `- Targets (✓/✗): ≥0.7 C and ≥2 N for debit-uniform, debit-hot, transfer-uniform; ≥0.7 C for credit-uniform (no hot settlement row) and hold-capture; ≥0.7 F for read-history;`,
    `  p99 ≤ ${P99_TARGET_MS} ms, and ≤ 0.55 ms CPU/op for debit-uniform and transfer-uniform, at ${P99_TARGET_CONNECTIONS} connections; no errors; RSS flat (±${RSS_DRIFT_TARGET * 100} %) over the soak.`,
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
    "## Baselines",
    baselinesTable(run.rows),
    "## Soak",
    soakSection(run.soak, run.options.soakSeconds),
    "## Ledger",
    ledger,
  ].join("\n\n") + "\n";
}

export function describeMeasurement(m: Measurement): string {
  const errors = total(m.errors);
  const cpu = m.cpuSeconds === undefined ? "" : `, ${cpuMs(m)} ms CPU/op`;
  return `${ops(m.opsPerSecond)} ops/s, p50 ${ms(m.p50)} ms, p99 ${ms(m.p99)} ms${cpu}, ${errors ? `${errors} errors (${counts(m.errors)})` : "no errors"}`;
}
