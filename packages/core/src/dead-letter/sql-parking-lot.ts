import { createHash, randomUUID } from 'node:crypto';
import type { TopicPartition } from '../driver/types.js';
import { sqlIdentifier } from '../sql/identifier.js';
import type { SqlExecutor } from '../sql/sql-executor.js';
import { keyText, parkedId } from './parked-key-text.js';
import type { KeyRepair, KeyRepairRequest, ParkedKey, ParkingLot } from './parking-lot.js';
import { migrateParkingTables, type ParkingTables } from './sql-parking-lot-schema.js';

/** Options of {@link SqlParkingLot}. */
export interface SqlParkingLotOptions {
  readonly executor: SqlExecutor;
  /** Table of parked keys, validated as a plain identifier. @default 'ordo_parked_keys' */
  readonly table?: string;
  /** Table of pending dead-letter writes, validated as a plain identifier. @default `${table}_pending` */
  readonly pendingTable?: string;
}

interface Row {
  topic: string;
  key_hash: string;
  partition_no: number;
  parked_key: string;
  key_bytes: Buffer | Uint8Array | null;
  last_dl_offset: string | number;
  handled_through: string | number;
  parked_at: Date | string;
  pending: string | number;
  marks: string | number | null;
}

/**
 * Parked keys in PostgreSQL or MySQL/MariaDB: durable across restarts, shared by every
 * process of the group. Keys are identified by the SHA-256 of their bytes (any length
 * fits the primary key), stored exactly in `key_bytes` and readably in `parked_key`.
 *
 * A dead-letter write in flight is a row in the pending table, owned by this object
 * (a random id per instance, i.e. per process), not a bare counter: a process killed
 * mid-write leaves a row that names it. The source event of that write was not
 * committed (O2), so whoever loads the partition next writes it again, and `load`
 * clears the pending rows of every other owner on the partitions it loads. A key is
 * deleted (resolved) only by a statement that sees no pending row and everything
 * handled through the newest dead letter.
 *
 * A zombie (a process still writing after it lost the partition) may finish its write
 * after its row was cleared. Its source offset cannot commit (the group refuses it), so
 * its dead letter is a duplicate of an event the new owner redoes (O6); its `endPark`
 * only raises the newest offset of a key still parked (which then waits for that dead
 * letter too) and never parks a resolved key again.
 */
export class SqlParkingLot implements ParkingLot {
  private readonly tables: ParkingTables;
  private readonly executor: SqlExecutor;
  private readonly owner = randomUUID();
  private readonly cache = new Set<string>();

  constructor(options: SqlParkingLotOptions) {
    this.executor = options.executor;
    const keys = sqlIdentifier(options.table ?? 'ordo_parked_keys', 'parkingLot.table');
    this.tables = {
      keys,
      pending: sqlIdentifier(options.pendingTable ?? `${keys}_pending`, 'parkingLot.pendingTable'),
    };
  }

  /** Creates the tables if they do not exist, and upgrades a table made by an older Ordo. Idempotent. */
  migrate(): Promise<void> {
    return migrateParkingTables(this.executor, this.tables);
  }

  async load(partitions: readonly TopicPartition[]): Promise<void> {
    const { keys, pending } = this.tables;
    for (const topic of new Set(partitions.map((p) => p.topic))) {
      const numbers = partitions.filter((p) => p.topic === topic).map((p) => p.partition);
      const where = `topic = ? AND partition_no IN (${numbers.map(() => '?').join(', ')})`;
      // Writes other processes left pending here will be redone by this one (see class doc).
      const { rows: stale } = await this.executor.query<Pick<Row, 'key_hash'>>(
        `SELECT key_hash FROM ${pending} WHERE ${where} AND owner <> ?
         UNION SELECT key_hash FROM ${keys} WHERE ${where} AND pending > 0`,
        [topic, ...numbers, this.owner, topic, ...numbers],
      );
      if (stale.length > 0) {
        await this.executor.query(`DELETE FROM ${pending} WHERE ${where} AND owner <> ?`, [
          topic,
          ...numbers,
          this.owner,
        ]);
        await this.executor.query(`UPDATE ${keys} SET pending = 0 WHERE ${where} AND pending > 0`, [topic, ...numbers]);
        for (const { key_hash } of stale) await this.resolveByHash(topic, key_hash, true);
      }
      const { rows } = await this.executor.query<Row>(`SELECT parked_key, key_bytes FROM ${keys} WHERE ${where}`, [
        topic,
        ...numbers,
      ]);
      for (const row of rows) this.cache.add(parkedId(topic, bytesOf(row)));
    }
  }

  isParked(topic: string, key: Buffer): boolean {
    return this.cache.has(parkedId(topic, key));
  }

  async check(topic: string, key: Buffer): Promise<boolean> {
    const { rows } = await this.executor.query(
      `SELECT 1 AS parked FROM ${this.tables.keys} WHERE topic = ? AND key_hash = ?`,
      [topic, hash(key)],
    );
    this.remember(topic, key, rows.length > 0);
    return rows.length > 0;
  }

  async settled(topic: string, key: Buffer, deadLetterOffset: number): Promise<boolean> {
    const { rows } = await this.executor.query<Pick<Row, 'handled_through'>>(
      `SELECT handled_through FROM ${this.tables.keys} WHERE topic = ? AND key_hash = ?`,
      [topic, hash(key)],
    );
    // beginPark writes the key's row before its dead letter, and only a resolve deletes
    // it, so without a row every dead letter written so far is handled or discarded.
    return rows[0] === undefined || deadLetterOffset <= Number(rows[0].handled_through);
  }

  async beginPark(topic: string, partition: number, key: Buffer): Promise<void> {
    const { keys, pending } = this.tables;
    const postgres = this.executor.dialect === 'postgres';
    // The pending row first: from then on no statement can resolve the key.
    await this.executor.query(
      `INSERT INTO ${pending} (topic, key_hash, partition_no, owner, pending, since_ms) VALUES (?, ?, ?, ?, 1, ?)
       ${postgres ? `ON CONFLICT (topic, key_hash, owner) DO UPDATE SET pending = ${pending}.pending + 1` : 'ON DUPLICATE KEY UPDATE pending = pending + 1'}`,
      [topic, hash(key), partition, this.owner, Date.now()],
    );
    // Raising park_seq tells a resolve already under way that this park happened (see resolveByHash).
    await this.executor.query(
      `INSERT INTO ${keys} (topic, key_hash, parked_key, key_bytes, partition_no, pending, last_dl_offset, handled_through, parked_at)
       VALUES (?, ?, ?, ?, ?, 0, -1, -1, ${postgres ? 'now()' : 'CURRENT_TIMESTAMP(3)'})
       ${postgres ? `ON CONFLICT (topic, key_hash) DO UPDATE SET park_seq = ${keys}.park_seq + 1, key_bytes = COALESCE(${keys}.key_bytes, EXCLUDED.key_bytes)` : 'ON DUPLICATE KEY UPDATE park_seq = park_seq + 1, key_bytes = COALESCE(key_bytes, VALUES(key_bytes))'}`,
      [topic, hash(key), keyText(key), key, partition],
    );
    this.cache.add(parkedId(topic, key));
  }

  async endPark(topic: string, key: Buffer, deadLetterOffset: number): Promise<void> {
    const { keys, pending } = this.tables;
    const h = hash(key);
    // The offset is recorded before the pending row goes, so no resolve can miss it.
    await this.executor.query(
      `UPDATE ${keys} SET last_dl_offset = GREATEST(last_dl_offset, ?) WHERE topic = ? AND key_hash = ?`,
      [deadLetterOffset, topic, h],
    );
    const mine = [topic, h, this.owner];
    // A key's events are dead-lettered one at a time, so its count is nearly always 1.
    const { affected } = await this.executor.query(
      `DELETE FROM ${pending} WHERE topic = ? AND key_hash = ? AND owner = ? AND pending <= 1`,
      mine,
    );
    if (affected === 0) {
      await this.executor.query(
        `UPDATE ${pending} SET pending = pending - 1 WHERE topic = ? AND key_hash = ? AND owner = ?`,
        mine,
      );
    }
    if (await this.resolveByHash(topic, h, false)) this.cache.delete(parkedId(topic, key));
  }

  async handled(topic: string, key: Buffer, deadLetterOffset: number): Promise<boolean> {
    const { affected } = await this.executor.query(
      `UPDATE ${this.tables.keys} SET handled_through = GREATEST(handled_through, ?) WHERE topic = ? AND key_hash = ?`,
      [deadLetterOffset, topic, hash(key)],
    );
    const resolved = affected > 0 && (await this.resolveByHash(topic, hash(key), false));
    if (resolved) this.cache.delete(parkedId(topic, key));
    return resolved;
  }

  discarded(topic: string, key: Buffer, deadLetterOffset: number): Promise<boolean> {
    return this.handled(topic, key, deadLetterOffset);
  }

  async list(topic?: string): Promise<ParkedKey[]> {
    const { keys, pending } = this.tables;
    const where = topic === undefined ? '' : ` WHERE topic = ?`;
    const { rows } = await this.executor.query<Row>(
      `SELECT topic, key_hash, partition_no, parked_key, key_bytes, last_dl_offset, handled_through, parked_at, pending,
         (SELECT SUM(m.pending) FROM ${pending} m WHERE m.topic = ${keys}.topic AND m.key_hash = ${keys}.key_hash) AS marks
       FROM ${keys}${where} ORDER BY parked_at, topic`,
      topic === undefined ? [] : [topic],
    );
    return rows.map((r) => {
      const keyBytes = bytesOf(r);
      return {
        topic: r.topic,
        partition: Number(r.partition_no),
        key: keyText(keyBytes),
        keyBytes,
        lastDeadLetterOffset: Number(r.last_dl_offset),
        handledThrough: Number(r.handled_through),
        parkedAt: new Date(r.parked_at).getTime(),
        pendingWrites: Number(r.pending) + Number(r.marks ?? 0),
      };
    });
  }

  async repair(topic: string, key: Buffer, request: KeyRepairRequest): Promise<KeyRepair | undefined> {
    const { keys, pending } = this.tables;
    const h = hash(key);
    const { rows } = await this.executor.query<Row>(
      `SELECT last_dl_offset, handled_through, pending FROM ${keys} WHERE topic = ? AND key_hash = ?`,
      [topic, h],
    );
    const row = rows[0];
    if (!row) return undefined;
    const { rows: marks } = await this.executor.query<{ pending: number | string; since_ms: number | string }>(
      `SELECT pending, since_ms FROM ${pending} WHERE topic = ? AND key_hash = ?`,
      [topic, h],
    );
    const stale = marks.filter((m) => Number(m.since_ms) < request.pendingBefore);
    const kept = marks.length - stale.length;
    const from = Number(row.last_dl_offset);
    const to = Math.max(from, request.newestDeadLetter);
    // Counts left by an older Ordo have no owner or time: a repair always clears them.
    const clearedPending = Number(row.pending) + stale.reduce((n, m) => n + Number(m.pending), 0);
    let resolved = kept === 0 && Number(row.handled_through) >= to;
    if (!request.dryRun) {
      await this.executor.query(`DELETE FROM ${pending} WHERE topic = ? AND key_hash = ? AND since_ms < ?`, [
        topic,
        h,
        request.pendingBefore,
      ]);
      await this.executor.query(
        `UPDATE ${keys} SET pending = 0, last_dl_offset = GREATEST(last_dl_offset, ?) WHERE topic = ? AND key_hash = ?`,
        [to, topic, h],
      );
      resolved = await this.resolveByHash(topic, h, true);
      if (resolved) this.cache.delete(parkedId(topic, key));
    }
    return { clearedPending, lastDeadLetterOffset: { from, to }, resolved };
  }

  /**
   * Resolves the key if nothing is pending and everything through its newest dead
   * letter is handled. `evenUnwritten` also resolves a key whose only dead-letter write
   * never happened (after its pending row was cleared: its event will be redone).
   *
   * The DELETE alone is not enough on PostgreSQL: one that waits on the key row's lock
   * (a beginPark's upsert) re-checks only that row once the lock goes, and its NOT EXISTS
   * still sees the pending rows of its older snapshot, so it would resolve a key whose
   * dead letter is being written. So it reads `park_seq` first and deletes only that
   * version of the row: a beginPark committed before the read has its pending row seen,
   * one committed after it has raised `park_seq`, which the re-check does see.
   */
  private async resolveByHash(topic: string, keyHash: string, evenUnwritten: boolean): Promise<boolean> {
    const { keys, pending } = this.tables;
    const pendingOfKey = `SELECT 1 FROM ${pending} m WHERE m.topic = ${keys}.topic AND m.key_hash = ${keys}.key_hash`;
    const { rows } = await this.executor.query<{ park_seq: string | number; marked: boolean | number }>(
      `SELECT park_seq, EXISTS (${pendingOfKey}) AS marked FROM ${keys} WHERE topic = ? AND key_hash = ?`,
      [topic, keyHash],
    );
    const row = rows[0];
    if (!row || Number(row.marked) > 0) return false; // pg returns a boolean, MySQL 0 or 1
    const { affected } = await this.executor.query(
      `DELETE FROM ${keys}
       WHERE topic = ? AND key_hash = ? AND park_seq = ? AND pending = 0 ${evenUnwritten ? '' : 'AND last_dl_offset >= 0'}
         AND handled_through >= last_dl_offset AND NOT EXISTS (${pendingOfKey})`,
      [topic, keyHash, row.park_seq],
    );
    return affected > 0;
  }

  private remember(topic: string, key: Buffer, parked: boolean): void {
    if (parked) this.cache.add(parkedId(topic, key));
    else this.cache.delete(parkedId(topic, key));
  }
}

function hash(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The key's exact bytes; rows written before `key_bytes` existed held UTF-8 text keys. */
function bytesOf(row: Pick<Row, 'key_bytes' | 'parked_key'>): Buffer {
  return row.key_bytes ? Buffer.from(row.key_bytes) : Buffer.from(row.parked_key, 'utf8');
}
