/**
 * A large backlog drained through @ordo/rdkafka on @ordo/kafka-mock: how much the
 * process grows (RSS) and how long the event loop is blocked while it drains. The
 * backlog is produced first, then a key-mode consumer with a 1 ms handler and the
 * default `maxBufferedPerPartition` reads it; backpressure should keep what it holds
 * to about that limit per partition instead of taking the backlog in at once.
 * Targets: RSS growth under 100 MB for 1,000,000 records; event-loop delay p99 under
 * 50 ms and max under 200 ms while draining. Not a test: RSS and delays are noisy.
 *
 * The cluster and the producer run in a child process (backlog-cluster.ts), so that the
 * RSS measured is the consumer's alone: librdkafka's mock brokers build each Fetch
 * response in their own process's heap, and in one process that counted as the
 * consumer's growth. `BENCH_BACKLOG_CLUSTER=inline` runs everything in one process, as
 * the bench did before, for comparison.
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createConsumer, silentLogger } from '@ordo/core';
import { startMockCluster } from '@ordo/kafka-mock';
import { rdkafkaDriver } from '@ordo/rdkafka';
import {
  CLUSTER_PROCESS_FLAG,
  produceBacklog,
  type BacklogClusterReady,
  type BacklogClusterRequest,
} from './backlog-cluster.js';

// kafka-mock keeps about 5 MB of each partition: 1,000,000 records of about 90 bytes
// (a 50-byte JSON value, a key, the type header) take under 4 MB on each of 24.
const PARTITIONS = 24;
const KEYS = 10_000;
const HANDLER_MS = 1;
const MAX_IN_FLIGHT = 64;
const FAST_GROUP = { 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 500, 'max.poll.interval.ms': 10000 } as const;

/** Where the cluster and the producer ran. */
export type BacklogClusterPlacement = 'child process' | 'inline';

/** Memory of the process at one moment, in MB (`process.memoryUsage()`). */
export interface MemorySample {
  readonly rssMB: number;
  readonly heapTotalMB: number;
  readonly heapUsedMB: number;
  /** Memory outside V8's heap held by JS objects: Buffers' contents among it. */
  readonly externalMB: number;
  readonly arrayBuffersMB: number;
}

export interface BacklogBenchResult {
  readonly records: number;
  readonly partitions: number;
  readonly handlerMs: number;
  readonly maxInFlight: number;
  readonly cluster: BacklogClusterPlacement;
  readonly drainMs: number;
  readonly recordsPerSecond: number;
  readonly rssBaselineMB: number;
  readonly rssPeakMB: number;
  readonly rssGrowthMB: number;
  /** When the peak was seen, in ms after the consumer started. */
  readonly rssPeakAtMs: number;
  readonly heapUsedPeakMB: number;
  /** The process's memory at the baseline and at the RSS peak. */
  readonly memoryAtBaseline: MemorySample;
  readonly memoryAtPeak: MemorySample;
  readonly eventLoopDelayMs: { readonly p50: number; readonly p99: number; readonly max: number };
  /** Whether a forced garbage collection (node --expose-gc) preceded the baseline. */
  readonly gcBeforeBaseline: boolean;
}

const MB = 1024 * 1024;

function memorySample(): MemorySample {
  const m = process.memoryUsage();
  return {
    rssMB: m.rss / MB,
    heapTotalMB: m.heapTotal / MB,
    heapUsedMB: m.heapUsed / MB,
    externalMB: m.external / MB,
    arrayBuffersMB: m.arrayBuffers / MB,
  };
}

/** A cluster holding the backlog, and how to stop it. */
interface BacklogCluster {
  readonly bootstrapServers: string;
  readonly produceMs: number;
  close(): void;
}

/** Starts the cluster and writes the backlog in a child process; resolves once it is written. */
async function backlogInChild(request: BacklogClusterRequest): Promise<BacklogCluster> {
  const child = fork(fileURLToPath(new URL('./backlog-cluster.ts', import.meta.url)), [CLUSTER_PROCESS_FLAG]);
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`the backlog cluster process exited (${code})`))),
  );
  exited.catch(() => undefined);
  child.send(request);
  const ready = await Promise.race([
    new Promise<BacklogClusterReady>((resolve) => child.once('message', (m) => resolve(m as BacklogClusterReady))),
    exited,
  ]);
  return { ...ready, close: () => child.disconnect() };
}

/** The same in this process, as the bench did before. */
async function backlogInline(request: BacklogClusterRequest): Promise<BacklogCluster> {
  const cluster = startMockCluster({ brokers: 3 });
  cluster.createTopic(request.topic, request.partitions);
  const started = performance.now();
  await produceBacklog(cluster.bootstrapServers, request);
  return {
    bootstrapServers: cluster.bootstrapServers,
    produceMs: performance.now() - started,
    close: () => cluster.close(),
  };
}

/** Produces `records`, then drains them, sampling RSS and the event loop's delay. */
export async function benchBacklog(records: number, log: (line: string) => void): Promise<BacklogBenchResult> {
  const placement: BacklogClusterPlacement =
    process.env.BENCH_BACKLOG_CLUSTER === 'inline' ? 'inline' : 'child process';
  const topic = `backlog-${randomUUID().slice(0, 8)}`;
  const request = { topic, partitions: PARTITIONS, records, keys: KEYS };
  const cluster = await (placement === 'inline' ? backlogInline(request) : backlogInChild(request));
  try {
    log(`produced ${records} records in ${(cluster.produceMs / 1000).toFixed(1)} s (cluster: ${placement})`);
    const driver = rdkafkaDriver({
      brokers: cluster.bootstrapServers,
      // BENCH_BACKLOG_LIBRDKAFKA='{"queued.min.messages": 1000}' tries other consumer settings.
      consumer: { ...FAST_GROUP, ...(JSON.parse(process.env.BENCH_BACKLOG_LIBRDKAFKA ?? '{}') as object) },
      createTopics: () => undefined,
    });
    for (let partition = 0; partition < PARTITIONS; partition++) {
      const { low } = await driver.admin().watermarks(topic, partition);
      if (low !== 0) throw new Error(`kafka-mock dropped records of partition ${partition} (low watermark ${low})`);
    }

    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const memoryAtBaseline = memorySample();
    const rssBaseline = process.memoryUsage.rss();
    let rssPeak = rssBaseline;
    let memoryAtPeak = memoryAtBaseline;
    let rssPeakAtMs = 0;
    let heapPeak = 0;
    let started = performance.now();
    const sample = () => {
      const rss = process.memoryUsage.rss();
      if (rss > rssPeak) {
        rssPeak = rss;
        memoryAtPeak = memorySample();
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
    const progress = setInterval(() => {
      const m = memorySample();
      log(
        `  ${handled} handled, rss +${(m.rssMB - memoryAtBaseline.rssMB).toFixed(0)} MB (V8 heap ${m.heapUsedMB.toFixed(0)} used of ${m.heapTotalMB.toFixed(0)}, external ${m.externalMB.toFixed(0)} MB)`,
      );
    }, 5000);
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
      cluster: placement,
      drainMs,
      recordsPerSecond: (records / drainMs) * 1000,
      rssBaselineMB: rssBaseline / MB,
      rssPeakMB: rssPeak / MB,
      rssGrowthMB: (rssPeak - rssBaseline) / MB,
      rssPeakAtMs,
      heapUsedPeakMB: heapPeak / MB,
      memoryAtBaseline,
      memoryAtPeak,
      eventLoopDelayMs: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) },
      gcBeforeBaseline: gc !== undefined,
    };
  } finally {
    cluster.close();
  }
}
