import { createRequire } from 'node:module';
import path from 'node:path';

/** One record as another client (Java, PHP) could write it: header values are raw bytes. */
export interface RawRecord {
  readonly topic: string;
  readonly partition: number;
  readonly key: Buffer;
  readonly value: Buffer;
  readonly headers: ReadonlyArray<readonly [string, Buffer]>;
}

// rd_kafka_vtype_t (rdkafka.h) and flags used below.
const VTYPE = { END: 0, TOPIC: 1, PARTITION: 3, VALUE: 4, KEY: 5, MSGFLAGS: 7, HEADERS: 10 } as const;
const MSG_F_COPY = 0x2;
const RD_KAFKA_PRODUCER = 0;

type CFunction = (...args: unknown[]) => never;

/**
 * Writes records through librdkafka's C API directly (koffi, the binding
 * `@ordo/kafka-mock` uses, on the same librdkafka node-rdkafka loads): node-rdkafka passes
 * header values through C strings and cannot write bytes that are not UTF-8 text, which
 * other clients can, and which a consumer must then survive.
 */
export function produceRaw(bootstrapServers: string, records: readonly RawRecord[]): void {
  const mockRequire = createRequire(fileURLOf('@ordo/kafka-mock'));
  const koffi = mockRequire('koffi') as {
    load(file: string): { func(signature: string): unknown };
  };
  const root = path.dirname(mockRequire.resolve('node-rdkafka/package.json'));
  const lib = koffi.load(path.join(root, 'build', 'deps', 'librdkafka.so.1'));
  const fn = (signature: string) => lib.func(signature) as CFunction;
  const confNew = fn('void *rd_kafka_conf_new(void)');
  const confSet = fn(
    'int rd_kafka_conf_set(void *conf, const char *name, const char *value, _Out_ uint8_t *errstr, size_t errstr_size)',
  );
  const kafkaNew = fn('void *rd_kafka_new(int type, void *conf, _Out_ uint8_t *errstr, size_t errstr_size)');
  const destroy = fn('void rd_kafka_destroy(void *rk)');
  const flush = fn('int rd_kafka_flush(void *rk, int timeout_ms)');
  const headersNew = fn('void *rd_kafka_headers_new(size_t initial_count)');
  const headerAdd = fn(
    'int rd_kafka_header_add(void *hdrs, const char *name, intptr_t name_size, const uint8_t *value, intptr_t value_size)',
  );
  const producev = fn('int rd_kafka_producev(void *rk, ...)');

  const errstr = Buffer.alloc(512);
  const conf = confNew();
  for (const [name, value] of [
    ['bootstrap.servers', bootstrapServers],
    ['message.max.bytes', '4000000'],
  ]) {
    if (confSet(conf, name, value, errstr, errstr.length) !== 0) throw new Error(`conf ${name}: ${errstr}`);
  }
  const rk = kafkaNew(RD_KAFKA_PRODUCER, conf, errstr, errstr.length);
  if (!rk) throw new Error(`rd_kafka_new: ${errstr}`);
  try {
    for (const r of records) {
      const headers = headersNew(r.headers.length);
      for (const [name, value] of r.headers) headerAdd(headers, name, -1, value, value.length);
      // Headers belong to librdkafka once produced.
      const err = producev(
        rk,
        'int',
        VTYPE.TOPIC,
        'const char *',
        r.topic,
        'int',
        VTYPE.PARTITION,
        'int32_t',
        r.partition,
        'int',
        VTYPE.KEY,
        'const uint8_t *',
        r.key,
        'size_t',
        r.key.length,
        'int',
        VTYPE.VALUE,
        'const uint8_t *',
        r.value,
        'size_t',
        r.value.length,
        'int',
        VTYPE.MSGFLAGS,
        'int',
        MSG_F_COPY,
        'int',
        VTYPE.HEADERS,
        'void *',
        headers,
        'int',
        VTYPE.END,
      );
      if (err !== 0) throw new Error(`rd_kafka_producev failed: ${err}`);
    }
    const err = flush(rk, 10_000);
    if (err !== 0) throw new Error(`rd_kafka_flush failed: ${err}`);
  } finally {
    destroy(rk);
  }
}

function fileURLOf(specifier: string): string {
  return import.meta.resolve(specifier);
}
