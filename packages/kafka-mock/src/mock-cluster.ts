import { KafkaMockError } from './errors.js';
import { KAFKA_API_KEYS, type KafkaApiName, type KafkaErrorCode } from './kafka-protocol.js';
import { librdkafka, type Librdkafka, type Pointer } from './librdkafka.js';

/** A topic to create when the cluster starts. */
export interface MockTopic {
  readonly name: string;
  readonly partitions: number;
}

/** Options of {@link startMockCluster}. */
export interface MockClusterOptions {
  /** Number of brokers, with ids 1..brokers. @default 3 */
  readonly brokers?: number;
  /** Topics to create up front. Others are auto-created with 4 partitions on first use. @default [] */
  readonly topics?: readonly MockTopic[];
  /**
   * Delay before the first rebalance of a new group. Kafka's default is 3000 ms; tests
   * want groups to form at once.
   * @default 0
   */
  readonly groupInitialRebalanceDelayMs?: number;
}

/** A running in-process Kafka cluster. */
export interface MockCluster {
  /** Comma-separated `host:port` list for `bootstrap.servers`. */
  readonly bootstrapServers: string;
  /** Broker ids, 1..N. */
  readonly brokerIds: readonly number[];
  /** Creates a topic with the given partition count (replication factor 1). */
  createTopic(name: string, partitions: number): void;
  /**
   * Makes the next requests of an API fail, one error code per request, in order.
   * @example cluster.failRequests('Produce', Array(3).fill(KAFKA_ERRORS.NOT_LEADER_OR_FOLLOWER))
   */
  failRequests(api: KafkaApiName, errorCodes: readonly KafkaErrorCode[]): void;
  /** Drops pending injected errors of an API. */
  clearRequestErrors(api: KafkaApiName): void;
  /** Takes a broker down: its connections close and it refuses new ones. */
  setBrokerDown(id: number): void;
  setBrokerUp(id: number): void;
  /** Adds round-trip latency to a broker's responses. */
  setRtt(id: number, ms: number): void;
  /** Stops the brokers and frees the cluster. Idempotent; any other call afterwards throws. */
  close(): void;
  readonly closed: boolean;
}

// Real topic names: 1-249 of [a-zA-Z0-9._-].
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
const RD_KAFKA_PRODUCER = 0;

/**
 * Starts librdkafka's mock Kafka cluster in this process: the real wire protocol
 * (produce, fetch, consumer groups, offsets, idempotent producer) on loopback ports,
 * with topic creation and fault injection. Any Kafka client can connect to it.
 *
 * @example
 * const cluster = startMockCluster({ topics: [{ name: 'users', partitions: 12 }] });
 * const producer = new Kafka.Producer({ 'bootstrap.servers': cluster.bootstrapServers });
 * // ...
 * cluster.close();
 */
export function startMockCluster(options: MockClusterOptions = {}): MockCluster {
  const brokers = options.brokers ?? 3;
  if (!Number.isInteger(brokers) || brokers < 1 || brokers > 64) {
    throw new KafkaMockError('KAFKA_MOCK_INVALID_ARGUMENT', `brokers must be an integer from 1 to 64, got ${brokers}`);
  }
  const delay = options.groupInitialRebalanceDelayMs ?? 0;
  checkNonNegativeInt('groupInitialRebalanceDelayMs', delay);
  for (const t of options.topics ?? []) checkTopic(t.name, t.partitions);

  const lib = librdkafka();
  const rk = createHandle(lib);
  const mcluster = lib.mock_cluster_new(rk, brokers);
  if (!mcluster) {
    lib.kafka_destroy(rk);
    throw new KafkaMockError('KAFKA_MOCK_CALL_FAILED', 'rd_kafka_mock_cluster_new returned no cluster');
  }
  lib.mock_group_initial_rebalance_delay_ms(mcluster, delay);
  const brokerIds = Array.from({ length: brokers }, (_, i) => i + 1);
  let closed = false;

  const live = (): Pointer => {
    if (closed) throw new KafkaMockError('KAFKA_MOCK_CLOSED', 'The mock cluster is closed');
    return mcluster;
  };
  const check = (what: string, err: number): void => {
    if (err !== 0) throw new KafkaMockError('KAFKA_MOCK_CALL_FAILED', `${what} failed: ${lib.err2str(err)} (${err})`);
  };
  const broker = (id: number): number => {
    if (!brokerIds.includes(id)) {
      throw new KafkaMockError('KAFKA_MOCK_INVALID_ARGUMENT', `No broker ${id}; brokers are ${brokerIds.join(', ')}`);
    }
    return id;
  };

  const cluster: MockCluster = {
    bootstrapServers: lib.mock_cluster_bootstraps(mcluster),
    brokerIds,
    createTopic(name, partitions) {
      checkTopic(name, partitions);
      check(`createTopic(${name})`, lib.mock_topic_create(live(), name, partitions, 1));
    },
    failRequests(api, errorCodes) {
      const codes = errorCodes.map((code) => checkErrorCode(code));
      if (codes.length === 0) return;
      lib.mock_push_request_errors_array(live(), apiKey(api), codes.length, codes);
    },
    clearRequestErrors(api) {
      lib.mock_clear_request_errors(live(), apiKey(api));
    },
    setBrokerDown(id) {
      check(`setBrokerDown(${id})`, lib.mock_broker_set_down(live(), broker(id)));
    },
    setBrokerUp(id) {
      check(`setBrokerUp(${id})`, lib.mock_broker_set_up(live(), broker(id)));
    },
    setRtt(id, ms) {
      checkNonNegativeInt('rtt ms', ms);
      check(`setRtt(${id})`, lib.mock_broker_set_rtt(live(), broker(id), ms));
    },
    close() {
      if (closed) return;
      closed = true;
      lib.mock_cluster_destroy(mcluster);
      lib.kafka_destroy(rk);
    },
    get closed() {
      return closed;
    },
  };
  try {
    for (const t of options.topics ?? []) cluster.createTopic(t.name, t.partitions);
  } catch (error) {
    cluster.close();
    throw error;
  }
  return cluster;
}

/** The mock cluster lives inside a librdkafka handle; this one talks to no broker. */
function createHandle(lib: Librdkafka): Pointer {
  const errstr = Buffer.alloc(512);
  const conf = lib.conf_new();
  // Quiet: the carrier handle has no brokers and must not log about it.
  lib.conf_set(conf, 'log_level', '0', errstr, errstr.length);
  const rk = lib.kafka_new(RD_KAFKA_PRODUCER, conf, errstr, errstr.length);
  if (!rk) {
    const reason = errstr.subarray(0, errstr.indexOf(0)).toString();
    throw new KafkaMockError('KAFKA_MOCK_CALL_FAILED', `rd_kafka_new failed: ${reason}`);
  }
  return rk;
}

function apiKey(api: KafkaApiName): number {
  const key = Object.hasOwn(KAFKA_API_KEYS, api) ? KAFKA_API_KEYS[api] : undefined;
  if (key === undefined) {
    throw new KafkaMockError(
      'KAFKA_MOCK_UNKNOWN_API',
      `Unknown Kafka API "${String(api)}". Known: ${Object.keys(KAFKA_API_KEYS).join(', ')}`,
    );
  }
  return key;
}

function checkErrorCode(code: number): number {
  if (!Number.isInteger(code) || code < -1 || code > 32767) {
    throw new KafkaMockError('KAFKA_MOCK_INVALID_ARGUMENT', `Not a Kafka error code: ${code}`);
  }
  return code;
}

function checkTopic(name: string, partitions: number): void {
  if (typeof name !== 'string' || !TOPIC_NAME.test(name) || name === '.' || name === '..') {
    throw new KafkaMockError('KAFKA_MOCK_INVALID_ARGUMENT', `Invalid topic name ${JSON.stringify(name)}`);
  }
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new KafkaMockError(
      'KAFKA_MOCK_INVALID_ARGUMENT',
      `Topic "${name}" needs at least 1 partition, got ${partitions}`,
    );
  }
}

function checkNonNegativeInt(what: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new KafkaMockError('KAFKA_MOCK_INVALID_ARGUMENT', `${what} must be an integer >= 0, got ${value}`);
  }
}
