/**
 * The outbox relay against direct produce, in one process, on one @ordo/kafka-mock
 * cluster and the machine's PostgreSQL, with the same records (key, JSON value, Ordo's
 * headers) and the same producer settings:
 * - relay throughput: rows/s from a pre-filled outbox table to acknowledged records
 *   (read, send, await acks, delete), against `producer.publishMany` of the same events
 *   in batches of the same size; rounds interleaved, medians reported. Target >= 50%.
 * - commit-to-ack latency at a steady 500 events/s, one event per transaction, with the
 *   relay woken by NOTIFY (its poll interval is 1 s, so polling cannot explain a fast
 *   figure): from COMMIT returning to the broker's acknowledgement. Target p99 < 100 ms.
 */
import {
  createOutbox,
  createOutboxRelay,
  createProducer,
  postgresDialect,
  silentLogger,
  type Outbox,
} from '@ordo/core';
import { startMockCluster } from '@ordo/kafka-mock';
import { rdkafkaDriver } from '@ordo/rdkafka';
import pg from 'pg';

const PG_URL = process.env.ORDO_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const KEYS = 1000;
/** The relay's default batch size; direct produce sends batches of the same size. */
const BATCH = 1_000;
const PRODUCER = { 'linger.ms': 5 } as const;

export interface OutboxBenchResult {
  readonly rows: number;
  readonly rounds: number;
  readonly relayRowsPerSecond: number;
  /** Direct produce, each batch acknowledged before the next (what the relay must do). */
  readonly directMessagesPerSecond: number;
  /** Direct produce with every batch in flight at once. */
  readonly directPipelinedMessagesPerSecond: number;
  /** relay / direct batch-by-batch */
  readonly throughputRatio: number;
  /** relay / direct pipelined */
  readonly throughputRatioToPipelined: number;
  readonly latency: {
    /** Commit-to-ack of the first event after the relay started (topic metadata, connections). */
    readonly firstEventMs: number;
    readonly eventsPerSecond: number;
    readonly events: number;
    readonly p50Ms: number;
    readonly p99Ms: number;
    readonly maxMs: number;
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)]!;
const event = (topic: string, i: number) => ({
  topic,
  key: `account-${i % KEYS}`,
  type: 'balance-changed',
  value: { id: `account-${i % KEYS}`, seq: i, balance: i * 3, currency: 'EUR' },
});

/**
 * Rows/s from a committed backlog to acknowledged records, with the relay warm (connected,
 * leases taken, topic metadata known, as in steady state): the backlog is written in one
 * transaction and the clock starts as its COMMIT is sent.
 */
async function relayThroughput(
  pool: pg.Pool,
  outbox: Outbox,
  brokers: string,
  topic: string,
  rows: number,
): Promise<number> {
  const relay = createOutboxRelay({
    outbox,
    database: pool,
    driver: rdkafkaDriver({ brokers, producer: PRODUCER, createTopics: () => undefined }),
    batchSize: BATCH,
    logger: silentLogger,
  });
  let published = 0;
  const waitFor = async (count: number) => {
    while (published < count) await new Promise((resolve) => setTimeout(resolve, 1));
  };
  relay.on('published', (e) => (published += e.count));
  await relay.start();
  await write(pool, outbox, event(topic, -1));
  await waitFor(1);
  const client = await pool.connect();
  let started: number;
  try {
    await client.query('BEGIN');
    for (let start = 0; start < rows; start += BATCH) {
      await outbox.writeMany(
        client,
        Array.from({ length: Math.min(BATCH, rows - start) }, (_, j) => event(topic, start + j)),
      );
    }
    started = performance.now();
    await client.query('COMMIT');
  } finally {
    client.release();
  }
  await waitFor(rows + 1);
  const elapsed = performance.now() - started;
  await relay.stop();
  return (rows / elapsed) * 1000;
}

/**
 * Direct produce of the same events in batches of the same size: `pipelined` sends every
 * batch at once (the producer's best); otherwise each batch is acknowledged before the
 * next, as the relay must do before it deletes.
 */
async function directThroughput(brokers: string, topic: string, rows: number, pipelined: boolean): Promise<number> {
  const producer = createProducer({
    driver: rdkafkaDriver({ brokers, producer: PRODUCER, createTopics: () => undefined }),
  });
  await producer.connect();
  await producer.publish(event(topic, -1)); // warm, like the relay: connected, topic metadata known
  const started = performance.now();
  const inFlight: Promise<unknown>[] = [];
  for (let start = 0; start < rows; start += BATCH) {
    const sent = producer.publishMany(
      Array.from({ length: Math.min(BATCH, rows - start) }, (_, j) => event(topic, start + j)),
    );
    if (pipelined) inFlight.push(sent);
    else await sent;
  }
  await Promise.all(inFlight);
  const elapsed = performance.now() - started;
  await producer.disconnect();
  return (rows / elapsed) * 1000;
}

/** One event in its own transaction; `beforeCommit` runs just before COMMIT is sent. */
async function write(pool: pg.Pool, outbox: Outbox, e: ReturnType<typeof event>, beforeCommit?: (id: string) => void) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await outbox.write(client, e);
    // Timed from before COMMIT is sent: the acknowledgement can beat COMMIT's reply.
    beforeCommit?.(result.id);
    await client.query('COMMIT');
    return result;
  } finally {
    client.release();
  }
}

async function commitToAck(
  pool: pg.Pool,
  outbox: Outbox,
  brokers: string,
  topic: string,
  rate: number,
  seconds: number,
) {
  const relay = createOutboxRelay({
    outbox,
    database: pool,
    driver: rdkafkaDriver({ brokers, producer: PRODUCER, createTopics: () => undefined }),
    pollIntervalMs: 1_000,
    logger: silentLogger,
  });
  const committedAt = new Map<string, number>();
  const ackedAt = new Map<string, number>();
  relay.on('acknowledged', (e) => {
    const now = performance.now();
    for (const id of e.ids) ackedAt.set(id, now);
  });
  await relay.start();
  // Warm-up, reported on its own: the first send to a topic waits for its metadata.
  const warmStarted = performance.now();
  const warm = await write(pool, outbox, event(topic, -1));
  while (!ackedAt.has(warm.id)) await new Promise((resolve) => setTimeout(resolve, 1));
  const firstEventMs = performance.now() - warmStarted;
  const total = rate * seconds;
  const started = performance.now();
  const writers: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    writers.push(
      write(pool, outbox, event(topic, i), (id) => committedAt.set(id, performance.now())).then(() => undefined),
    );
  }
  await Promise.all(writers);
  while ([...committedAt.keys()].some((id) => !ackedAt.has(id)))
    await new Promise((resolve) => setTimeout(resolve, 20));
  await relay.stop();
  const latencies = [...committedAt].map(([id, at]) => ackedAt.get(id)! - at);
  if (process.env.BENCH_DEBUG) {
    const order = [...committedAt.values()].map((at, i) => [i, latencies[i]!] as const).sort((a, b) => b[1] - a[1]);
    console.log(
      'slowest (index, ms):',
      order
        .slice(0, 15)
        .map(([i, ms]) => `${i}:${ms.toFixed(0)}`)
        .join(' '),
    );
  }
  return {
    firstEventMs,
    eventsPerSecond: rate,
    events: total,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    maxMs: Math.max(...latencies),
  };
}

/** Runs both measures; `log` gets one line per round. */
export async function benchOutbox(
  rows: number,
  rounds: number,
  log: (line: string) => void,
): Promise<OutboxBenchResult> {
  const cluster = startMockCluster({ brokers: 3 });
  const pool = new pg.Pool({ connectionString: PG_URL, max: 16 });
  const suffix = Math.random().toString(36).slice(2, 8);
  const tables = { outbox: `bench_outbox_${suffix}`, failed: `bench_failed_${suffix}`, inbox: `bench_inbox_${suffix}` };
  const outbox = createOutbox({ dialect: postgresDialect(), tables, logger: silentLogger });
  try {
    await outbox.migrate(pool);
    const relay: number[] = [];
    const direct: number[] = [];
    const pipelined: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const topic = `bench-outbox-${suffix}-${round}`;
      cluster.createTopic(topic, 12);
      pipelined.push(await directThroughput(cluster.bootstrapServers, topic, rows, true));
      direct.push(await directThroughput(cluster.bootstrapServers, topic, rows, false));
      relay.push(await relayThroughput(pool, outbox, cluster.bootstrapServers, topic, rows));
      log(
        `round ${round + 1}: direct pipelined ${pipelined.at(-1)!.toFixed(0)} msg/s, direct batch-by-batch ${direct.at(-1)!.toFixed(0)} msg/s, relay ${relay.at(-1)!.toFixed(0)} rows/s`,
      );
    }
    const latencyTopic = `bench-outbox-latency-${suffix}`;
    cluster.createTopic(latencyTopic, 12);
    const latency = await commitToAck(
      pool,
      outbox,
      cluster.bootstrapServers,
      latencyTopic,
      500,
      Number(process.env.BENCH_SECONDS ?? 10),
    );
    log(
      `first event after start ${latency.firstEventMs.toFixed(0)} ms; commit-to-ack at 500 events/s: p50 ${latency.p50Ms.toFixed(1)} ms, p99 ${latency.p99Ms.toFixed(1)} ms, max ${latency.maxMs.toFixed(1)} ms`,
    );
    return {
      rows,
      rounds,
      relayRowsPerSecond: median(relay),
      directMessagesPerSecond: median(direct),
      directPipelinedMessagesPerSecond: median(pipelined),
      throughputRatio: median(relay) / median(direct),
      throughputRatioToPipelined: median(relay) / median(pipelined),
      latency,
    };
  } finally {
    for (const t of [tables.outbox, tables.failed, tables.inbox]) await pool.query(`DROP TABLE IF EXISTS ${t}`);
    await pool.end();
    cluster.close();
  }
}
