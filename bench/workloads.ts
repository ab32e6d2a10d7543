import { readFileSync } from "node:fs";
import path from "node:path";
import { buildSchema, getNamedType, isUnionType } from "graphql";
import { DEFAULT_PAGE_SIZE } from "../src/ledger/history";
import { PROJECT_ROOT } from "../src/paths";
import { accountId, AMOUNT } from "./database";
import type { Tally } from "./measurement";

/** One HTTP connection's client: what to send next, and what to make of the answer. */
export interface Client {
  body(): string;
  onResponse(status: number, body: string): void;
}

export interface Load {
  /** Runs before each timed run: reads what the clients start from. */
  prepare?: () => Promise<void>;
  client(tally: Tally): Client;
}

// The same selection for the real operation, its canned twin (F) and its naive peer (N).
const ACCOUNT = "id balance version";
const POSTING = "id type kind amount balanceAfter accountVersion createdAt";
const FAILURES = "... on VersionConflict { currentVersion } ... on UserError { code message }";

const documents = {
  debit: (field: string) =>
    `mutation Debit($input: PostingInput!) { ${field}(input: $input) { __typename ` +
    `... on PostingSuccess { replayed account { ${ACCOUNT} } transaction { ${POSTING} } } ${FAILURES} } }`,
  credit: (field: string) =>
    `mutation Credit($input: PostingInput!) { ${field}(input: $input) { __typename ` +
    `... on PostingSuccess { replayed account { ${ACCOUNT} } transaction { ${POSTING} } } ${FAILURES} } }`,
  transfer: (field: string) =>
    `mutation Transfer($input: TransferInput!) { ${field}(input: $input) { __typename ` +
    `... on TransferSuccess { transferId replayed from { ${ACCOUNT} } to { ${ACCOUNT} } debit { ${POSTING} } credit { ${POSTING} } } ${FAILURES} } }`,
  postJournalEntry: (field: string) =>
    `mutation Entry($input: PostJournalEntryInput!) { ${field}(input: $input) { __typename ` +
    `... on PostJournalEntrySuccess { replayed journalEntry { id kind transactions { ${POSTING} account { ${ACCOUNT} } } } } ${FAILURES} } }`,
  authorizeHold: (field: string) =>
    `mutation Authorize($input: AuthorizeHoldInput!) { ${field}(input: $input) { __typename ` +
    `... on HoldSuccess { replayed hold { id status amount remainingAmount } account { ${ACCOUNT} } } ${FAILURES} } }`,
  captureHold: (field: string) =>
    `mutation Capture($input: CaptureHoldInput!) { ${field}(input: $input) { __typename ` +
    // Not FAILURES: a capture cannot be a VersionConflict, and the union refuses the spread.
    `... on CaptureHoldSuccess { replayed hold { id status } debit { ${POSTING} } journalEntry { id } } ... on UserError { code message } } }`,
  history: (field: string) =>
    `query History($id: ID!) { ${field}(id: $id) { ${ACCOUNT} ` +
    `transactions(first: ${DEFAULT_PAGE_SIZE}) { edges { cursor node { ${POSTING} } } pageInfo { hasNextPage endCursor } } } }`,
};

type MutationKind = "debit" | "credit" | "transfer" | "postJournalEntry" | "authorizeHold" | "captureHold";

const SUCCESS: Record<MutationKind, string> = {
  debit: "PostingSuccess",
  credit: "PostingSuccess",
  transfer: "TransferSuccess",
  postJournalEntry: "PostJournalEntrySuccess",
  authorizeHold: "HoldSuccess",
  captureHold: "CaptureHoldSuccess",
};

const members = new Map<MutationKind, Set<string>>();

/** The members of the union a public mutation answers with, from the committed schema: every one is an expected answer. */
function unionMembers(mutation: MutationKind): Set<string> {
  let names = members.get(mutation);
  if (!names) {
    const schema = buildSchema(readFileSync(path.join(PROJECT_ROOT, "schema.graphql"), "utf8"));
    const type = getNamedType(schema.getMutationType()?.getFields()[mutation]?.type);
    if (!isUnionType(type)) throw new Error(`mutation ${mutation} does not answer with a union`);
    names = new Set(type.getTypes().map((member) => member.name));
    members.set(mutation, names);
  }
  return names;
}

/** The parts of an answer the clients read. */
interface Answer {
  __typename?: string;
  replayed?: boolean;
  currentVersion?: number;
  account?: { version?: number };
  hold?: { id?: string };
  transactions?: { edges?: unknown[] };
}

/** The root field's answer, or undefined after counting why the response is an error. */
function rootField(status: number, body: string, field: string, tally: Tally): Answer | undefined {
  if (status !== 200) return void tally.error(`HTTP ${status}`);
  let parsed: { data?: Record<string, Answer | null>; errors?: Array<{ extensions?: { code?: string } }> };
  try {
    parsed = JSON.parse(body);
  } catch {
    return void tally.error("unparseable body");
  }
  if (parsed.errors?.length) return void tally.error(`GraphQL error ${parsed.errors[0].extensions?.code ?? "without code"}`);
  const answer = parsed.data?.[field];
  if (!answer) return void tally.error(`no ${field} in data`);
  return answer;
}

let keys = 0;
const keyPrefix = `bench-${process.pid}-${Date.now().toString(36)}`;
/** Every request its own idempotency key, across the whole run. */
const newKey = () => `${keyPrefix}-${keys++}`;

/** 1..n, uniformly. */
export const randomAccount = (n: number) => 1 + Math.floor(Math.random() * n);

/** Reads a mutation's answer: every union member counted, the success member counted as an operation. */
function mutationAnswers(tally: Tally, kind: MutationKind, field: string) {
  const expected = unionMembers(kind);
  return (status: number, body: string): Answer | undefined => {
    const answer = rootField(status, body, field, tally);
    if (!answer) return undefined;
    const member = answer.__typename;
    if (!member || !expected.has(member)) return void tally.error(`unexpected answer ${member}`);
    // Every key is fresh: a replay would mean the server mixed requests up.
    if (answer.replayed) return void tally.error(`${member} replayed`);
    tally.answer(member, member === SUCCESS[kind]);
    return answer;
  };
}

/** A mutation client sending `input()` with a fresh idempotency key each time. */
function mutationLoad(kind: MutationKind, field: string, input: () => Record<string, unknown>): Load {
  const query = documents[kind](field);
  return {
    client: (tally) => ({
      body: () => JSON.stringify({ query, variables: { input: { ...input(), idempotencyKey: newKey() } } }),
      onResponse: mutationAnswers(tally, kind, field),
    }),
  };
}

export const debitLoad = (field: string, account: () => number) =>
  mutationLoad("debit", field, () => ({ accountId: accountId(account()), amount: AMOUNT }));

export const creditLoad = (field: string, account: () => number) =>
  mutationLoad("credit", field, () => ({ accountId: accountId(account()), amount: AMOUNT }));

/** `count` distinct accounts of 1..accounts, uniformly. */
function distinctAccounts(count: number, accounts: number): number[] {
  const picked = new Set<number>();
  while (picked.size < count) picked.add(randomAccount(accounts));
  return [...picked];
}

/** A payment with a fee among three distinct random accounts: payer DEBIT 0.03, payee CREDIT 0.02, fee collector CREDIT 0.01. */
export function journalEntryLoad(field: string, accounts: number): Load {
  return mutationLoad("postJournalEntry", field, () => {
    const [payer, payee, collector] = distinctAccounts(3, accounts).map(accountId);
    return {
      lines: [
        { accountId: payer, type: "DEBIT", amount: "0.03" },
        { accountId: payee, type: "CREDIT", amount: "0.02" },
        { accountId: collector, type: "CREDIT", amount: AMOUNT },
      ],
    };
  });
}

export function transferLoad(field: string, accounts: number): Load {
  return mutationLoad("transfer", field, () => {
    const [from, to] = distinctAccounts(2, accounts).map(accountId);
    return { fromAccountId: from, toAccountId: to, amount: AMOUNT };
  });
}

/**
 * Two-phase debits: each client authorizes a hold of 0.01 on a random
 * account, then captures it, and again. Both requests count as operations.
 */
export function holdCaptureLoad(accounts: number): Load {
  const authorize = documents.authorizeHold("authorizeHold");
  const capture = documents.captureHold("captureHold");
  return {
    client(tally) {
      const authorized = mutationAnswers(tally, "authorizeHold", "authorizeHold");
      const captured = mutationAnswers(tally, "captureHold", "captureHold");
      let holdId: string | undefined;
      return {
        body: () =>
          JSON.stringify(
            holdId
              ? { query: capture, variables: { input: { holdId, idempotencyKey: newKey() } } }
              : { query: authorize, variables: { input: { accountId: accountId(randomAccount(accounts)), amount: AMOUNT, idempotencyKey: newKey() } } },
          ),
        onResponse(status, body) {
          if (holdId) {
            captured(status, body);
            holdId = undefined;
          } else {
            holdId = authorized(status, body)?.hold?.id;
          }
        },
      };
    },
  };
}

/**
 * Debits on one account with optimistic concurrency: each client sends the
 * last version it saw; on VersionConflict it takes `currentVersion` from the
 * answer and retries with the same idempotency key.
 */
export function versionedDebitLoad(field: string, account: number, currentVersion: () => Promise<number>): Load {
  const query = documents.debit(field);
  let startVersion = 0;
  return {
    prepare: async () => {
      startVersion = await currentVersion();
    },
    client(tally) {
      const read = mutationAnswers(tally, "debit", field);
      let version = startVersion;
      let key = "";
      let retryKey: string | undefined;
      return {
        body() {
          if (retryKey) tally.retries++;
          key = retryKey ?? newKey();
          return JSON.stringify({
            query,
            variables: { input: { accountId: accountId(account), amount: AMOUNT, expectedVersion: version, idempotencyKey: key } },
          });
        },
        onResponse(status, body) {
          const answer = read(status, body);
          retryKey = answer?.__typename === "VersionConflict" ? key : undefined;
          version = answer?.currentVersion ?? answer?.account?.version ?? version;
        },
      };
    },
  };
}

/** The account and its first page of history; an operation is a full page. */
export function historyLoad(field: string, accounts: number): Load {
  const query = documents.history(field);
  return {
    client: (tally) => ({
      body: () => JSON.stringify({ query, variables: { id: accountId(randomAccount(accounts)) } }),
      onResponse(status, body) {
        const answer = rootField(status, body, field, tally);
        if (!answer) return;
        if (answer.transactions?.edges?.length === DEFAULT_PAGE_SIZE) tally.answer("Account", true);
        else tally.error("short history page");
      },
    }),
  };
}
