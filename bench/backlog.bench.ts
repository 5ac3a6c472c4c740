/**
 * A large backlog drained through @ordo/rdkafka on @ordo/kafka-mock: how much the
 * process grows (RSS) and how long the event loop is blocked while it drains. The
 * backlog is produced first, then a key-mode consumer with a 1 ms handler and the
 * default `maxBufferedPerPartition` reads it; backpressure should keep what it holds
 * to about that limit per partition instead of taking the backlog in at once.
 * Targets: RSS growth under 100 MB for 1,000,000 records; event-loop delay p99 under
 * 50 ms and max under 200 ms while draining. Not a test: RSS and delays are noisy.
 */
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createConsumer, silentLogger } from '@ordo/core';
import { startMockCluster } from '@ordo/kafka-mock';
import { rdkafkaDriver } from '@ordo/rdkafka';
import Kafka from 'node-rdkafka';

// kafka-mock keeps about 5 MB of each partition: 1,000,000 records of about 90 bytes
// (a 50-byte JSON value, a key, the type header) take under 4 MB on each of 24.
const PARTITIONS = 24;
const KEYS = 10_000;
const HANDLER_MS = 1;
const MAX_IN_FLIGHT = 64;
const FAST_GROUP = { 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 500, 'max.poll.interval.ms': 10000 } as const;

export interface BacklogBenchResult {
  readonly records: number;
  readonly partitions: number;
  readonly handlerMs: number;
  readonly maxInFlight: number;
  readonly drainMs: number;
  readonly recordsPerSecond: number;
  readonly rssBaselineMB: number;
  readonly rssPeakMB: number;
  readonly rssGrowthMB: number;
  /** When the peak was seen, in ms after the consumer started. */
  readonly rssPeakAtMs: number;
  readonly heapUsedPeakMB: number;
  readonly eventLoopDelayMs: { readonly p50: number; readonly p99: number; readonly max: number };
  /** Whether a forced garbage collection (node --expose-gc) preceded the baseline. */
  readonly gcBeforeBaseline: boolean;
}

const MB = 1024 * 1024;
const value = (i: number) => ({ id: `account-${i % KEYS}`, seq: i, balance: i * 3 });

/**
 * Writes the backlog with raw node-rdkafka and only the `ordo-type` header (no id
 * header: the consumer derives ids from positions), so that records stay small.
 */
async function produceBacklog(servers: string, topic: string, records: number): Promise<void> {
  const producer = new Kafka.Producer(
    { 'bootstrap.servers': servers, dr_cb: true, 'enable.idempotence': true, 'linger.ms': 5 },
    { 'request.required.acks': -1, partitioner: 'murmur2_random' },
  );
  await new Promise<void>((resolve, reject) => producer.connect({}, (e) => (e ? reject(e) : resolve())));
  let delivered = 0;
  const done = new Promise<void>((resolve) =>
    producer.on('delivery-report', () => {
      if (++delivered === records) resolve();
    }),
  );
  producer.setPollInterval(1);
  const headers: Kafka.MessageHeader[] = [{ 'ordo-type': 'balance-changed' }];
  for (let i = 0; i < records; i++) {
    for (;;) {
      try {
        producer.produce(
          topic,
          null,
          Buffer.from(JSON.stringify(value(i))),
          `account-${i % KEYS}`,
          Date.now(),
          null,
          headers,
        );
        break;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 1)); // queue full: let deliveries drain
      }
    }
  }
  await done;
  producer.setPollInterval(0);
  await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
}

/** Produces `records`, then drains them, sampling RSS and the event loop's delay. */
export async function benchBacklog(records: number, log: (line: string) => void): Promise<BacklogBenchResult> {
  const cluster = startMockCluster({ brokers: 3 });
  const topic = `backlog-${randomUUID().slice(0, 8)}`;
  cluster.createTopic(topic, PARTITIONS);
  const driver = rdkafkaDriver({
    brokers: cluster.bootstrapServers,
    consumer: FAST_GROUP,
    createTopics: () => undefined,
  });
  try {
    const producing = performance.now();
    await produceBacklog(cluster.bootstrapServers, topic, records);
    log(`produced ${records} records in ${((performance.now() - producing) / 1000).toFixed(1)} s`);
    for (let partition = 0; partition < PARTITIONS; partition++) {
      const { low } = await driver.admin().watermarks(topic, partition);
      if (low !== 0) throw new Error(`kafka-mock dropped records of partition ${partition} (low watermark ${low})`);
    }

    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const rssBaseline = process.memoryUsage.rss();
    let rssPeak = rssBaseline;
    let rssPeakAtMs = 0;
    let heapPeak = 0;
    let started = performance.now();
    const sample = () => {
      const rss = process.memoryUsage.rss();
      if (rss > rssPeak) {
        rssPeak = rss;
        rssPeakAtMs = performance.now() - started;
      }
      heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    };

    const consumer = createConsumer({
      driver,
      groupId: `backlog-${randomUUID().slice(0, 8)}`,
      topics: [topic],
      concurrency: { mode: 'key', maxInFlight: MAX_IN_FLIGHT },
      logger: silentLogger,
    });
    let handled = 0;
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    consumer.handle(topic, 'balance-changed', async () => {
      await new Promise((resolve) => setTimeout(resolve, HANDLER_MS));
      if (++handled === records) finish();
    });
    const delay = monitorEventLoopDelay({ resolution: 10 });
    const sampler = setInterval(sample, 50);
    const progress = setInterval(
      () => log(`  ${handled} handled, rss +${((process.memoryUsage.rss() - rssBaseline) / MB).toFixed(0)} MB`),
      5000,
    );
    started = performance.now();
    delay.enable();
    await consumer.start();
    await done;
    const drainMs = performance.now() - started;
    delay.disable();
    clearInterval(sampler);
    clearInterval(progress);
    sample();
    await consumer.stop();
    const ms = (ns: number) => ns / 1e6;
    return {
      records,
      partitions: PARTITIONS,
      handlerMs: HANDLER_MS,
      maxInFlight: MAX_IN_FLIGHT,
      drainMs,
      recordsPerSecond: (records / drainMs) * 1000,
      rssBaselineMB: rssBaseline / MB,
      rssPeakMB: rssPeak / MB,
      rssGrowthMB: (rssPeak - rssBaseline) / MB,
      rssPeakAtMs,
      heapUsedPeakMB: heapPeak / MB,
      eventLoopDelayMs: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) },
      gcBeforeBaseline: gc !== undefined,
    };
  } finally {
    cluster.close();
  }
}
