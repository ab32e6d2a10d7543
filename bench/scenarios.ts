import { DEFAULT_PAGE_SIZE } from "../src/ledger/history";
import { accountVersion, SEED } from "./database";
import { BENCH_FIELDS } from "./fields";
import type { ScenarioName } from "./options";
import type { PgbenchScripts } from "./statements";
import {
  creditLoad,
  debitLoad,
  historyLoad,
  holdCaptureLoad,
  journalEntryLoad,
  randomAccount,
  transferLoad,
  versionedDebitLoad,
  type Load,
} from "./workloads";

export interface Scenario {
  name: ScenarioName;
  summary: string;
  /** What drives the server: the real operation (S), its canned twin (F), its naive peer (N). */
  loads: { solvent: Load; canned?: Load; naive?: Load };
  /** The scenario whose F and D this one uses: the same work for them, measured once. */
  baselinesOf: ScenarioName;
  /** The pgbench script of D. */
  script?: keyof PgbenchScripts;
  /** Served by this many processes through PgBouncer in transaction mode, instead of one process straight to PostgreSQL. */
  pooled?: { processes: number };
  /**
   * The targets the table checks: throughput at least `atLeast` × C or F, at least 2 × N, the
   * p99 (default P99_TARGET_MS) and the server's CPU per operation at 16 connections.
   */
  targets: { ceiling?: { of: "C" | "F"; atLeast: number }; naive?: boolean; p99Ms?: number; cpuMsPerOp?: number };
}

/** Issue 15: several processes behind a pooler, as production runs them. */
export const POOLED_PROCESSES = 3;

/** Issue 15: a transfer or a debit in at most 0.55 ms of the server's CPU (at 16 connections). */
const CPU_MS_PER_POSTING = 0.55;
/** Issue 14: the journal's postings and holds answer within 25 ms at the 99th percentile (at 16 connections). */
const P99_MS_JOURNAL = 25;

export function scenarios(databaseUrl: string): Scenario[] {
  const uniform = () => randomAccount(SEED.accounts);
  const hot = () => SEED.hotAccount;
  const hotVersion = () => accountVersion(databaseUrl, SEED.hotAccount);
  return [
    {
      name: "debit-uniform",
      summary: `debits of 0.01 on a random one of ${SEED.accounts.toLocaleString("en")} accounts`,
      loads: {
        solvent: debitLoad("debit", uniform),
        canned: debitLoad(BENCH_FIELDS.cannedDebit, uniform),
        naive: debitLoad(BENCH_FIELDS.naiveDebit, uniform),
      },
      baselinesOf: "debit-uniform",
      script: "debitUniform",
      targets: { ceiling: { of: "C", atLeast: 0.8 }, naive: true, p99Ms: P99_MS_JOURNAL, cpuMsPerOp: CPU_MS_PER_POSTING },
    },
    {
      name: "credit-uniform",
      summary: `credits of 0.01 on a random one of ${SEED.accounts.toLocaleString("en")} accounts: every one adds a settlement line, which no two of them contend for`,
      loads: { solvent: creditLoad("credit", uniform) },
      // A credit is the debit's work (one line and its settlement line) in the other direction.
      baselinesOf: "debit-uniform",
      targets: { ceiling: { of: "C", atLeast: 0.8 }, p99Ms: P99_MS_JOURNAL },
    },
    {
      name: "debit-hot",
      summary: "debits of 0.01 on one account, no expectedVersion",
      loads: {
        solvent: debitLoad("debit", hot),
        canned: debitLoad(BENCH_FIELDS.cannedDebit, hot),
        naive: debitLoad(BENCH_FIELDS.naiveDebit, hot),
      },
      baselinesOf: "debit-hot",
      script: "debitHot",
      targets: { ceiling: { of: "C", atLeast: 0.7 }, naive: true },
    },
    {
      name: "debit-hot-versioned",
      summary: "debits of 0.01 on one account with the last version seen; VersionConflict is retried with the same key",
      loads: {
        solvent: versionedDebitLoad("debit", SEED.hotAccount, hotVersion),
        naive: versionedDebitLoad(BENCH_FIELDS.naiveDebit, SEED.hotAccount, hotVersion),
      },
      baselinesOf: "debit-hot",
      targets: {},
    },
    {
      name: "transfer-uniform",
      summary: `transfers of 0.01 between two distinct random accounts of ${SEED.transferAccounts.toLocaleString("en")}`,
      loads: {
        solvent: transferLoad("transfer", SEED.transferAccounts),
        canned: transferLoad(BENCH_FIELDS.cannedTransfer, SEED.transferAccounts),
        naive: transferLoad(BENCH_FIELDS.naiveTransfer, SEED.transferAccounts),
      },
      baselinesOf: "transfer-uniform",
      script: "transferUniform",
      targets: { ceiling: { of: "C", atLeast: 1.0 }, naive: true, p99Ms: P99_MS_JOURNAL, cpuMsPerOp: CPU_MS_PER_POSTING },
    },
    {
      name: "transfer-pooled",
      summary: `transfer-uniform's transfers, sent to ${POOLED_PROCESSES} server processes (the connections spread evenly) that reach PostgreSQL through PgBouncer in transaction mode (DB_POOLER=transaction)`,
      loads: { solvent: transferLoad("transfer", SEED.transferAccounts) },
      // The same work as transfer-uniform's; C and D are one process's and the database's, F one process's framework.
      baselinesOf: "transfer-uniform",
      pooled: { processes: POOLED_PROCESSES },
      targets: {},
    },
    {
      name: "journal-entry",
      summary: `a payment with a fee: one entry of three lines (DEBIT 0.03, CREDIT 0.02, CREDIT 0.01) among distinct random accounts of ${SEED.transferAccounts.toLocaleString("en")}`,
      loads: { solvent: journalEntryLoad("postJournalEntry", SEED.transferAccounts) },
      // No baseline of its own: shown against the transfer's (two lines), for scale.
      baselinesOf: "transfer-uniform",
      targets: {},
    },
    {
      name: "hold-capture",
      summary: `authorize a hold of 0.01 on a random one of ${SEED.accounts.toLocaleString("en")} accounts, then capture it; each request is an operation`,
      loads: { solvent: holdCaptureLoad(SEED.accounts) },
      // Each step is one write of one line, as a debit is.
      baselinesOf: "debit-uniform",
      targets: { ceiling: { of: "C", atLeast: 0.8 }, p99Ms: P99_MS_JOURNAL },
    },
    {
      name: "read-history",
      summary: `an account's balance and its latest ${DEFAULT_PAGE_SIZE} postings, on a random one of ${SEED.historyAccounts.toLocaleString("en")} accounts with ${SEED.historyDepth}+ postings`,
      loads: {
        solvent: historyLoad("account", SEED.historyAccounts),
        canned: historyLoad(BENCH_FIELDS.cannedAccount, SEED.historyAccounts),
      },
      baselinesOf: "read-history",
      script: "readHistory",
      targets: { ceiling: { of: "F", atLeast: 0.7 } },
    },
  ];
}

/**
 * One debit on each seeded account, in order: fills the server's account
 * directory (an LRU of account -> currency) as a server that has been up a
 * while has it, so the first timed row does not pay for misses the later
 * ones never see.
 */
export function primeLoad(): Load {
  let next = 0;
  return debitLoad("debit", () => (next++ % SEED.accounts) + 1);
}
