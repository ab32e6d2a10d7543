/** The event types, as the outbox table's CHECK lists them. */
export type EventType =
  | "solvent.account.opened"
  | "solvent.account.updated"
  | "solvent.account.closed"
  | "solvent.transaction.posted"
  | "solvent.transaction.reversed"
  | "solvent.transaction.updated";

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

/** Money as decimal strings and times as RFC 3339, as in the API (built by the outbox triggers). */
export interface EventData {
  account?: Record<string, unknown>;
  transaction?: Record<string, unknown> & { id: string };
  previous?: Record<string, unknown>;
}

/** An outbox row, as the relay reads it. */
export interface OutboxRow {
  id: string;
  type: EventType;
  subject: string;
  account_version: number;
  data: EventData;
  created_at: Date;
}

export function toCloudEvent(row: OutboxRow, source: string): CloudEvent {
  return {
    specversion: "1.0",
    id: row.id,
    source,
    type: row.type,
    subject: row.subject,
    time: row.created_at.toISOString(),
    datacontenttype: "application/json",
    accountversion: row.account_version,
    data: row.data,
  };
}
