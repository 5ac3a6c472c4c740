import { FailedMessageNotFoundError } from '../../errors.js';
import { sqlIdentifier } from '../../sql/identifier.js';
import type { SqlExecutor } from '../../sql/sql-executor.js';
import { createFailedTableSql } from '../shared-ddl.js';
import {
  newFailedMessage,
  type FailedMessage,
  type FailedMessageFilter,
  type FailedMessagePatch,
  type FailedMessageStore,
  type NewFailedMessage,
} from './failed-message.js';

/** Options of {@link SqlFailedMessageStore}. */
export interface SqlFailedMessageStoreOptions {
  readonly executor: SqlExecutor;
  /** The failed-outbox table, shared with the outbox. @default 'ordo_failed_outbox' */
  readonly table?: string;
}

interface Row {
  failure_id: string;
  message_id: string;
  origin: FailedMessage['origin'];
  topic: string;
  msg_key: string | null;
  type: string;
  payload: Uint8Array | null;
  headers: string;
  occurred_at: string | number;
  error: string;
  attempts: number;
  status: FailedMessage['status'];
  failed_at: Date | string;
  updated_at: Date | string;
}

const PATCH_COLUMNS: Record<keyof FailedMessagePatch, string> = {
  topic: 'topic',
  key: 'msg_key',
  type: 'type',
  payload: 'payload',
  headers: 'headers',
  error: 'error',
  attempts: 'attempts',
  status: 'status',
};

/**
 * Failed messages in the failed-outbox table, on PostgreSQL (also PGlite) or
 * MySQL/MariaDB. `within(tx)` gives the same store inside a transaction, so a quarantine
 * or a republish-through-the-outbox commits together with the outbox row.
 */
export class SqlFailedMessageStore implements FailedMessageStore {
  private readonly table: string;
  private readonly executor: SqlExecutor;

  constructor(options: SqlFailedMessageStoreOptions) {
    this.executor = options.executor;
    this.table = sqlIdentifier(options.table ?? 'ordo_failed_outbox', 'failedMessages.table');
  }

  /** The same table through another executor, e.g. a transaction's. */
  within(executor: SqlExecutor): SqlFailedMessageStore {
    return new SqlFailedMessageStore({ executor, table: this.table });
  }

  /** Creates the table if it does not exist (the outbox's `migrate` does too). */
  async migrate(): Promise<void> {
    await this.executor.query(createFailedTableSql(this.table, this.executor.dialect));
  }

  async add(entry: NewFailedMessage): Promise<FailedMessage> {
    const stored = newFailedMessage(entry);
    await this.executor.query(
      `INSERT INTO ${this.table} (failure_id, message_id, origin, topic, msg_key, type, payload, headers, occurred_at, error, attempts, status, failed_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        stored.failureId,
        stored.messageId,
        stored.origin,
        stored.topic,
        stored.key,
        stored.type,
        stored.payload,
        JSON.stringify(stored.headers),
        stored.occurredAt,
        stored.error,
        stored.attempts,
        stored.status,
        stored.failedAt,
        stored.updatedAt,
      ],
    );
    return stored;
  }

  async list(filter: FailedMessageFilter = {}): Promise<FailedMessage[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const match = (column: string, value: unknown): void => {
      if (value === undefined || value === 'all') return;
      where.push(`${column} = ?`);
      params.push(value);
    };
    match('status', filter.status ?? 'failed');
    match('topic', filter.topic);
    match('origin', filter.origin);
    const limit = Math.max(1, Math.min(filter.limit ?? 100, 10_000));
    const { rows } = await this.executor.query<Row>(
      `SELECT * FROM ${this.table}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY seq LIMIT ${limit}`,
      params,
    );
    return rows.map(fromRow);
  }

  async get(failureId: string): Promise<FailedMessage | undefined> {
    const { rows } = await this.executor.query<Row>(`SELECT * FROM ${this.table} WHERE failure_id = ?`, [failureId]);
    return rows[0] && fromRow(rows[0]);
  }

  async update(failureId: string, patch: FailedMessagePatch): Promise<FailedMessage> {
    const entries = Object.entries(patch).filter(([, v]) => v !== undefined) as Array<
      [keyof FailedMessagePatch, unknown]
    >;
    const sets = entries.map(([field]) => `${PATCH_COLUMNS[field]} = ?`);
    const params = entries.map(([field, value]) => (field === 'headers' ? JSON.stringify(value) : value));
    const { affected } = await this.executor.query(
      `UPDATE ${this.table} SET ${[...sets, 'updated_at = ?'].join(', ')} WHERE failure_id = ?`,
      [...params, new Date(), failureId],
    );
    const updated = await this.get(failureId);
    if (affected === 0 && !updated) throw new FailedMessageNotFoundError(failureId);
    return updated!;
  }

  async delete(failureId: string): Promise<boolean> {
    const { affected } = await this.executor.query(`DELETE FROM ${this.table} WHERE failure_id = ?`, [failureId]);
    return affected > 0;
  }
}

function fromRow(row: Row): FailedMessage {
  return {
    failureId: row.failure_id,
    messageId: row.message_id,
    origin: row.origin,
    topic: row.topic,
    key: row.msg_key,
    type: row.type,
    payload: row.payload === null ? null : Buffer.from(row.payload),
    headers: JSON.parse(row.headers) as FailedMessage['headers'],
    occurredAt: Number(row.occurred_at),
    error: row.error,
    attempts: Number(row.attempts),
    status: row.status,
    failedAt: new Date(row.failed_at),
    updatedAt: new Date(row.updated_at),
  };
}
