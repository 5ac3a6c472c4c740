/**
 * An outbox relay process of the fault suite, on PostgreSQL or MariaDB. It can kill
 * itself right after a batch was acknowledged and before its rows are deleted (the
 * worst moment: everything in the batch is published again by the next relay).
 * Config: JSON in ORDO_FAULT_CHILD (see RelayChildConfig).
 */
import { createOutbox, createOutboxRelay, mysqlDialect, postgresDialect, silentLogger } from '@ordo/core';
import type { SqlDatabase } from '@ordo/core';
import { rdkafkaDriver } from '@ordo/rdkafka';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { FaultLog } from '../log/fault-log.js';
import { CHILD_CONFIG_ENV, type RelayChildConfig } from './child-config.js';

const config = JSON.parse(process.env[CHILD_CONFIG_ENV]!) as RelayChildConfig;
const log = new FaultLog(config.logFile, config.proc);

const database: SqlDatabase =
  config.database === 'postgres'
    ? new pg.Pool({ connectionString: config.url, max: 4 })
    : (mysql.createPool({ uri: config.url, connectionLimit: 4 }) as unknown as SqlDatabase);
const outbox = createOutbox({
  dialect: config.database === 'postgres' ? postgresDialect() : mysqlDialect(),
  tables: config.tables,
  logger: silentLogger,
});
const relay = createOutboxRelay({
  outbox,
  database,
  driver: rdkafkaDriver({ brokers: config.brokers, createTopics: () => undefined }),
  batchSize: config.batchSize,
  pollIntervalMs: 50,
  leaseIntervalMs: 1_000,
  logger: silentLogger,
});
let acknowledged = 0;
relay.on('acknowledged', () => {
  acknowledged++;
  if (config.dieAfterAcknowledged !== undefined && acknowledged >= config.dieAfterAcknowledged) {
    log.write({ kind: 'killed', victim: config.proc });
    process.kill(process.pid, 'SIGKILL'); // before the delete of the acknowledged rows
  }
});
relay.on('error', ({ error }) => log.write({ kind: 'error', code: error.code, message: error.message.slice(0, 300) }));

process.on('SIGTERM', () => {
  void relay.stop().finally(() => process.exit(0));
});
await relay.start();
process.stdout.write('started\n');
