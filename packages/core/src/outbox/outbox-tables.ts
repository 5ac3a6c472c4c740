import { createHash } from 'node:crypto';
import { InvalidConfigError } from '../errors.js';
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
  /** PostgreSQL NOTIFY channel the writers signal and the relay listens on; null when off. */
  readonly channel: string | null;
  /** Advisory-lock namespace of writers' per-key locks (PostgreSQL). */
  readonly keyLockSpace: number;
}

/**
 * Validates the configured names and derives the lock table, the NOTIFY channel and the
 * advisory-lock namespaces, all from the outbox table's name so that two outboxes in
 * one database never share locks.
 * @throws InvalidConfigError for a name that is not a plain identifier
 */
export function resolveOutboxTables(names: OutboxTableNames = {}, notify = true): ResolvedOutboxTables {
  const outbox = sqlIdentifier(names.outbox ?? 'ordo_outbox', 'tables.outbox');
  const bare = outbox.replace('.', '_');
  const tableName = outbox.split('.').at(-1)!;
  if (tableName.length > 64 - KEY_LOCKS_SUFFIX.length) {
    throw new InvalidConfigError(
      'tables.outbox',
      `must be at most ${64 - KEY_LOCKS_SUFFIX.length} characters (without the schema), so that "<name>${KEY_LOCKS_SUFFIX}" is still a valid identifier`,
    );
  }
  return {
    outbox,
    failed: sqlIdentifier(names.failed ?? 'ordo_failed_outbox', 'tables.failed'),
    inbox: sqlIdentifier(names.inbox ?? 'ordo_inbox', 'tables.inbox'),
    keyLocks: `${outbox}${KEY_LOCKS_SUFFIX}`,
    channel: notify ? `${bare}_wake`.slice(0, 63).toLowerCase() : null,
    keyLockSpace: namespace(`ordo-outbox-key:${outbox}`),
  };
}

const KEY_LOCKS_SUFFIX = '_key_locks';

/**
 * The lock a relay holds to own one shard, from the outbox table's identity as the
 * database resolves it (database, schema and table): two services with an
 * `ordo_outbox` each, in two schemas or two databases of one server, never share leases.
 */
export function leaseKey(identity: string): { readonly space: number; name(shard: number): string } {
  // MySQL's GET_LOCK names are server-wide and at most 64 characters: hash the identity.
  const digest = createHash('sha1').update(identity).digest('hex');
  return { space: namespace(`ordo-outbox-lease:${identity}`), name: (shard) => `ordo:${digest}:${shard}` };
}

function namespace(text: string): number {
  // Advisory locks take two int4s; the first one scopes ours away from the app's.
  return murmur2(Buffer.from(text, 'utf8')) | 0;
}

/** The positive murmur2 hash of a key, as Kafka's partitioner computes it; 0 for no key. */
export function keyHash(key: string | null): number {
  return key === null ? 0 : toPositive(murmur2(Buffer.from(key, 'utf8')));
}
