import type { SqlExecutor } from '../sql/sql-executor.js';

/** The two tables of a SQL parking lot. @internal */
export interface ParkingTables {
  /** One row per parked key. */
  readonly keys: string;
  /** One row per (key, process) with dead-letter writes begun and not yet recorded. */
  readonly pending: string;
}

/**
 * Creates both tables if they do not exist, and brings a table made by an older Ordo up
 * to date: it gains `key_bytes` (the exact key; older rows, made when keys were stored
 * as text, fall back to `parked_key`) and `park_seq` (raised by every beginPark, so
 * a resolve deletes only the row version it checked). The old `pending` counter column stays, is no
 * longer raised, and is cleared on load and by repair. Idempotent. @internal
 */
export async function migrateParkingTables(executor: SqlExecutor, tables: ParkingTables): Promise<void> {
  const postgres = executor.dialect === 'postgres';
  const ts = postgres ? 'timestamptz' : 'timestamp(3)';
  const bytes = postgres ? 'bytea' : 'mediumblob';
  await executor.query(
    `CREATE TABLE IF NOT EXISTS ${tables.keys} (
      topic varchar(255) NOT NULL,
      key_hash char(64) NOT NULL,
      parked_key text NOT NULL,
      key_bytes ${bytes},
      partition_no integer NOT NULL,
      pending integer NOT NULL DEFAULT 0,
      last_dl_offset bigint NOT NULL,
      handled_through bigint NOT NULL,
      parked_at ${ts} NOT NULL,
      park_seq bigint NOT NULL DEFAULT 0,
      PRIMARY KEY (topic, key_hash)
    )`,
  );
  await addColumnIfMissing(executor, tables.keys, `key_bytes ${bytes}`);
  await addColumnIfMissing(executor, tables.keys, 'park_seq bigint NOT NULL DEFAULT 0');
  await executor.query(
    `CREATE TABLE IF NOT EXISTS ${tables.pending} (
      topic varchar(255) NOT NULL,
      key_hash char(64) NOT NULL,
      partition_no integer NOT NULL,
      owner char(36) NOT NULL,
      pending integer NOT NULL,
      since_ms bigint NOT NULL,
      PRIMARY KEY (topic, key_hash, owner)
    )`,
  );
}

async function addColumnIfMissing(executor: SqlExecutor, table: string, column: string): Promise<void> {
  if (executor.dialect === 'postgres') {
    await executor.query(`ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS ${column}`);
    return;
  }
  try {
    await executor.query(`ALTER TABLE ${table} ADD COLUMN ${column}`);
  } catch (error) {
    // MySQL has no ADD COLUMN IF NOT EXISTS: "duplicate column" means it is there.
    if ((error as { errno?: number }).errno !== 1060) throw error;
  }
}
