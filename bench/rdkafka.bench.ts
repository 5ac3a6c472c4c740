/**
 * @ordo/rdkafka against raw node-rdkafka, in one process, on one @ordo/kafka-mock
 * cluster, with the same librdkafka settings (idempotence, acks=all, murmur2
 * partitioner, linger.ms=5) and the same records (JSON value, key, the three headers
 * Ordo writes). Each round runs A-B-A or B-A-B; the headline is the median over rounds
 * of the drift-corrected ratio, reported with the noise floor (identical code run
 * twice in the same round), because on a small shared machine run-to-run noise is
 * larger than the differences measured. Each side's process CPU time per message is
 * reported too: it does not depend on how much of the machine other processes take.
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
// What rdkafkaDriver sets by default, given to raw as well (message and fetch sizes:
// maxRecordBytes, 1 MiB + 64 KiB, plus 64 KiB of protocol room).
const SAME_PRODUCER_SETTINGS = { 'enable.idempotence': true, 'linger.ms': 5, 'message.max.bytes': 1_179_648 } as const;
const SAME_TOPIC_SETTINGS = { 'request.required.acks': -1, partitioner: 'murmur2_random' } as const;
const FAST_GROUP = { 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 500, 'max.poll.interval.ms': 10000 } as const;
const SAME_CONSUMER_SETTINGS = {
  'fetch.message.max.bytes': 1_179_648,
  'partition.assignment.strategy': 'cooperative-sticky',
} as const;

export interface ComparedFigure {
  readonly raw: number;
  readonly ordo: number;
  /** ordo / raw for throughputs; raw / ordo for latencies (higher is better for Ordo either way). */
  readonly ratio: number;
  readonly unit: string;
}

/**
 * A throughput comparison over rounds of three runs, A-B-A or B-A-B (raw and Ordo
 * take turns at being run twice). Each round's ratio sets the side run once against
 * the mean of the side run twice, which cancels drift within the round; the two runs
 * of the same side measure the noise floor: how much identical code differs here.
 */
export interface ThroughputComparison {
  /** Median runs, msg/s. */
  readonly median: ComparedFigure;
  /** Median over rounds of the drift-corrected ordo / raw ratio: the headline figure. */
  readonly pairedRatio: number;
  /** Quartiles of the rounds' ratios. */
  readonly pairedRatioQuartiles: readonly [number, number];
  /**
   * Noise floor: quartiles of second / first run of the same side within a round.
   * Identical code; anything other than [1, 1] is this machine's noise.
   */
  readonly sameCodeRatioQuartiles: readonly [number, number];
  /**
   * Median CPU time of the whole process per message, in µs (every thread: the client's,
   * the garbage collector's, the mock brokers'). Unlike throughput, it does not depend
   * on how much of the machine other processes take, so it shows what each side costs:
   * on a machine with no spare core, throughput follows it.
   */
  readonly cpuMicrosPerMessage: ComparedFigure;
  readonly rounds: readonly { readonly raw: readonly number[]; readonly ordo: readonly number[] }[];
}

/** One measured run: throughput, and CPU time of the process over the same window. */
interface RunFigures {
  readonly perSecond: number;
  readonly cpuMicrosPerMessage: number;
}

/** Starts a measurement window; `end(messages)` gives the run's figures. */
function window(): { end(messages: number): RunFigures } {
  const started = performance.now();
  const cpu = process.cpuUsage();
  return {
    end(messages) {
      const elapsed = performance.now() - started;
      const used = process.cpuUsage(cpu);
      return { perSecond: (messages / elapsed) * 1000, cpuMicrosPerMessage: (used.user + used.system) / messages };
    },
  };
}

export interface RdkafkaBenchResult {
  readonly messages: number;
  readonly produceRounds: number;
  readonly consumeRounds: number;
  readonly produce: ThroughputComparison;
  readonly consume: ThroughputComparison;
  readonly publishLatencyP50: ComparedFigure;
  readonly publishLatencyP99: ComparedFigure;
}

const value = (i: number) => ({ id: `account-${i % KEYS}`, seq: i, balance: i * 3, currency: 'EUR' });
const percentile = (xs: readonly number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)]!;
const median = (xs: readonly number[]) => percentile(xs, 0.5);
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function connect(client: Kafka.Producer | Kafka.KafkaConsumer): Promise<void> {
  return new Promise((resolve, reject) => client.connect({}, (e) => (e ? reject(e) : resolve())));
}
function disconnect(client: Kafka.Producer | Kafka.KafkaConsumer): Promise<void> {
  return new Promise((resolve) => client.disconnect(() => resolve()));
}

/** Raw node-rdkafka: produce everything, then wait for every delivery report. */
async function rawProduce(servers: string, topic: string, n: number): Promise<RunFigures> {
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
  const measured = window();
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
  const figures = measured.end(n);
  producer.setPollInterval(0);
  await disconnect(producer);
  return figures;
}

/** Ordo: publishMany in chunks, all chunks in flight at once. */
async function ordoProduce(servers: string, topic: string, n: number): Promise<RunFigures> {
  const driver = rdkafkaDriver({ brokers: servers, producer: { 'linger.ms': 5 }, createTopics: () => undefined });
  const producer = createProducer({ driver });
  await producer.connect();
  const measured = window();
  const chunks: Promise<unknown>[] = [];
  for (let start = 0; start < n; start += 1000) {
    const batch = Array.from({ length: Math.min(1000, n - start) }, (_, j) => {
      const i = start + j;
      return { topic, key: `account-${i % KEYS}`, type: 'balance-changed', value: value(i) };
    });
    chunks.push(producer.publishMany(batch));
  }
  await Promise.all(chunks);
  const figures = measured.end(n);
  await producer.disconnect();
  return figures;
}

/** Raw node-rdkafka consumer in flowing mode; time from first to last message. */
async function rawConsume(servers: string, topic: string, n: number): Promise<RunFigures> {
  const consumer = new Kafka.KafkaConsumer(
    {
      'bootstrap.servers': servers,
      'group.id': `raw-${randomUUID()}`,
      'enable.auto.commit': false,
      ...FAST_GROUP,
      ...SAME_CONSUMER_SETTINGS,
    },
    { 'auto.offset.reset': 'earliest' },
  );
  await connect(consumer);
  let seen = 0;
  let measured: ReturnType<typeof window> | undefined;
  const done = new Promise<RunFigures>((resolve) =>
    consumer.on('data', () => {
      if (seen++ === 0) measured = window();
      // From the first message to the last: n - 1 intervals.
      if (seen === n) resolve(measured!.end(n - 1));
    }),
  );
  consumer.setDefaultConsumeTimeout(100);
  consumer.setDefaultConsumeLoopTimeoutDelay(0);
  consumer.subscribe([topic]);
  consumer.consume();
  const figures = await done;
  await disconnect(consumer);
  return figures;
}

/** Ordo consumer, key mode, no-op handler, commits on; time from first to last handled. */
async function ordoConsume(servers: string, topic: string, n: number): Promise<RunFigures> {
  const driver = rdkafkaDriver({ brokers: servers, consumer: FAST_GROUP });
  const consumer = createConsumer({
    driver,
    groupId: `ordo-${randomUUID()}`,
    topics: [topic],
    concurrency: { mode: 'key', maxInFlight: 64 },
    logger: silentLogger,
  });
  let seen = 0;
  let measured: ReturnType<typeof window> | undefined;
  let finish!: (figures: RunFigures) => void;
  const done = new Promise<RunFigures>((resolve) => (finish = resolve));
  consumer.handle('balances', 'balance-changed', () => {
    if (seen++ === 0) measured = window();
    if (seen === n) finish(measured!.end(n - 1));
  });
  await consumer.start();
  const figures = await done;
  await consumer.stop();
  return figures;
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

type Side = 'raw' | 'ordo';

/** Runs `rounds` rounds of raw and Ordo, A-B-A then B-A-B, and summarizes them. */
async function compare(
  rounds: number,
  run: (side: Side, round: number, turn: number) => Promise<RunFigures>,
  log: (line: string) => void,
  label: string,
): Promise<ThroughputComparison> {
  const results: { raw: number[]; ordo: number[] }[] = [];
  const cpu = { raw: [] as number[], ordo: [] as number[] };
  const paired: number[] = [];
  const sameCode: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const order: Side[] = round % 2 === 0 ? ['raw', 'ordo', 'raw'] : ['ordo', 'raw', 'ordo'];
    const r = { raw: [] as number[], ordo: [] as number[] };
    for (let turn = 0; turn < order.length; turn++) {
      const side = order[turn]!;
      const figures = await run(side, round, turn);
      r[side].push(figures.perSecond);
      cpu[side].push(figures.cpuMicrosPerMessage);
    }
    results.push(r);
    paired.push(mean(r.ordo) / mean(r.raw));
    const twice = order[0]!;
    sameCode.push(r[twice][1]! / r[twice][0]!);
    log(
      `${label} round ${round + 1}: raw ${r.raw.map((x) => x.toFixed(0)).join(', ')}/s; ordo ${r.ordo.map((x) => x.toFixed(0)).join(', ')}/s; ratio ${paired.at(-1)!.toFixed(3)}`,
    );
  }
  const raw = median(results.flatMap((r) => r.raw));
  const ordo = median(results.flatMap((r) => r.ordo));
  const rawCpu = median(cpu.raw);
  const ordoCpu = median(cpu.ordo);
  return {
    median: { raw, ordo, ratio: ordo / raw, unit: 'msg/s' },
    cpuMicrosPerMessage: { raw: rawCpu, ordo: ordoCpu, ratio: rawCpu / ordoCpu, unit: 'µs CPU/msg' },
    pairedRatio: median(paired),
    pairedRatioQuartiles: [percentile(paired, 0.25), percentile(paired, 0.75)],
    sameCodeRatioQuartiles: [percentile(sameCode, 0.25), percentile(sameCode, 0.75)],
    rounds: results,
  };
}

/**
 * Produce rounds each get a fresh mock cluster, so no round inherits the log the
 * earlier ones left in the broker's memory; consume rounds all read one topic.
 */
export async function benchRdkafka(
  messages: number,
  produceRounds: number,
  consumeRounds: number,
  log: (line: string) => void,
): Promise<RdkafkaBenchResult> {
  let cluster: MockCluster | undefined;
  const produce = await compare(
    produceRounds,
    async (side, round, turn) => {
      if (turn === 0) {
        cluster?.close();
        cluster = startMockCluster({ brokers: 3 });
      }
      const topic = `${side}-${round}-${turn}`;
      cluster!.createTopic(topic, PARTITIONS);
      const servers = cluster!.bootstrapServers;
      return side === 'raw' ? rawProduce(servers, topic, messages) : ordoProduce(servers, topic, messages);
    },
    log,
    'produce',
  );
  cluster?.close();
  cluster = startMockCluster({ brokers: 3 });
  try {
    const servers = cluster.bootstrapServers;
    // Identical records for both sides: what the Ordo producer writes.
    cluster.createTopic('balances', PARTITIONS);
    await ordoProduce(servers, 'balances', messages);
    const consume = await compare(
      consumeRounds,
      (side) =>
        side === 'raw' ? rawConsume(servers, 'balances', messages) : ordoConsume(servers, 'balances', messages),
      log,
      'consume',
    );
    cluster.createTopic('latency', PARTITIONS);
    const rawLat: number[] = [];
    const ordoLat: number[] = [];
    for (let round = 0; round < 3; round++) {
      rawLat.push(...(await rawLatencies(servers, 'latency', 300)));
      ordoLat.push(...(await ordoLatencies(servers, 'latency', 300)));
    }
    const latency = (p: number): ComparedFigure => {
      const raw = percentile(rawLat, p);
      const ordo = percentile(ordoLat, p);
      return { raw, ordo, ratio: raw / ordo, unit: 'ms' };
    };
    return {
      messages,
      produceRounds,
      consumeRounds,
      produce,
      consume,
      publishLatencyP50: latency(0.5),
      publishLatencyP99: latency(0.99),
    };
  } finally {
    cluster.close();
  }
}
