/**
 * What a parked key's followers cost, per parking-lot store, through the real client on
 * @ordo/kafka-mock: followers of one parked key dead-lettered per second, next to
 * ordinary dead letters (distinct failing keys), and the admin calls (metadata,
 * watermarks) each follower made. Not part of the tests.
 *
 * Usage: npx tsx --conditions=source bench/parking-lot.bench.ts [memory|sql|kafka ...]
 *        BENCH_FOLLOWERS=200 ... (default 100)
 */
import { randomUUID } from 'node:crypto';
import {
  createConsumer,
  createProducer,
  KafkaParkingLot,
  MemoryParkingLot,
  postgresExecutor,
  silentLogger,
  SqlParkingLot,
  type DriverAdmin,
  type KafkaDriver,
  type ParkingLot,
} from '@ordo/core';
import { startMockCluster } from '@ordo/kafka-mock';
import { rdkafkaDriver } from '@ordo/rdkafka';
import pg from 'pg';

const followers = Number(process.env.BENCH_FOLLOWERS ?? 100);
const stores = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['memory', 'sql', 'kafka'];
const cluster = startMockCluster({ brokers: 1 });
const pool = new pg.Pool({ connectionString: process.env.ORDO_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test' });
const FAST_GROUP = { 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 500, 'max.poll.interval.ms': 10000 };

/** Counts admin calls made through a driver. */
function counted(driver: KafkaDriver): { driver: KafkaDriver; calls: () => number } {
  let calls = 0;
  const wrap = (admin: DriverAdmin): DriverAdmin => ({
    ensureTopics: (t) => (calls++, admin.ensureTopics(t)),
    describeTopics: (n) => (calls++, admin.describeTopics(n)),
    committedOffsets: (g, t) => (calls++, admin.committedOffsets(g, t)),
    watermarks: (t, p) => (calls++, admin.watermarks(t, p)),
  });
  return {
    driver: {
      name: driver.name,
      capabilities: driver.capabilities,
      createProducer: () => driver.createProducer(),
      createConsumer: (o) => driver.createConsumer(o),
      admin: () => wrap(driver.admin()),
    },
    calls: () => calls,
  };
}

async function storeOf(name: string, driver: KafkaDriver): Promise<{ lot: ParkingLot; close: () => Promise<void> }> {
  if (name === 'memory') return { lot: new MemoryParkingLot(), close: async () => undefined };
  if (name === 'sql') {
    const table = `bench_parked_${randomUUID().slice(0, 8)}`;
    const lot = new SqlParkingLot({ executor: postgresExecutor(pool), table });
    await lot.migrate();
    return {
      lot,
      close: async () => {
        await pool.query(`DROP TABLE IF EXISTS ${table}`);
        await pool.query(`DROP TABLE IF EXISTS ${table}_pending`);
      },
    };
  }
  const topic = `bench-parking-${randomUUID().slice(0, 8)}`;
  cluster.createTopic(topic, 12);
  const lot = new KafkaParkingLot({ driver, topic });
  return { lot, close: () => lot.close() };
}

async function until(condition: () => boolean, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function run(name: string): Promise<void> {
  const real = rdkafkaDriver({
    brokers: cluster.bootstrapServers,
    createTopics: (topics) => topics.forEach((t) => cluster.createTopic(t.name, t.partitions)),
    consumer: FAST_GROUP,
  });
  const { driver, calls } = counted(real);
  const topic = `bench-users-${randomUUID().slice(0, 8)}`;
  cluster.createTopic(topic, 4);
  cluster.createTopic(`${topic}.dead-letter`, 4);
  const store = await storeOf(name, driver);
  const consumer = createConsumer({
    driver,
    groupId: `bench-${randomUUID()}`,
    topics: [topic],
    retry: { attempts: 1 },
    deadLetter: { enabled: true, parkingLot: store.lot, breaker: { maxDeadLettersPerMinute: 1_000_000 } },
    logger: silentLogger,
  });
  consumer.handle(topic, '*', () => {
    throw new Error('poison');
  });
  let deadLettered = 0;
  consumer.on('dead-lettered', () => void deadLettered++);
  await consumer.start();
  const producer = createProducer({ driver });
  await producer.publish({ topic, key: 'U', type: 'e', value: { n: 0 } });
  await until(() => deadLettered === 1);

  // Ordinary dead letters: distinct keys, each failing once.
  let start = performance.now();
  await Promise.all(
    Array.from({ length: followers }, (_, n) => producer.publish({ topic, key: `k-${n}`, type: 'e', value: { n } })),
  );
  await until(() => deadLettered === 1 + followers);
  const ordinary = followers / ((performance.now() - start) / 1000);

  // Followers of the parked key U: every one goes to the dead-letter topic as `parked`.
  const before = calls();
  start = performance.now();
  await Promise.all(
    Array.from({ length: followers }, (_, n) => producer.publish({ topic, key: 'U', type: 'e', value: { n } })),
  );
  await until(() => deadLettered === 1 + 2 * followers);
  const parked = followers / ((performance.now() - start) / 1000);
  const adminPerFollower = (calls() - before) / followers;
  console.log(
    `${name.padEnd(6)} ordinary dead letters ${ordinary.toFixed(0).padStart(5)}/s, parked followers ${parked.toFixed(1).padStart(7)}/s, admin calls per follower ${adminPerFollower.toFixed(2)}`,
  );
  await consumer.stop();
  await producer.disconnect();
  await store.close();
}

console.log(`${followers} ordinary dead letters, then ${followers} followers of one parked key, rdkafka on kafka-mock`);
for (const name of stores) await run(name);
await pool.end();
cluster.close();
