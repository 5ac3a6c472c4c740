/**
 * A relay process that dies by SIGKILL right after the broker acknowledged its first
 * batch, before deleting the rows: the crash of outbox-crash.test.ts. Arguments: the
 * brokers, the outbox table names as JSON.
 */
import { createOutbox, createOutboxRelay, postgresDialect, silentLogger } from '@ordo/core';
import pg from 'pg';
import { rdkafkaDriver } from './rdkafka-driver.js';

const [brokers, tablesJson] = process.argv.slice(2);
const pool = new pg.Pool({ connectionString: process.env.ORDO_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test' });
const outbox = createOutbox({
  dialect: postgresDialect(),
  tables: JSON.parse(tablesJson!) as object,
  logger: silentLogger,
});
const relay = createOutboxRelay({
  outbox,
  database: pool,
  driver: rdkafkaDriver({ brokers: brokers!, createTopics: () => undefined }),
  batchSize: 50,
  logger: silentLogger,
});
relay.on('acknowledged', ({ ids }) => {
  process.stdout.write(`acknowledged ${ids.length}\n`);
  process.kill(process.pid, 'SIGKILL'); // before the delete runs
});
await relay.start();
