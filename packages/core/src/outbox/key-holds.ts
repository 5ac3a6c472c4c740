import { InvalidConfigError } from '../errors.js';
import type { SqlExecutor } from '../sql/sql-executor.js';
import type { ResolvedOutboxTables } from './outbox-tables.js';

/*
 * Key holds (O7). An event of a key held aside — quarantined by `outbox.write`, refused for
 * good by the broker in the relay — leaves a *hold row* in the outbox at its own sequence
 * number: an outbox row whose `failure_id` names its failed-outbox entry. Rows of the same
 * topic and key (exact bytes) with a higher sequence number are not published while that
 * entry is `failed`. Retrying the entry into the outbox turns the hold row back into an
 * ordinary row at its place (so it goes out first); retrying it to Kafka (status
 * `republished`) or deleting it resolves the hold, and the relay deletes the hold row in
 * sequence order with the rows around it. Everything is decided by committed rows, in one
 * statement per read: nothing is remembered in a relay's memory, so a crash or another
 * relay taking the shard over only repeats work.
 */

/** A key whose later rows wait for an operator. */
export interface HeldKey {
  readonly topic: string;
  readonly key: string;
  /** Failed-outbox entries holding the key, oldest first; retry or delete them to release it. */
  readonly failureIds: readonly string[];
  /** Outbox rows of the key waiting behind the oldest of them. */
  readonly heldRows: number;
}

/** Options of a held-keys query. */
export interface HeldKeysQuery {
  readonly topic?: string;
  /** Only keys of one relay shard. */
  readonly shard?: { readonly index: number; readonly count: number };
  /** Most hold rows read. @default 1_000 */
  readonly limit?: number;
}

/** `a.col = b.col`, comparing bytes: MySQL's default collations ignore case and trailing spaces. */
function sameText(session: SqlExecutor, left: string, right: string): string {
  return session.dialect === 'mysql' ? `BINARY ${left} = BINARY ${right}` : `${left} = ${right}`;
}

/** True for an outbox row `o` that a failed entry of its key with a lower sequence number holds. */
export function heldCondition(session: SqlExecutor, tables: ResolvedOutboxTables, row = 'o'): string {
  return `EXISTS (SELECT 1 FROM ${tables.outbox} h JOIN ${tables.failed} f ON f.failure_id = h.failure_id AND f.status = 'failed'
     WHERE h.key_hash = ${row}.key_hash AND h.failure_id IS NOT NULL AND h.seq < ${row}.seq
       AND ${sameText(session, 'h.topic', `${row}.topic`)} AND ${sameText(session, 'h.msg_key', `${row}.msg_key`)})`;
}

/**
 * The relay's filter: ordinary rows nobody holds, and hold rows whose failure is resolved
 * (to be deleted in their turn). Served by the `(key_hash, failure_id)` index.
 */
export function relayableCondition(session: SqlExecutor, tables: ResolvedOutboxTables): string {
  return `((o.failure_id IS NULL AND NOT ${heldCondition(session, tables)})
    OR (o.failure_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${tables.failed} r WHERE r.failure_id = o.failure_id AND r.status = 'failed')))`;
}

/** Keys held now, with the rows waiting behind each. */
export async function readHeldKeys(
  session: SqlExecutor,
  tables: ResolvedOutboxTables,
  query: HeldKeysQuery = {},
): Promise<HeldKey[]> {
  const where = ['h.failure_id IS NOT NULL'];
  const params: unknown[] = [];
  if (query.topic !== undefined) {
    where.push(sameText(session, 'h.topic', '?'));
    params.push(query.topic);
  }
  // These numbers go into the statement: checked here, never spliced as given.
  const shard = query.shard;
  if (shard !== undefined) {
    const { index, count } = shard;
    if (!Number.isInteger(count) || count < 1 || !Number.isInteger(index) || index < 0 || index >= count) {
      throw new InvalidConfigError('shard', `must be integers with 0 <= index < count, got ${JSON.stringify(shard)}`);
    }
    if (count > 1) where.push(`h.key_hash % ${count} = ${index}`);
  }
  if (query.limit !== undefined && !(Number.isInteger(query.limit) && query.limit >= 1)) {
    throw new InvalidConfigError('limit', `must be a positive integer, got ${JSON.stringify(query.limit)}`);
  }
  const limit = Math.min(query.limit ?? 1_000, 100_000);
  const { rows } = await session.query<{ topic: string; msg_key: string; failure_id: string; held: number | string }>(
    `SELECT h.topic, h.msg_key, h.failure_id,
       (SELECT count(*) FROM ${tables.outbox} w WHERE w.key_hash = h.key_hash AND w.failure_id IS NULL AND w.seq > h.seq
          AND ${sameText(session, 'w.topic', 'h.topic')} AND ${sameText(session, 'w.msg_key', 'h.msg_key')}) AS held
     FROM ${tables.outbox} h JOIN ${tables.failed} f ON f.failure_id = h.failure_id AND f.status = 'failed'
     WHERE ${where.join(' AND ')} ORDER BY h.seq LIMIT ${limit}`,
    params,
  );
  const byKey = new Map<string, { topic: string; key: string; failureIds: string[]; heldRows: number }>();
  for (const row of rows) {
    const id = `${row.topic}\u0000${row.msg_key}`;
    const known = byKey.get(id);
    // The oldest hold's count already includes the rows behind the later ones.
    if (known) known.failureIds.push(row.failure_id);
    else
      byKey.set(id, { topic: row.topic, key: row.msg_key, failureIds: [row.failure_id], heldRows: Number(row.held) });
  }
  return [...byKey.values()];
}

/**
 * Puts a retried message back at the place of the hold row of `failureId`, when that row
 * is still there, still holds (its entry is `failed`) and has the message's topic and key.
 * Returns false otherwise; the caller then writes the message as a new row.
 */
export async function replaceHoldRow(
  tx: SqlExecutor,
  tables: ResolvedOutboxTables,
  failureId: string,
  row: { readonly id: string; readonly topic: string; readonly key: string | null; readonly type: string },
  content: { readonly payload: Buffer | null; readonly headers: string; readonly occurredAt: number },
): Promise<boolean> {
  if (row.key === null) return false;
  // A plain read first, then an update by primary key: on MySQL an UPDATE by a non-key
  // column would lock every row it scans, under the application's isolation level.
  const { rows } = await tx.query<{ seq: string | number }>(
    `SELECT h.seq FROM ${tables.outbox} h JOIN ${tables.failed} f ON f.failure_id = h.failure_id AND f.status = 'failed'
      WHERE h.failure_id = ? AND ${sameText(tx, 'h.topic', '?')} AND ${sameText(tx, 'h.msg_key', '?')}`,
    [failureId, row.topic, row.key],
  );
  if (!rows[0]) return false;
  const id = tx.dialect === 'postgres' ? '?::uuid' : '?';
  const { affected } = await tx.query(
    `UPDATE ${tables.outbox} SET id = ${id}, type = ?, payload = ?, headers = ?, occurred_at = ?, failure_id = NULL
      WHERE seq = ? AND failure_id = ?`,
    [row.id, row.type, content.payload, content.headers, content.occurredAt, rows[0].seq, failureId],
  );
  return affected === 1;
}

/**
 * Rows of the key of `failureId`'s hold row that are still ahead of it in the outbox:
 * ordinary rows, and hold rows whose failure still waits. 0 when it has no hold row.
 * A retry straight to Kafka is in order only when this is 0.
 */
export async function rowsAheadOfHold(
  session: SqlExecutor,
  tables: ResolvedOutboxTables,
  failureId: string,
): Promise<number> {
  const { rows } = await session.query<{ ahead: number | string }>(
    `SELECT count(*) AS ahead FROM ${tables.outbox} h JOIN ${tables.outbox} a
        ON a.key_hash = h.key_hash AND a.seq < h.seq
       AND ${sameText(session, 'a.topic', 'h.topic')} AND ${sameText(session, 'a.msg_key', 'h.msg_key')}
      WHERE h.failure_id = ?
        AND (a.failure_id IS NULL OR EXISTS (SELECT 1 FROM ${tables.failed} f WHERE f.failure_id = a.failure_id AND f.status = 'failed'))`,
    [failureId],
  );
  return Number(rows[0]?.ahead ?? 0);
}

/**
 * Per topic, whether a failed event holds its key (`holdKeyOnFailure` of the outbox's
 * config); never with Debezium, which reads every insert from the log.
 * @throws InvalidConfigError for a value that is not a boolean
 */
export function resolveKeyHolds(
  config: {
    readonly holdKeyOnFailure?: boolean;
    readonly topics?: Readonly<Record<string, { readonly holdKeyOnFailure?: boolean }>>;
  },
  publisher: 'relay' | 'debezium',
): (topic: string) => boolean {
  const check = (value: unknown, field: string): void => {
    if (value !== undefined && typeof value !== 'boolean') {
      throw new InvalidConfigError(field, `must be true or false, got ${JSON.stringify(value)}`);
    }
  };
  check(config.holdKeyOnFailure, 'holdKeyOnFailure');
  const fallback = config.holdKeyOnFailure ?? true;
  const perTopic = new Map<string, boolean>();
  for (const [topic, settings] of Object.entries(config.topics ?? {})) {
    check(settings?.holdKeyOnFailure, `topics.${topic}.holdKeyOnFailure`);
    if (settings?.holdKeyOnFailure !== undefined) perTopic.set(topic, settings.holdKeyOnFailure);
  }
  return (topic) => publisher === 'relay' && (perTopic.get(topic) ?? fallback);
}
