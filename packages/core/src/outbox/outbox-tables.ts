import { murmur2, toPositive } from '../partition/murmur2.js';
import { sqlIdentifier } from '../sql/identifier.js';

/** Names of the outbox's tables. Each is validated as a plain SQL identifier. */
export interface OutboxTableNames {
  /** Events waiting for the relay. @default 'ordo_outbox' */
  readonly outbox?: string;
  /** Events that could not be published: contract violations, undeliverable rows, failed publishes. @default 'ordo_failed_outbox' */
  readonly failed?: string;
  /** Ids of handled events, for {@link Inbox}. @default 'ordo_inbox' */
  readonly inbox?: string;
}

/** Validated table names plus the names derived from them. */
export interface ResolvedOutboxTables {
  readonly outbox: string;
  readonly failed: string;
  readonly inbox: string;
  /** MySQL only: the rows writers lock so that one key's rows commit in sequence order. */
  readonly keyLocks: string;
  /** PostgreSQL NOTIFY channel the writers signal and the relay listens on. */
  readonly channel: string;
  /** Advisory-lock namespace of writers' per-key locks (PostgreSQL). */
  readonly keyLockSpace: number;
  /** Advisory-lock namespace of relays' shard leases (PostgreSQL). */
  readonly leaseSpace: number;
}

/**
 * Validates the configured names and derives the lock table, the NOTIFY channel and the
 * advisory-lock namespaces, all from the outbox table's name so that two outboxes in
 * one database never share locks.
 * @throws InvalidConfigError for a name that is not a plain identifier
 */
export function resolveOutboxTables(names: OutboxTableNames = {}): ResolvedOutboxTables {
  const outbox = sqlIdentifier(names.outbox ?? 'ordo_outbox', 'tables.outbox');
  const bare = outbox.replace('.', '_');
  return {
    outbox,
    failed: sqlIdentifier(names.failed ?? 'ordo_failed_outbox', 'tables.failed'),
    inbox: sqlIdentifier(names.inbox ?? 'ordo_inbox', 'tables.inbox'),
    keyLocks: sqlIdentifier(`${outbox}_key_locks`.slice(0, 63), 'tables.outbox'),
    channel: `${bare}_wake`.slice(0, 63).toLowerCase(),
    keyLockSpace: namespace(`ordo-outbox-key:${outbox}`),
    leaseSpace: namespace(`ordo-outbox-lease:${outbox}`),
  };
}

function namespace(text: string): number {
  // Advisory locks take two int4s; the first one scopes ours away from the app's.
  return murmur2(Buffer.from(text, 'utf8')) | 0;
}

/** The positive murmur2 hash of a key, as Kafka's partitioner computes it; 0 for no key. */
export function keyHash(key: string | null): number {
  return key === null ? 0 : toPositive(murmur2(Buffer.from(key, 'utf8')));
}
