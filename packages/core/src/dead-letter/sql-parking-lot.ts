import { createHash } from 'node:crypto';
import type { TopicPartition } from '../driver/types.js';
import { sqlIdentifier } from '../sql/identifier.js';
import type { SqlExecutor } from '../sql/sql-executor.js';
import type { ParkedKey, ParkingLot } from './parking-lot.js';

/** Options of {@link SqlParkingLot}. */
export interface SqlParkingLotOptions {
  readonly executor: SqlExecutor;
  /** Table name, validated as a plain identifier. @default 'ordo_parked_keys' */
  readonly table?: string;
}

interface Row {
  topic: string;
  partition_no: number;
  parked_key: string;
  last_dl_offset: string | number;
  handled_through: string | number;
  parked_at: Date | string;
}

/**
 * Parked keys in PostgreSQL or MySQL/MariaDB: durable across restarts, shared by every
 * process of the group. Each protocol step is one atomic statement, and a key is
 * deleted (resolved) only by a statement whose condition sees no pending write and
 * everything handled through the newest dead letter. Keys are stored with their
 * SHA-256 so any length fits the primary key.
 */
export class SqlParkingLot implements ParkingLot {
  private readonly table: string;
  private readonly executor: SqlExecutor;
  private readonly cache = new Set<string>();

  constructor(options: SqlParkingLotOptions) {
    this.executor = options.executor;
    this.table = sqlIdentifier(options.table ?? 'ordo_parked_keys', 'parkingLot.table');
  }

  /** Creates the table if it does not exist. Idempotent. */
  async migrate(): Promise<void> {
    const t = this.table;
    const ts = this.executor.dialect === 'postgres' ? 'timestamptz' : 'timestamp(3)';
    await this.executor.query(
      `CREATE TABLE IF NOT EXISTS ${t} (
        topic varchar(255) NOT NULL,
        key_hash char(64) NOT NULL,
        parked_key text NOT NULL,
        partition_no integer NOT NULL,
        pending integer NOT NULL,
        last_dl_offset bigint NOT NULL,
        handled_through bigint NOT NULL,
        parked_at ${ts} NOT NULL,
        PRIMARY KEY (topic, key_hash)
      )`,
    );
  }

  async load(partitions: readonly TopicPartition[]): Promise<void> {
    for (const topic of new Set(partitions.map((p) => p.topic))) {
      const numbers = partitions.filter((p) => p.topic === topic).map((p) => p.partition);
      const { rows } = await this.executor.query<Row>(
        `SELECT parked_key FROM ${this.table} WHERE topic = ? AND partition_no IN (${numbers.map(() => '?').join(', ')})`,
        [topic, ...numbers],
      );
      for (const row of rows) this.cache.add(id(topic, row.parked_key));
    }
  }

  isParked(topic: string, key: string): boolean {
    return this.cache.has(id(topic, key));
  }

  async check(topic: string, key: string): Promise<boolean> {
    const { rows } = await this.executor.query(
      `SELECT 1 AS parked FROM ${this.table} WHERE topic = ? AND key_hash = ?`,
      [topic, hash(key)],
    );
    if (rows.length > 0) this.cache.add(id(topic, key));
    else this.cache.delete(id(topic, key));
    return rows.length > 0;
  }

  async beginPark(topic: string, partition: number, key: string): Promise<void> {
    const upsert =
      this.executor.dialect === 'postgres'
        ? `ON CONFLICT (topic, key_hash) DO UPDATE SET pending = ${this.table}.pending + 1`
        : 'ON DUPLICATE KEY UPDATE pending = pending + 1';
    const now = this.executor.dialect === 'postgres' ? 'now()' : 'CURRENT_TIMESTAMP(3)';
    await this.executor.query(
      `INSERT INTO ${this.table} (topic, key_hash, parked_key, partition_no, pending, last_dl_offset, handled_through, parked_at)
       VALUES (?, ?, ?, ?, 1, -1, -1, ${now}) ${upsert}`,
      [topic, hash(key), key, partition],
    );
    this.cache.add(id(topic, key));
  }

  async endPark(topic: string, key: string, deadLetterOffset: number): Promise<void> {
    await this.executor.query(
      `UPDATE ${this.table} SET pending = GREATEST(pending - 1, 0), last_dl_offset = GREATEST(last_dl_offset, ?)
       WHERE topic = ? AND key_hash = ?`,
      [deadLetterOffset, topic, hash(key)],
    );
    await this.resolveIfCaughtUp(topic, key);
  }

  async handled(topic: string, key: string, deadLetterOffset: number): Promise<boolean> {
    const { affected } = await this.executor.query(
      `UPDATE ${this.table} SET handled_through = GREATEST(handled_through, ?) WHERE topic = ? AND key_hash = ?`,
      [deadLetterOffset, topic, hash(key)],
    );
    return affected > 0 && this.resolveIfCaughtUp(topic, key);
  }

  discarded(topic: string, key: string, deadLetterOffset: number): Promise<boolean> {
    return this.handled(topic, key, deadLetterOffset);
  }

  async list(topic?: string): Promise<ParkedKey[]> {
    const where = topic === undefined ? '' : ' WHERE topic = ?';
    const { rows } = await this.executor.query<Row>(
      `SELECT topic, partition_no, parked_key, last_dl_offset, handled_through, parked_at FROM ${this.table}${where} ORDER BY parked_at, topic`,
      topic === undefined ? [] : [topic],
    );
    return rows.map((r) => ({
      topic: r.topic,
      partition: Number(r.partition_no),
      key: r.parked_key,
      lastDeadLetterOffset: Number(r.last_dl_offset),
      handledThrough: Number(r.handled_through),
      parkedAt: new Date(r.parked_at).getTime(),
    }));
  }

  private async resolveIfCaughtUp(topic: string, key: string): Promise<boolean> {
    const { affected } = await this.executor.query(
      `DELETE FROM ${this.table}
       WHERE topic = ? AND key_hash = ? AND pending = 0 AND last_dl_offset >= 0 AND handled_through >= last_dl_offset`,
      [topic, hash(key)],
    );
    if (affected > 0) this.cache.delete(id(topic, key));
    return affected > 0;
  }
}

function hash(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

function id(topic: string, key: string): string {
  return `${topic}\u0000${key}`;
}
