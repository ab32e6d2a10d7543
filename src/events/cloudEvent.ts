import type { Currencies } from "../ledger/currencies";

/** The event types, as the outbox table's CHECK lists them. */
export type EventType =
  | "solvent.account.opened"
  | "solvent.account.updated"
  | "solvent.account.closed"
  | "solvent.transaction.posted"
  | "solvent.transaction.reversed"
  | "solvent.transaction.updated"
  | "solvent.hold.authorized"
  | "solvent.hold.captured"
  | "solvent.hold.voided"
  | "solvent.hold.expired";

/**
 * A CloudEvents 1.0 event in its JSON form. `subject` is the account it is
 * about; the extension attribute `accountversion` is that account's version
 * after the change, so that consumers can order and de-duplicate per account.
 */
export interface CloudEvent {
  specversion: "1.0";
  id: string;
  source: string;
  type: EventType;
  subject: string;
  time: string;
  datacontenttype: "application/json";
  accountversion: number;
  data: EventData;
}

/** As in the API: money as decimal strings, times as RFC 3339. */
export interface EventData {
  account?: Record<string, unknown>;
  transaction?: Record<string, unknown> & { id: string };
  previous?: Record<string, unknown>;
  hold?: Record<string, unknown>;
}

/** Table rows as the outbox keeps them (outbox_account_row, outbox_transaction_row: money as text). */
type AccountRow = Record<string, string | number | null> & { currency: string; balance: string; held: string };
type HoldRow = Record<string, unknown> & { currency: string; amount: string; captured: string; released: string };
type TransactionRow = Record<string, unknown> & { amount: string; balance_after: string; account_version: number; created_at: string };

/** An event as the relay reads it: the outbox row, its account, and for a posting the posting. */
export interface EventRow {
  id: string;
  type: EventType;
  subject: string;
  account_version: number;
  data: { account?: AccountRow; previous?: Record<string, unknown>; transaction?: TransactionRow; hold?: HoldRow } | null;
  created_at: Date;
  account_row: AccountRow;
  posted_row: TransactionRow | null;
}

/** What a statement selects from outbox `o` to make events (see EVENT_JOINS). */
export const EVENT_COLUMNS = `o.id, o.type, o.subject, o.account_version, o.data, o.created_at,
  outbox_account_row(a) AS account_row, outbox_transaction_row(t) AS posted_row`;
export const EVENT_JOINS = `JOIN accounts a ON a.id = o.subject LEFT JOIN transactions t ON o.data IS NULL AND t.id = o.transaction_id`;

const time = (value: unknown) => (value == null ? null : new Date(String(value)).toISOString());

function account(row: AccountRow, currencies: Currencies) {
  return {
    id: row.id,
    accountNumber: row.account_number,
    ownerId: row.owner_id,
    customerName: row.customer_name,
    type: row.type,
    status: row.status,
    currency: row.currency,
    balance: currencies.format(BigInt(row.balance), row.currency),
    heldBalance: currencies.format(BigInt(row.held ?? 0), row.currency),
    version: row.version,
    createdAt: time(row.created_at),
    updatedAt: time(row.updated_at),
    closedAt: time(row.closed_at),
  };
}

function transaction(row: TransactionRow, currency: string, currencies: Currencies) {
  return {
    id: row.id as string,
    reference: row.reference,
    accountId: row.account_id,
    type: row.type,
    kind: row.kind,
    amount: currencies.format(BigInt(row.amount), currency),
    currency,
    balanceAfter: currencies.format(BigInt(row.balance_after), currency),
    accountVersion: row.account_version,
    status: row.status,
    description: row.description,
    metadata: row.metadata,
    transferId: row.transfer_id,
    reversalOfId: row.reversal_of_id,
    actor: row.actor,
    createdAt: time(row.created_at),
  };
}

function hold(row: HoldRow, currencies: Currencies) {
  const money = (minor: string) => currencies.format(BigInt(minor), row.currency);
  return {
    id: row.id,
    reference: row.reference,
    accountId: row.account_id,
    destinationAccountId: row.destination_id,
    currency: row.currency,
    amount: money(row.amount),
    capturedAmount: money(row.captured),
    remainingAmount: currencies.format(BigInt(row.amount) - BigInt(row.captured) - BigInt(row.released), row.currency),
    status: row.status,
    expiresAt: time(row.expires_at),
    description: row.description,
    metadata: row.metadata,
    createdAt: time(row.created_at),
    resolvedAt: time(row.resolved_at),
  };
}

/**
 * A posting is read back from the ledger when its event goes out: it is as
 * posted (status POSTED), and its account is as the posting left it (the
 * posting's balance and version; postings are only made on ACTIVE accounts).
 * Other events carry the rows as the change left them.
 */
function eventData(row: EventRow, currencies: Currencies): EventData {
  const { currency } = row.account_row;
  if (row.posted_row) {
    const posted = row.posted_row;
    return {
      transaction: transaction({ ...posted, status: "POSTED" }, currency, currencies),
      account: account(
        { ...row.account_row, balance: posted.balance_after, version: posted.account_version, status: "ACTIVE", updated_at: posted.created_at, closed_at: null },
        currencies,
      ),
    };
  }
  const { account: changed, previous, transaction: annotated, hold: held } = row.data ?? {};
  if (held) return { hold: hold(held, currencies), account: account(changed!, currencies) };
  if (changed) return { account: account(changed, currencies), ...(previous ? { previous } : {}) };
  return { transaction: transaction(annotated!, currency, currencies) };
}

export function toCloudEvent(row: EventRow, source: string, currencies: Currencies): CloudEvent {
  return {
    specversion: "1.0",
    id: row.id,
    source,
    type: row.type,
    subject: row.subject,
    time: row.created_at.toISOString(),
    datacontenttype: "application/json",
    accountversion: row.account_version,
    data: eventData(row, currencies),
  };
}
