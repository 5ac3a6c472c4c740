import type { DeliveryReport, DriverProducer, ProducerRecord } from '../driver/types.js';
import { isRetriable, messageOf } from '../errors.js';
import { HEADERS } from '../message/headers.js';
import type { SqlExecutor } from '../sql/sql-executor.js';
import { SqlFailedMessageStore } from './failed/sql-failed-message-store.js';
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
}

/** What one batch did. */
export interface BatchOutcome {
  readonly published: number;
  /** Rows the broker refused for good, moved to the failed-outbox table. */
  readonly failed: ReadonlyArray<{ readonly id: string; readonly failureId: string; readonly error: unknown }>;
  readonly reports: readonly DeliveryReport[];
}

/** What publishing a batch works with. */
export interface RelayContext {
  /** The relay's session, holding its leases. */
  readonly session: SqlExecutor;
  readonly tables: ResolvedOutboxTables;
  readonly producer: DriverProducer;
  /** Called as soon as the broker acknowledged rows, before they are deleted. */
  readonly onAcknowledged?: (rows: readonly OutboxRow[]) => void;
}

/** Reads the oldest rows of one shard, in sequence order. */
export async function readBatch(
  session: SqlExecutor,
  tables: ResolvedOutboxTables,
  shard: { readonly index: number; readonly count: number },
  limit: number,
): Promise<OutboxRow[]> {
  const id = session.dialect === 'postgres' ? 'id::text AS id' : 'id';
  const where = shard.count > 1 ? `WHERE key_hash % ${shard.count} = ${shard.index}` : '';
  const { rows } = await session.query<OutboxRow>(
    `SELECT seq, ${id}, topic, msg_key, type, payload, headers, occurred_at FROM ${tables.outbox} ${where} ORDER BY seq LIMIT ${limit}`,
  );
  return rows;
}

/** The record a row becomes: the same bytes, key and headers a direct publish would send. */
export function toRecord(row: OutboxRow): ProducerRecord {
  return {
    topic: row.topic,
    key: row.msg_key === null ? null : Buffer.from(row.msg_key, 'utf8'),
    value: row.payload === null ? null : Buffer.from(row.payload),
    headers: { ...(JSON.parse(row.headers) as Record<string, string>), [HEADERS.id]: row.id, [HEADERS.type]: row.type },
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
  const { session, tables, producer } = relay;
  try {
    const reports = await producer.send(rows.map(toRecord));
    relay.onAcknowledged?.(rows);
    await deleteRows(session, tables, rows);
    return { published: rows.length, failed: [], reports };
  } catch (error) {
    if (isRetriable(error) || rows.length === 0) throw error;
  }
  const failed: Array<{ id: string; failureId: string; error: unknown }> = [];
  const reports: DeliveryReport[] = [];
  for (const row of rows) {
    try {
      reports.push(...(await producer.send([toRecord(row)])));
      relay.onAcknowledged?.([row]);
      await deleteRows(session, tables, [row]);
    } catch (error) {
      if (isRetriable(error)) throw error;
      failed.push({ id: row.id, failureId: await moveToFailed(session, tables, row, error), error });
    }
  }
  return { published: reports.length, failed, reports };
}

async function deleteRows(
  session: SqlExecutor,
  tables: ResolvedOutboxTables,
  rows: readonly OutboxRow[],
): Promise<void> {
  if (rows.length === 0) return;
  // By exact sequence numbers: a range would also delete rows of uncommitted
  // transactions that took lower numbers and are not published yet.
  const seqs = rows.map((r) => r.seq);
  if (session.dialect === 'postgres') {
    await session.query(`DELETE FROM ${tables.outbox} WHERE seq = ANY(?::bigint[])`, [seqs]);
  } else {
    await session.query(`DELETE FROM ${tables.outbox} WHERE seq IN (${seqs.map(() => '?').join(', ')})`, seqs);
  }
}

async function moveToFailed(
  session: SqlExecutor,
  tables: ResolvedOutboxTables,
  row: OutboxRow,
  error: unknown,
): Promise<string> {
  await session.query('BEGIN');
  try {
    const failed = await new SqlFailedMessageStore({ executor: session, table: tables.failed }).add({
      messageId: row.id,
      origin: 'relay',
      topic: row.topic,
      key: row.msg_key,
      type: row.type,
      payload: row.payload === null ? null : Buffer.from(row.payload),
      headers: JSON.parse(row.headers) as Record<string, string>,
      occurredAt: Number(row.occurred_at),
      error: messageOf(error),
    });
    await deleteRows(session, tables, [row]);
    await session.query('COMMIT');
    return failed.failureId;
  } catch (dbError) {
    await session.query('ROLLBACK').catch(() => undefined);
    throw dbError;
  }
}
