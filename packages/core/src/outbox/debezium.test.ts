import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../errors.js';
import { debeziumOutboxConnector } from './debezium.js';
import { mysqlDialect } from './mysql-dialect.js';
import { createOutbox } from './outbox.js';
import { postgresDialect } from './postgres-dialect.js';
import { outboxTables, pgliteForOutbox, recordInsertionOrder } from './outbox.test-support.js';

// Option names as Debezium documents them (reference/stable): the Outbox Event Router
// SMT page, the PostgreSQL and MySQL connector pages, and Kafka Connect's worker/connector
// converter settings. A typo in a generated name would be silently ignored by Connect,
// so every name we emit must be on this list.
const OUTBOX_ROUTER = [
  'table.field.event.id',
  'table.field.event.key',
  'table.field.event.payload',
  'table.field.event.timestamp',
  'table.fields.additional.placement',
  'table.fields.additional.error.on.missing',
  'table.expand.json.payload',
  'table.json.payload.null.behavior',
  'table.op.invalid.behavior',
  'route.by.field',
  'route.topic.regex',
  'route.topic.replacement',
  'route.tombstone.on.empty.payload',
  'tracing.span.context.field',
  'tracing.operation.name',
  'tracing.with.context.field.only',
];
const CONNECT = [
  'name',
  'connector.class',
  'tasks.max',
  'transforms',
  'key.converter',
  'value.converter',
  'header.converter',
];
const COMMON = [
  'topic.prefix',
  'database.hostname',
  'database.port',
  'database.user',
  'database.password',
  'table.include.list',
  'tombstones.on.delete',
];
const POSTGRES = ['plugin.name', 'database.dbname', 'slot.name', 'publication.name', 'publication.autocreate.mode'];
const MYSQL = [
  'database.server.id',
  'database.include.list',
  'schema.history.internal.kafka.bootstrap.servers',
  'schema.history.internal.kafka.topic',
];
const documented = (extra: string[]) =>
  new Set([
    ...CONNECT,
    ...COMMON,
    ...extra,
    ...OUTBOX_ROUTER.map((o) => `transforms.outbox.${o}`),
    'transforms.outbox.type',
  ]);

const connection = {
  hostname: 'db',
  user: 'debezium',
  password: '${file:/secrets/db.properties:password}',
  database: 'shop',
};

describe('debeziumOutboxConnector', () => {
  it('routes our PostgreSQL table: topic column, key column, payload bytes, id and type as headers', () => {
    const outbox = createOutbox({ dialect: postgresDialect(), tables: { outbox: 'app.events_outbox' } });
    const { name, config } = debeziumOutboxConnector({ outbox, connection });
    expect(name).toBe('ordo-outbox');
    for (const key of Object.keys(config)) expect(documented(POSTGRES), key).toContain(key);
    expect(config).toMatchObject({
      'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
      'table.include.list': 'app.events_outbox',
      'transforms.outbox.type': 'io.debezium.transforms.outbox.EventRouter',
      'transforms.outbox.route.by.field': 'topic',
      'transforms.outbox.route.topic.replacement': '${routedByValue}',
      'transforms.outbox.table.field.event.key': 'msg_key',
      'transforms.outbox.table.field.event.payload': 'payload',
      'transforms.outbox.table.fields.additional.placement': 'id:header:ordo-id,type:header:ordo-type',
      // String keys, so Connect's Java producer partitions them with murmur2 like Ordo (O5).
      'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
      'value.converter': 'org.apache.kafka.connect.converters.ByteArrayConverter',
      'database.port': '5432',
      'database.dbname': 'shop',
    });
  });

  it('routes our MySQL table and requires the schema-history servers', () => {
    const outbox = createOutbox({ dialect: mysqlDialect() });
    expect(() => debeziumOutboxConnector({ outbox, connection })).toThrow(InvalidConfigError);
    const { config } = debeziumOutboxConnector({ outbox, connection, schemaHistoryBootstrapServers: 'kafka:9092' });
    for (const key of Object.keys(config)) expect(documented(MYSQL), key).toContain(key);
    expect(config).toMatchObject({
      'connector.class': 'io.debezium.connector.mysql.MySqlConnector',
      'table.include.list': 'shop.ordo_outbox',
      'database.include.list': 'shop',
      'database.port': '3306',
      'transforms.outbox.table.field.event.id': 'id',
    });
  });

  it('names only columns our migrated table has, and debezium mode leaves the table empty after commit', async () => {
    const db = await pgliteForOutbox();
    try {
      const outbox = createOutbox({ dialect: postgresDialect(), publisher: 'debezium', tables: outboxTables() });
      await db.transaction((tx) => outbox.migrate(tx));
      const columns = (
        await db.query<{ column_name: string }>(
          'SELECT column_name FROM information_schema.columns WHERE table_name = ?',
          [outbox.tables.outbox],
        )
      ).map((c) => c.column_name);
      const { config } = debeziumOutboxConnector({ outbox, connection });
      const named = [
        config['transforms.outbox.table.field.event.id'],
        config['transforms.outbox.table.field.event.key'],
        config['transforms.outbox.table.field.event.payload'],
        config['transforms.outbox.route.by.field'],
        ...config['transforms.outbox.table.fields.additional.placement']!.split(',').map((p) => p.split(':')[0]),
      ];
      for (const column of named) expect(columns).toContain(column);

      // Debezium reads the insert from the log; the row itself is deleted in the same transaction.
      const inserted = await recordInsertionOrder(db, outbox.tables.outbox);
      const { id } = await db.transaction((tx) => outbox.write(tx, { topic: 'users', key: 'u1', type: 't', value: 1 }));
      expect(await db.query(`SELECT * FROM ${outbox.tables.outbox}`)).toEqual([]);
      expect(await inserted.expected()).toEqual(new Map([['u1', [id]]]));
    } finally {
      await db.close();
    }
  });
});
