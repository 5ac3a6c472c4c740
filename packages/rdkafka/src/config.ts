import { InvalidConfigError, type TopicSpec } from '@ordo/core';

/** librdkafka configuration properties, passed through as given. */
export type LibrdkafkaConfig = Readonly<Record<string, string | number | boolean>>;

/** Options of {@link rdkafkaDriver}. */
export interface RdkafkaDriverOptions {
  /** Bootstrap servers, `host:port,host:port`. */
  readonly brokers: string;
  /** Client id shown by the brokers. @default 'ordo' */
  readonly clientId?: string;
  /**
   * librdkafka properties for every client (SASL, SSL, timeouts...). Properties that
   * would break Ordo's guarantees are refused with an `InvalidConfigError`: turning
   * idempotence off, acks other than all, a partitioner other than Java's murmur2,
   * auto commit or automatic offset store.
   * @default {}
   */
  readonly librdkafka?: LibrdkafkaConfig;
  /** Extra properties for producers only (e.g. `linger.ms`). @default {} */
  readonly producer?: LibrdkafkaConfig;
  /** Extra properties for consumers only (e.g. `session.timeout.ms`). @default {} */
  readonly consumer?: LibrdkafkaConfig;
  /**
   * Largest record accepted (key + value + headers); librdkafka's `message.max.bytes`
   * is set to match. The broker's (or topic's) `max.message.bytes` must allow it too.
   * @default 1_114_112 (1 MiB + 64 KiB)
   */
  readonly maxRecordBytes?: number;
  /**
   * Creates topics instead of the CreateTopics API, for clusters without it
   * (`@ordo/kafka-mock`: `(topics) => topics.forEach((t) => cluster.createTopic(t.name, t.partitions))`).
   * @default CreateTopics through librdkafka's admin client
   */
  readonly createTopics?: (topics: readonly TopicSpec[]) => void | Promise<void>;
  /** Replication factor of topics created through CreateTopics. @default -1 (the broker's default) */
  readonly replicationFactor?: number;
  /** Timeout of admin and metadata calls, in ms. @default 10_000 */
  readonly adminTimeoutMs?: number;
}

/**
 * Properties Ordo sets and a user may not weaken, with the values that keep O1, O2
 * and O5. A user value equal to ours is accepted; any other is refused.
 */
const GUARDED: Readonly<Record<string, readonly (string | number | boolean)[]>> = {
  'enable.idempotence': [true, 'true'],
  acks: ['all', -1, '-1'],
  'request.required.acks': ['all', -1, '-1'],
  partitioner: ['murmur2_random', 'murmur2'],
  'enable.auto.commit': [false, 'false'],
  'enable.auto.offset.store': [false, 'false'],
};

const WHY: Readonly<Record<string, string>> = {
  'enable.idempotence': 'without idempotence, producer retries can duplicate and reorder records (O1)',
  acks: 'acks other than all can lose acknowledged records (O2)',
  'request.required.acks': 'acks other than all can lose acknowledged records (O2)',
  partitioner: "keys must land where Kafka's Java client puts them (murmur2, O5)",
  'enable.auto.commit': 'Ordo commits only what is handled; auto commit would skip unhandled records (O2)',
  'enable.auto.offset.store': 'Ordo stores offsets only after handling (O2)',
};

/** Refuses librdkafka overrides that would turn a guarantee off. */
export function checkOverrides(config: LibrdkafkaConfig | undefined, field: string): void {
  for (const [name, value] of Object.entries(config ?? {})) {
    const allowed = GUARDED[name];
    if (allowed && !allowed.includes(value)) {
      throw new InvalidConfigError(`${field}.${name}`, `cannot be ${JSON.stringify(value)}: ${WHY[name]}`);
    }
    if (name === 'rebalance_cb' || name === 'offset_commit_cb' || name === 'dr_cb' || name === 'dr_msg_cb') {
      throw new InvalidConfigError(`${field}.${name}`, 'is set by Ordo and cannot be overridden');
    }
  }
}

/** The resolved options. */
export interface ResolvedRdkafkaOptions {
  readonly brokers: string;
  readonly clientId: string;
  readonly common: LibrdkafkaConfig;
  readonly producer: LibrdkafkaConfig;
  readonly consumer: LibrdkafkaConfig;
  readonly maxRecordBytes: number;
  readonly createTopics: RdkafkaDriverOptions['createTopics'];
  readonly replicationFactor: number;
  readonly adminTimeoutMs: number;
}

/** Fills defaults and validates; throws `InvalidConfigError` naming the field. */
export function resolveRdkafkaOptions(options: RdkafkaDriverOptions): ResolvedRdkafkaOptions {
  if (typeof options?.brokers !== 'string' || options.brokers.trim() === '') {
    throw new InvalidConfigError('brokers', 'must be a non-empty "host:port,..." string');
  }
  checkOverrides(options.librdkafka, 'librdkafka');
  checkOverrides(options.producer, 'producer');
  checkOverrides(options.consumer, 'consumer');
  const maxRecordBytes = options.maxRecordBytes ?? 1_114_112;
  if (!Number.isInteger(maxRecordBytes) || maxRecordBytes < 1) {
    throw new InvalidConfigError('maxRecordBytes', 'must be a positive integer');
  }
  const adminTimeoutMs = options.adminTimeoutMs ?? 10_000;
  if (!(adminTimeoutMs > 0)) throw new InvalidConfigError('adminTimeoutMs', 'must be > 0');
  return {
    brokers: options.brokers,
    clientId: options.clientId ?? 'ordo',
    common: options.librdkafka ?? {},
    producer: options.producer ?? {},
    consumer: options.consumer ?? {},
    maxRecordBytes,
    createTopics: options.createTopics,
    replicationFactor: options.replicationFactor ?? -1,
    adminTimeoutMs,
  };
}

/** Producer properties: ours first, then the user's (already checked). */
export function producerConfig(o: ResolvedRdkafkaOptions): Record<string, string | number | boolean> {
  return {
    'bootstrap.servers': o.brokers,
    'client.id': o.clientId,
    'enable.idempotence': true,
    'linger.ms': 5,
    // Room for the largest record plus protocol overhead.
    'message.max.bytes': o.maxRecordBytes + 65_536,
    ...o.common,
    ...o.producer,
  };
}

/**
 * Producer topic-level properties. They must go in the default topic configuration:
 * node-rdkafka installs one, which hides topic properties set on the global object.
 */
export function producerTopicConfig(o: ResolvedRdkafkaOptions): Record<string, string | number | boolean> {
  const user = { ...o.common, ...o.producer };
  return {
    'request.required.acks': -1,
    // Java's partitioner for keyed records (murmur2), random for keyless (O5).
    partitioner: 'murmur2_random',
    ...pick(user, TOPIC_LEVEL),
  };
}

// Topic-level producer properties a user may pass in the global options.
const TOPIC_LEVEL = [
  'request.required.acks',
  'acks',
  'partitioner',
  'message.timeout.ms',
  'compression.type',
  'compression.level',
];

function pick(config: LibrdkafkaConfig, names: readonly string[]): Record<string, string | number | boolean> {
  return Object.fromEntries(Object.entries(config).filter(([name]) => names.includes(name)));
}

/** Consumer properties: manual commits, offsets stored only after handling, cooperative-sticky. */
export function consumerConfig(
  o: ResolvedRdkafkaOptions,
  groupId: string,
  clientId: string | undefined,
): Record<string, string | number | boolean> {
  return {
    'bootstrap.servers': o.brokers,
    'client.id': clientId ?? o.clientId,
    'group.id': groupId,
    'enable.auto.commit': false,
    'enable.auto.offset.store': false,
    'partition.assignment.strategy': 'cooperative-sticky',
    'fetch.message.max.bytes': o.maxRecordBytes + 65_536,
    // Prefetch: librdkafka's default keeps up to 100,000 records (64 MB) in its queue
    // on top of what the engine buffers; a tenth of it keeps a consumer busy between
    // fetches. Below that it fetches again after 10 ms instead of 1 s.
    'queued.min.messages': 10_000,
    'fetch.queue.backoff.ms': 10,
    // One Fetch response of a broker brings at most about one partition's worth
    // (librdkafka's default is 50 MB, every partition led by the broker at once): what
    // a fetch adds on top of the queue above, all of it native memory. A larger record
    // still comes, as the first batch of a response always does.
    'fetch.max.bytes': o.maxRecordBytes + 65_536,
    ...o.common,
    ...o.consumer,
  };
}
