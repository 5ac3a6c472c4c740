/**
 * @ordo/rdkafka against raw node-rdkafka, in one process, on one @ordo/kafka-mock
 * cluster, with the same librdkafka settings (idempotence, acks=all, murmur2
 * partitioner, linger.ms=5) and the same records (JSON value, key, the three headers
 * Ordo writes). Runs are interleaved, alternating which side goes first; medians are
 * reported, and the median of each round's paired ratio.
 * Targets: producer throughput >= 95% of raw; key-mode consume with a no-op handler
 * >= 90% of raw; p50 of one awaited publish close to raw's.
 */
import { randomUUID } from 'node:crypto';
import { createConsumer, createProducer, silentLogger } from '@ordo/core';
import { startMockCluster, type MockCluster } from '@ordo/kafka-mock';
import { rdkafkaDriver } from '@ordo/rdkafka';
import Kafka from 'node-rdkafka';

const KEYS = 1000;
const PARTITIONS = 12;
const SAME_PRODUCER_SETTINGS = { 'enable.idempotence': true, 'linger.ms': 5 } as const;
const SAME_TOPIC_SETTINGS = { 'request.required.acks': -1, partitioner: 'murmur2_random' } as const;
const FAST_GROUP = { 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 500, 'max.poll.interval.ms': 10000 } as const;

export interface ComparedFigure {
  readonly raw: number;
  readonly ordo: number;
  /** ordo / raw for throughputs; raw / ordo for latencies (higher is better for Ordo either way). */
  readonly ratio: number;
  readonly unit: string;
}

export interface RdkafkaBenchResult {
  readonly messages: number;
  readonly rounds: number;
  readonly produceThroughput: ComparedFigure;
  readonly consumeThroughput: ComparedFigure;
  readonly publishLatencyP50: ComparedFigure;
  readonly publishLatencyP99: ComparedFigure;
  /** Median over rounds of ordo / raw within each back-to-back pair. */
  readonly producePairedRatio: number;
  readonly consumePairedRatio: number;
}

const value = (i: number) => ({ id: `account-${i % KEYS}`, seq: i, balance: i * 3, currency: 'EUR' });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)]!;

function connect(client: Kafka.Producer | Kafka.KafkaConsumer): Promise<void> {
  return new Promise((resolve, reject) => client.connect({}, (e) => (e ? reject(e) : resolve())));
}
function disconnect(client: Kafka.Producer | Kafka.KafkaConsumer): Promise<void> {
  return new Promise((resolve) => client.disconnect(() => resolve()));
}

/** Raw node-rdkafka: produce everything, then wait for every delivery report. */
async function rawProduce(servers: string, topic: string, n: number): Promise<number> {
  const producer = new Kafka.Producer(
    { 'bootstrap.servers': servers, dr_cb: true, ...SAME_PRODUCER_SETTINGS },
    SAME_TOPIC_SETTINGS,
  );
  await connect(producer);
  let delivered = 0;
  const done = new Promise<void>((resolve) =>
    producer.on('delivery-report', () => {
      if (++delivered === n) resolve();
    }),
  );
  producer.setPollInterval(1);
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const headers: Kafka.MessageHeader[] = [
      { 'ordo-id': randomUUID() },
      { 'ordo-type': 'balance-changed' },
      { 'content-type': 'application/json' },
    ];
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
        await new Promise((r) => setTimeout(r, 1)); // queue full: let deliveries drain
      }
    }
  }
  await done;
  const elapsed = performance.now() - started;
  producer.setPollInterval(0);
  await disconnect(producer);
  return (n / elapsed) * 1000;
}

/** Ordo: publishMany in chunks, all chunks in flight at once. */
async function ordoProduce(servers: string, cluster: MockCluster, topic: string, n: number): Promise<number> {
  const driver = rdkafkaDriver({ brokers: servers, producer: { 'linger.ms': 5 }, createTopics: () => undefined });
  const producer = createProducer({ driver });
  await producer.connect();
  const started = performance.now();
  const chunks: Promise<unknown>[] = [];
  for (let start = 0; start < n; start += 1000) {
    const batch = Array.from({ length: Math.min(1000, n - start) }, (_, j) => {
      const i = start + j;
      return { topic, key: `account-${i % KEYS}`, type: 'balance-changed', value: value(i) };
    });
    chunks.push(producer.publishMany(batch));
  }
  await Promise.all(chunks);
  const elapsed = performance.now() - started;
  await producer.disconnect();
  void cluster;
  return (n / elapsed) * 1000;
}

/** Raw node-rdkafka consumer in flowing mode; time from first to last message. */
async function rawConsume(servers: string, topic: string, n: number): Promise<number> {
  const consumer = new Kafka.KafkaConsumer(
    { 'bootstrap.servers': servers, 'group.id': `raw-${randomUUID()}`, 'enable.auto.commit': false, ...FAST_GROUP },
    { 'auto.offset.reset': 'earliest' },
  );
  await connect(consumer);
  let seen = 0;
  let first = 0;
  const done = new Promise<number>((resolve) =>
    consumer.on('data', () => {
      if (seen++ === 0) first = performance.now();
      if (seen === n) resolve(performance.now() - first);
    }),
  );
  consumer.setDefaultConsumeTimeout(100);
  consumer.setDefaultConsumeLoopTimeoutDelay(0);
  consumer.subscribe([topic]);
  consumer.consume();
  const elapsed = await done;
  await disconnect(consumer);
  return (n / elapsed) * 1000;
}

/** Ordo consumer, key mode, no-op handler, commits on; time from first to last handled. */
async function ordoConsume(servers: string, topic: string, n: number): Promise<number> {
  const driver = rdkafkaDriver({ brokers: servers, consumer: FAST_GROUP });
  const consumer = createConsumer({
    driver,
    groupId: `ordo-${randomUUID()}`,
    topics: [topic],
    concurrency: { mode: 'key', maxInFlight: 64 },
    logger: silentLogger,
  });
  let seen = 0;
  let first = 0;
  let finish!: (ms: number) => void;
  const done = new Promise<number>((resolve) => (finish = resolve));
  consumer.handle('balances', 'balance-changed', () => {
    if (seen++ === 0) first = performance.now();
    if (seen === n) finish(performance.now() - first);
  });
  await consumer.start();
  const elapsed = await done;
  await consumer.stop();
  return (n / elapsed) * 1000;
}

/** Sequential awaited single publishes: latency per publish, in ms. */
async function rawLatencies(servers: string, topic: string, count: number): Promise<number[]> {
  const producer = new Kafka.Producer(
    { 'bootstrap.servers': servers, dr_cb: true, ...SAME_PRODUCER_SETTINGS, 'linger.ms': 0 },
    SAME_TOPIC_SETTINGS,
  );
  await connect(producer);
  let resolveOne: () => void = () => undefined;
  producer.on('delivery-report', () => resolveOne());
  // The usual raw setup: a 1 ms poll interval serves delivery reports.
  producer.setPollInterval(1);
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const delivered = new Promise<void>((r) => (resolveOne = r));
    producer.produce(topic, null, Buffer.from(JSON.stringify(value(i))), `account-${i % KEYS}`, Date.now());
    await delivered;
    latencies.push(performance.now() - started);
  }
  producer.setPollInterval(0);
  await disconnect(producer);
  return latencies;
}

async function ordoLatencies(servers: string, topic: string, count: number): Promise<number[]> {
  const producer = createProducer({ driver: rdkafkaDriver({ brokers: servers, producer: { 'linger.ms': 0 } }) });
  await producer.connect();
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await producer.publish({ topic, key: `account-${i % KEYS}`, type: 'balance-changed', value: value(i) });
    latencies.push(performance.now() - started);
  }
  await producer.disconnect();
  return latencies;
}

/** Runs every comparison `rounds` times, interleaved, and reports medians. */
export async function benchRdkafka(
  messages: number,
  rounds: number,
  log: (line: string) => void,
): Promise<RdkafkaBenchResult> {
  const cluster = startMockCluster({ brokers: 3 });
  const servers = cluster.bootstrapServers;
  try {
    const produce = { raw: [] as number[], ordo: [] as number[] };
    const consume = { raw: [] as number[], ordo: [] as number[] };
    for (let round = 0; round < rounds; round++) {
      const rawTopic = `raw-${round}`;
      const ordoTopic = `ordo-${round}`;
      cluster.createTopic(rawTopic, PARTITIONS);
      cluster.createTopic(ordoTopic, PARTITIONS);
      // Alternate which goes first, so neither side always inherits the other's wake.
      if (round % 2 === 0) {
        produce.raw.push(await rawProduce(servers, rawTopic, messages));
        produce.ordo.push(await ordoProduce(servers, cluster, ordoTopic, messages));
      } else {
        produce.ordo.push(await ordoProduce(servers, cluster, ordoTopic, messages));
        produce.raw.push(await rawProduce(servers, rawTopic, messages));
      }
      log(
        `round ${round + 1}: produce raw ${produce.raw.at(-1)!.toFixed(0)}/s, ordo ${produce.ordo.at(-1)!.toFixed(0)}/s`,
      );
    }
    // Consume what round 1 of the Ordo producer wrote (identical records), raw and Ordo in turn.
    cluster.createTopic('balances', PARTITIONS);
    await ordoProduce(servers, cluster, 'balances', messages);
    for (let round = 0; round < rounds; round++) {
      if (round % 2 === 0) {
        consume.raw.push(await rawConsume(servers, 'balances', messages));
        consume.ordo.push(await ordoConsume(servers, 'balances', messages));
      } else {
        consume.ordo.push(await ordoConsume(servers, 'balances', messages));
        consume.raw.push(await rawConsume(servers, 'balances', messages));
      }
      log(
        `round ${round + 1}: consume raw ${consume.raw.at(-1)!.toFixed(0)}/s, ordo ${consume.ordo.at(-1)!.toFixed(0)}/s`,
      );
    }
    cluster.createTopic('latency', PARTITIONS);
    const rawLat: number[] = [];
    const ordoLat: number[] = [];
    for (let round = 0; round < rounds; round++) {
      rawLat.push(...(await rawLatencies(servers, 'latency', 300)));
      ordoLat.push(...(await ordoLatencies(servers, 'latency', 300)));
    }
    const figure = (raw: number, ordo: number, unit: string, higherIsBetter: boolean): ComparedFigure => ({
      raw,
      ordo,
      ratio: higherIsBetter ? ordo / raw : raw / ordo,
      unit,
    });
    // Each round's pair ran back to back on the same machine state: the median of their
    // ratios is less exposed to drift between rounds than the ratio of the medians.
    const paired = (xs: { raw: number[]; ordo: number[] }) => median(xs.ordo.map((o, i) => o / xs.raw[i]!));
    return {
      messages,
      rounds,
      produceThroughput: figure(median(produce.raw), median(produce.ordo), 'msg/s', true),
      consumeThroughput: figure(median(consume.raw), median(consume.ordo), 'msg/s', true),
      producePairedRatio: paired(produce),
      consumePairedRatio: paired(consume),
      publishLatencyP50: figure(percentile(rawLat, 0.5), percentile(ordoLat, 0.5), 'ms', false),
      publishLatencyP99: figure(percentile(rawLat, 0.99), percentile(ordoLat, 0.99), 'ms', false),
    };
  } finally {
    cluster.close();
  }
}
