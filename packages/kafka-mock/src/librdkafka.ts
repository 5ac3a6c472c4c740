import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import koffi from 'koffi';
import { KafkaMockError } from './errors.js';

/** An opaque C pointer, as koffi hands it back. */
export type Pointer = unknown;

/** The subset of librdkafka's C API (mock cluster included) that this package calls. */
export interface Librdkafka {
  readonly path: string;
  conf_new(): Pointer;
  conf_set(conf: Pointer, name: string, value: string, errstr: Buffer, size: number): number;
  kafka_new(type: number, conf: Pointer, errstr: Buffer, size: number): Pointer;
  kafka_destroy(rk: Pointer): void;
  err2str(err: number): string;
  mock_cluster_new(rk: Pointer, brokers: number): Pointer;
  mock_cluster_destroy(mcluster: Pointer): void;
  mock_cluster_bootstraps(mcluster: Pointer): string;
  mock_topic_create(mcluster: Pointer, topic: string, partitions: number, replication: number): number;
  mock_push_request_errors_array(mcluster: Pointer, apiKey: number, count: number, errors: number[]): void;
  mock_clear_request_errors(mcluster: Pointer, apiKey: number): void;
  mock_broker_set_down(mcluster: Pointer, brokerId: number): number;
  mock_broker_set_up(mcluster: Pointer, brokerId: number): number;
  mock_broker_set_rtt(mcluster: Pointer, brokerId: number, rttMs: number): number;
  mock_group_initial_rebalance_delay_ms(mcluster: Pointer, delayMs: number): void;
}

let loaded: Librdkafka | undefined;

/**
 * Finds the librdkafka that node-rdkafka built (`build/deps/librdkafka.so.1`) and
 * binds its C API with koffi. Loading the same file node-rdkafka's addon links to
 * means one copy of librdkafka in the process, not two.
 */
export function librdkafka(): Librdkafka {
  loaded ??= bind(locateLibrdkafka());
  return loaded;
}

const resolveFromHere = (id: string): string => createRequire(import.meta.url).resolve(id);

/**
 * Path of node-rdkafka's librdkafka.
 * @param resolve module resolution, replaceable in tests
 * @internal exported for tests
 */
export function locateLibrdkafka(resolve: (id: string) => string = resolveFromHere): string {
  let root: string;
  try {
    root = path.dirname(resolve('node-rdkafka/package.json'));
  } catch (cause) {
    throw new KafkaMockError(
      'KAFKA_MOCK_LIBRDKAFKA_NOT_FOUND',
      'node-rdkafka is not installed. Install it (npm i node-rdkafka@3.6.1): its build provides librdkafka. ' +
        'With pnpm, list node-rdkafka in pnpm.onlyBuiltDependencies so its install script runs.',
      { cause },
    );
  }
  const names = process.platform === 'darwin' ? ['librdkafka.1.dylib', 'librdkafka.dylib'] : ['librdkafka.so.1'];
  for (const name of names) {
    const candidate = path.join(root, 'build', 'deps', name);
    if (existsSync(candidate)) return candidate;
  }
  throw new KafkaMockError(
    'KAFKA_MOCK_LIBRDKAFKA_NOT_FOUND',
    `node-rdkafka is installed at ${root} but its build has no ${names[0]} under build/deps. ` +
      'Its install script did not run or failed: rebuild it (npm rebuild node-rdkafka; with pnpm, allow it in ' +
      'pnpm.onlyBuiltDependencies, then pnpm rebuild node-rdkafka). It needs python3, make and g++.',
  );
}

function bind(file: string): Librdkafka {
  let lib: ReturnType<typeof koffi.load>;
  try {
    lib = koffi.load(file);
  } catch (cause) {
    throw new KafkaMockError('KAFKA_MOCK_LIBRDKAFKA_NOT_FOUND', `Cannot load ${file}: ${String(cause)}`, { cause });
  }
  const fn = (signature: string) => lib.func(signature) as unknown as (...args: unknown[]) => never;
  return {
    path: file,
    conf_new: fn('void *rd_kafka_conf_new(void)'),
    conf_set: fn(
      'int rd_kafka_conf_set(void *conf, const char *name, const char *value, _Out_ uint8_t *errstr, size_t errstr_size)',
    ),
    kafka_new: fn('void *rd_kafka_new(int type, void *conf, _Out_ uint8_t *errstr, size_t errstr_size)'),
    kafka_destroy: fn('void rd_kafka_destroy(void *rk)'),
    err2str: fn('const char *rd_kafka_err2str(int err)'),
    mock_cluster_new: fn('void *rd_kafka_mock_cluster_new(void *rk, int broker_cnt)'),
    mock_cluster_destroy: fn('void rd_kafka_mock_cluster_destroy(void *mcluster)'),
    mock_cluster_bootstraps: fn('const char *rd_kafka_mock_cluster_bootstraps(void *mcluster)'),
    mock_topic_create: fn(
      'int rd_kafka_mock_topic_create(void *mcluster, const char *topic, int partition_cnt, int replication_factor)',
    ),
    mock_push_request_errors_array: fn(
      'void rd_kafka_mock_push_request_errors_array(void *mcluster, int16_t ApiKey, size_t cnt, const int *errors)',
    ),
    mock_clear_request_errors: fn('void rd_kafka_mock_clear_request_errors(void *mcluster, int16_t ApiKey)'),
    mock_broker_set_down: fn('int rd_kafka_mock_broker_set_down(void *mcluster, int32_t broker_id)'),
    mock_broker_set_up: fn('int rd_kafka_mock_broker_set_up(void *mcluster, int32_t broker_id)'),
    mock_broker_set_rtt: fn('int rd_kafka_mock_broker_set_rtt(void *mcluster, int32_t broker_id, int rtt_ms)'),
    mock_group_initial_rebalance_delay_ms: fn(
      'void rd_kafka_mock_group_initial_rebalance_delay_ms(void *mcluster, int32_t delay_ms)',
    ),
  };
}
