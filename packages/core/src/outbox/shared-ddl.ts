/**
 * DDL of the tables both dialects share in shape: the failed-outbox table and the inbox.
 * Only column types differ.
 */
export function createFailedTableSql(table: string, dialect: 'postgres' | 'mysql'): string {
  const blob = dialect === 'postgres' ? 'bytea' : 'longblob';
  const ts = dialect === 'postgres' ? 'timestamptz' : 'timestamp(3)';
  // `seq` keeps failures in the order they happened (a batch's share one millisecond).
  const seq = dialect === 'postgres' ? 'seq bigserial NOT NULL UNIQUE' : 'seq bigint NOT NULL AUTO_INCREMENT UNIQUE';
  return `CREATE TABLE IF NOT EXISTS ${table} (
    failure_id varchar(36) NOT NULL PRIMARY KEY,
    ${seq},
    message_id varchar(255) NOT NULL,
    origin varchar(16) NOT NULL,
    topic varchar(249) NOT NULL,
    msg_key text NULL,
    type varchar(255) NOT NULL,
    payload ${blob} NULL,
    headers text NOT NULL,
    occurred_at bigint NOT NULL,
    error text NOT NULL,
    attempts integer NOT NULL,
    status varchar(16) NOT NULL,
    failed_at ${ts} NOT NULL,
    updated_at ${ts} NOT NULL
  )`;
}

/** The inbox: one row per (scope, message id) already handled. */
export function createInboxTableSql(table: string, dialect: 'postgres' | 'mysql'): string {
  const ts = dialect === 'postgres' ? 'timestamptz' : 'timestamp(3)';
  const now = dialect === 'postgres' ? 'now()' : 'CURRENT_TIMESTAMP(3)';
  return `CREATE TABLE IF NOT EXISTS ${table} (
    scope varchar(191) NOT NULL,
    message_id varchar(191) NOT NULL,
    handled_at ${ts} NOT NULL DEFAULT ${now},
    PRIMARY KEY (scope, message_id)
  )`;
}
