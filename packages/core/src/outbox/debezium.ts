import { InvalidConfigError } from '../errors.js';
import { HEADERS } from '../message/headers.js';
import type { Outbox } from './outbox.js';

/** How Debezium reaches the database. */
export interface DebeziumConnection {
  readonly hostname: string;
  /** @default 5432 on PostgreSQL, 3306 on MySQL */
  readonly port?: number;
  readonly user: string;
  /** Put a Kafka Connect config provider reference here (e.g. `${file:/secrets:db}`), not the secret. */
  readonly password: string;
  /** Database name (PostgreSQL `database.dbname`; on MySQL, the database holding the outbox). */
  readonly database: string;
}

/** Options of {@link debeziumOutboxConnector}. */
export interface DebeziumOutboxOptions {
  readonly outbox: Outbox;
  /** Connector name in Kafka Connect. @default 'ordo-outbox' */
  readonly name?: string;
  readonly connection: DebeziumConnection;
  /** Debezium's `topic.prefix`: names the connector's own topics, not the events'. @default 'ordo' */
  readonly topicPrefix?: string;
  /** MySQL only: a server id unique among the MySQL replicas. @default 184054 */
  readonly serverId?: number;
  /** MySQL only: bootstrap servers of the schema-history topic. Required on MySQL. */
  readonly schemaHistoryBootstrapServers?: string;
}

/** A Kafka Connect connector definition, as POSTed to `/connectors`. */
export interface ConnectorDefinition {
  readonly name: string;
  readonly config: Readonly<Record<string, string>>;
}

/**
 * The Debezium connector config that publishes Ordo's outbox table instead of our relay,
 * through Debezium's Outbox Event Router: the topic from our `topic` column, the record
 * key from `msg_key` (as a string, so Kafka Connect's producer partitions it with murmur2
 * like every Ordo producer, O5), the value as the stored bytes, and `ordo-id` and
 * `ordo-type` as headers. Debezium reads the log in commit order, and our writers commit
 * one key's rows in sequence order, so per-key order holds (O7).
 *
 * Create the outbox with `publisher: 'debezium'`, so writers delete their rows in the same
 * transaction (Debezium reads the inserts from the log; the deletes are ignored).
 * Limit: other headers (the `headers` column, e.g. `traceparent`) are not forwarded.
 */
export function debeziumOutboxConnector(options: DebeziumOutboxOptions): ConnectorDefinition {
  const { outbox, connection } = options;
  const [schema, table] = outbox.tables.outbox.includes('.')
    ? (outbox.tables.outbox.split('.') as [string, string])
    : [outbox.dialect.name === 'postgres' ? 'public' : connection.database, outbox.tables.outbox];
  const router: Record<string, string> = {
    transforms: 'outbox',
    'transforms.outbox.type': 'io.debezium.transforms.outbox.EventRouter',
    'transforms.outbox.table.field.event.id': 'id',
    'transforms.outbox.table.field.event.key': 'msg_key',
    'transforms.outbox.table.field.event.payload': 'payload',
    'transforms.outbox.route.by.field': 'topic',
    'transforms.outbox.route.topic.replacement': '${routedByValue}',
    'transforms.outbox.table.fields.additional.placement': `id:header:${HEADERS.id},type:header:${HEADERS.type}`,
    // Our relay deletes published rows; those deletes must not become events.
    'transforms.outbox.table.op.invalid.behavior': 'warn',
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'value.converter': 'org.apache.kafka.connect.converters.ByteArrayConverter',
    'header.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'table.include.list': `${schema}.${table}`,
    'tombstones.on.delete': 'false',
    'topic.prefix': options.topicPrefix ?? 'ordo',
    'database.hostname': connection.hostname,
    'database.user': connection.user,
    'database.password': connection.password,
  };
  const name = options.name ?? 'ordo-outbox';
  if (outbox.dialect.name === 'postgres') {
    return {
      name,
      config: {
        'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
        'plugin.name': 'pgoutput',
        'database.port': String(connection.port ?? 5432),
        'database.dbname': connection.database,
        'slot.name': `${name.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_slot`,
        'publication.name': `${name.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_publication`,
        'publication.autocreate.mode': 'filtered',
        ...router,
      },
    };
  }
  if (!options.schemaHistoryBootstrapServers) {
    throw new InvalidConfigError('schemaHistoryBootstrapServers', 'is required for the MySQL connector');
  }
  return {
    name,
    config: {
      'connector.class': 'io.debezium.connector.mysql.MySqlConnector',
      'database.port': String(connection.port ?? 3306),
      'database.server.id': String(options.serverId ?? 184054),
      'database.include.list': schema,
      'schema.history.internal.kafka.bootstrap.servers': options.schemaHistoryBootstrapServers,
      'schema.history.internal.kafka.topic': `${options.topicPrefix ?? 'ordo'}.schema-history`,
      ...router,
    },
  };
}
