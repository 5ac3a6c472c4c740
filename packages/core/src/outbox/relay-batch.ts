import type { DeliveryReport, DriverProducer, ProducerRecord } from '../driver/types.js';
import { randomUUID } from 'node:crypto';
import { InvalidMessageError, RecordTooLargeError, UnknownTopicError, messageOf } from '../errors.js';
import { HEADERS } from '../message/headers.js';
import { asDatabaseError } from '../sql/as-database-error.js';
import type { SqlExecutor } from '../sql/sql-executor.js';
import { relayableCondition } from './key-holds.js';
import type { ResolvedOutboxTables } from './outbox-tables.js';

/** An outbox row as the relay reads it. */
export interface OutboxRow {
  seq: string | number;
  id: string;
  topic: string;
  msg_key: string | null;
  type: string;
  payload: Uint8Array | null;
  headers: string;
  occurred_at: string | number;
  /** Set on a hold row whose failure is resolved: deleted in its turn, never published. */
  failure_id: string | null;
}

/** What one batch did. */
export interface BatchOutcome {
  readonly published: number;
  /** Rows the broker refused for good, moved to the failed-outbox table. */
  readonly failed: ReadonlyArray<{
    readonly id: string;
    readonly failureId: string;
    readonly error: unknown;
    /** Whether the row holds its key's later rows (see key-holds.ts). */
    readonly holdsKey: boolean;
  }>;
  /** Rows of this batch left in the outbox because a row of their key was moved aside before them. */
  readonly held: number;
  /** Ids of the rows done with: published or moved aside (not the held ones, nor resolved hold rows). */
  readonly doneIds: readonly string[];
  readonly reports: readonly DeliveryReport[];
}

/** What publishing a batch works with. */
export interface RelayContext {
  /** The relay's session, holding its leases. */
  readonly session: SqlExecutor;
  readonly tables: ResolvedOutboxTables;
  readonly producer: DriverProducer;
  /** Whether a refused row of the topic holds its key's later rows. */
  readonly holdsKey: (topic: string) => boolean;
  /** Called as soon as the broker acknowledged rows, before they are deleted. */
  readonly onAcknowledged?: (rows: readonly OutboxRow[]) => void;
}

/**
 * Reads the oldest rows of one shard, in sequence order, leaving out the rows of held
 * keys in the query itself: a held key's backlog never fills a batch, other keys flow.
 */
export async function readBatch(
  session: SqlExecutor,
  tables: ResolvedOutboxTables,
  shard: { readonly index: number; readonly count: number },
  limit: number,
): Promise<OutboxRow[]> {
  const id = session.dialect === 'postgres' ? 'o.id::text AS id' : 'o.id';
  const inShard = shard.count > 1 ? `o.key_hash % ${shard.count} = ${shard.index} AND ` : '';
  const { rows } = await relayStatement(
    session.query<OutboxRow>(
      `SELECT o.seq, ${id}, o.topic, o.msg_key, o.type, o.payload, o.headers, o.occurred_at, o.failure_id
         FROM ${tables.outbox} o WHERE ${inShard}${relayableCondition(session, tables)} ORDER BY o.seq LIMIT ${limit}`,
    ),
  );
  return rows;
}

/**
 * The record a row becomes: the same bytes, key and headers a direct publish would send.
 * @throws InvalidMessageError when the row's headers are not a JSON object of strings
 */
export function toRecord(row: OutboxRow): ProducerRecord {
  let stored: unknown;
  try {
    stored = JSON.parse(row.headers);
  } catch {
    stored = undefined;
  }
  if (typeof stored !== 'object' || stored === null || Object.values(stored).some((v) => typeof v !== 'string')) {
    throw new InvalidMessageError(`Outbox row ${row.id} has headers that are not a JSON object of strings`);
  }
  return {
    topic: row.topic,
    key: row.msg_key === null ? null : Buffer.from(row.msg_key, 'utf8'),
    value: row.payload === null ? null : Buffer.from(row.payload),
    headers: { ...(stored as Record<string, string>), [HEADERS.id]: row.id, [HEADERS.type]: row.type },
    timestamp: Number(row.occurred_at),
  };
}

/**
 * Publishes rows in sequence order and deletes them only once the broker acknowledged
 * them, so a crash in between repeats rows (same `ordo-id`) and never skips one. When the
 * broker refuses the batch for good, rows are sent one by one: those it takes are
 * published, the one it refuses moves to the failed-outbox table, in one transaction
 * with its deletion.
 */
export async function publishBatch(relay: RelayContext, rows: readonly OutboxRow[]): Promise<BatchOutcome> {
  const { producer } = relay;
  // Resolved hold rows are only deleted, in their turn: nothing of them is sent.
  const sendable = rows.filter((row) => row.failure_id === null);
  const records = sendable.map((row) => recordOrError(row));
  if (records.every((r): r is ProducerRecord => !(r instanceof Error))) {
    try {
      const reports = records.length > 0 ? await producer.send(records) : [];
      if (sendable.length > 0) relay.onAcknowledged?.(sendable);
      await deleteRows(relay, rows);
      return { published: sendable.length, failed: [], held: 0, doneIds: sendable.map((r) => r.id), reports };
    } catch (error) {
      if (!refusesRecordForGood(error)) throw error;
    }
  }
  // One by one, in order: what the broker takes is published, what it refuses for good
  // (or what cannot even become a record) moves aside and, unless its topic opts out,
  // holds its key: the key's later rows of this batch stay in the outbox.
  const failed: Array<BatchOutcome['failed'][number]> = [];
  const reports: DeliveryReport[] = [];
  const heldKeys = new Set<string>();
  const doneIds: string[] = [];
  let held = 0;
  for (const row of rows) {
    if (row.failure_id !== null) {
      await deleteRows(relay, [row]);
      continue;
    }
    const heldKey = row.msg_key === null ? undefined : `${row.topic}\u0000${row.msg_key}`;
    if (heldKey !== undefined && heldKeys.has(heldKey)) {
      held++;
      continue;
    }
    try {
      const record = recordOrError(row);
      if (record instanceof Error) throw record;
      reports.push(...(await producer.send([record])));
      relay.onAcknowledged?.([row]);
      await deleteRows(relay, [row]);
      doneIds.push(row.id);
    } catch (error) {
      if (!refusesRecordForGood(error)) throw error;
      doneIds.push(row.id);
      const holdsKey = heldKey !== undefined && relay.holdsKey(row.topic);
      failed.push({ id: row.id, failureId: await moveToFailed(relay, row, error, holdsKey), error, holdsKey });
      if (holdsKey) heldKeys.add(heldKey);
    }
  }
  return { published: reports.length, failed, held, doneIds, reports };
}

/**
 * Errors about one record that no retry can fix: too large, malformed, topic refused.
 * Anything else (a broker outage, a fatal producer error) stops the batch: its rows stay
 * in the outbox and are retried, so nothing of a key overtakes them.
 */
export function refusesRecordForGood(error: unknown): boolean {
  return (
    error instanceof RecordTooLargeError || error instanceof InvalidMessageError || error instanceof UnknownTopicError
  );
}

function recordOrError(row: OutboxRow): ProducerRecord | InvalidMessageError {
  try {
    return toRecord(row);
  } catch (error) {
    return error as InvalidMessageError;
  }
}

async function deleteRows(relay: RelayContext, rows: readonly OutboxRow[]): Promise<void> {
  const { session, tables } = relay;
  // By exact sequence numbers: a range would also delete rows of uncommitted
  // transactions that took lower numbers and are not published yet.
  const seqs = rows.map((r) => r.seq);
  await relayStatement(
    session.dialect === 'postgres'
      ? session.query(`DELETE FROM ${tables.outbox} WHERE seq = ANY(?::bigint[])`, [seqs])
      : session.query(`DELETE FROM ${tables.outbox} WHERE seq IN (${seqs.map(() => '?').join(', ')})`, seqs),
  );
}

/**
 * Moves a row to the failed-outbox table and deletes it, or, when it holds its key, keeps
 * it as the key's hold row (its `failure_id` set), atomically. On PostgreSQL one statement
 * does both, because a PGlite session is shared with the application: a BEGIN ... COMMIT
 * of the relay could interleave with the application's transactions.
 */
async function moveToFailed(relay: RelayContext, row: OutboxRow, error: unknown, holdsKey: boolean): Promise<string> {
  const { session, tables } = relay;
  const failureId = randomUUID();
  const reason = messageOf(error);
  const columns =
    'failure_id, message_id, origin, topic, msg_key, type, payload, headers, occurred_at, error, attempts, status, failed_at, updated_at';
  if (session.dialect === 'postgres') {
    const moved = holdsKey
      ? `UPDATE ${tables.outbox} SET failure_id = ? WHERE seq = ? RETURNING *`
      : `DELETE FROM ${tables.outbox} WHERE seq = ? RETURNING *`;
    await relayStatement(
      session.query(
        `WITH moved AS (${moved})
         INSERT INTO ${tables.failed} (${columns})
         SELECT ?, id::text, 'relay', topic, msg_key, type, payload, headers, occurred_at, ?, 1, 'failed', now(), now() FROM moved`,
        holdsKey ? [failureId, row.seq, failureId, reason] : [row.seq, failureId, reason],
      ),
    );
    return failureId;
  }
  await relayStatement(
    (async () => {
      await session.query('BEGIN');
      try {
        await session.query(
          `INSERT INTO ${tables.failed} (${columns})
           SELECT ?, id, 'relay', topic, msg_key, type, payload, headers, occurred_at, ?, 1, 'failed', NOW(3), NOW(3)
             FROM ${tables.outbox} WHERE seq = ?`,
          [failureId, reason, row.seq],
        );
        await (holdsKey
          ? session.query(`UPDATE ${tables.outbox} SET failure_id = ? WHERE seq = ?`, [failureId, row.seq])
          : session.query(`DELETE FROM ${tables.outbox} WHERE seq = ?`, [row.seq]));
        await session.query('COMMIT');
      } catch (dbError) {
        await session.query('ROLLBACK').catch(() => undefined);
        throw dbError;
      }
    })(),
  );
  return failureId;
}

/** A relay statement whose driver failure becomes a `DatabaseError` (see `asDatabaseError`). */
export function relayStatement<T>(operation: Promise<T>): Promise<T> {
  return asDatabaseError(operation, 'Outbox relay');
}
