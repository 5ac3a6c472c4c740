/**
 * A consumer process of the fault suite: the real engine on the real client, a handler
 * that logs its start and end (one synchronous append each, so a SIGKILL loses nothing
 * written), and the consumer's commits, dead letters and rebalances in the same log.
 * Config: JSON in ORDO_FAULT_CHILD (see ConsumerChildConfig).
 */
import {
  createConsumer,
  mysqlExecutor,
  postgresExecutor,
  silentLogger,
  SqlFailedMessageStore,
  SqlParkingLot,
} from '@ordo/core';
import type { ConsumedEvent, ParkingLot } from '@ordo/core';
import { rdkafkaDriver } from '@ordo/rdkafka';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { FaultLog } from '../log/fault-log.js';
import {
  CHILD_CONFIG_ENV,
  FAULT_EVENT_TYPE,
  type ConsumerChildConfig,
  type FaultEventValue,
  type ParkingLotConfig,
} from './child-config.js';
import { FAST_GROUP } from './fast-group.js';
import { sabotagedDriver } from './sabotaged-driver.js';
import { seeded } from './seed.js';

const config = JSON.parse(process.env[CHILD_CONFIG_ENV]!) as ConsumerChildConfig;
const log = new FaultLog(config.logFile, config.proc);
const random = seeded(config.seed);

async function openParkingLot(lot: ParkingLotConfig): Promise<{ lot?: ParkingLot; close(): Promise<void> }> {
  if (lot.kind === 'memory') return { close: async () => undefined };
  if (lot.kind === 'postgres') {
    const pool = new pg.Pool({ connectionString: lot.url, max: 4, connectionTimeoutMillis: 2_000 });
    pool.on('error', () => undefined); // a cut connection; the parking lot's own calls report it
    const parking = new SqlParkingLot({ executor: postgresExecutor(pool), table: lot.table });
    return { lot: parking, close: () => pool.end() };
  }
  const pool = mysql.createPool({ uri: lot.url, connectionLimit: 4 });
  const parking = new SqlParkingLot({ executor: mysqlExecutor(pool), table: lot.table });
  return { lot: parking, close: () => pool.end() };
}

const coordinates = (r: { topic: string; partition: number; offset: number }) => ({
  topic: r.topic,
  partition: r.partition,
  offset: r.offset,
});
const delay = (ms: number) => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : undefined);

const parking = await openParkingLot(config.parkingLot);
const failedPool = config.failedMessages
  ? new pg.Pool({ connectionString: config.failedMessages.url, max: 2, connectionTimeoutMillis: 2_000 })
  : undefined;
failedPool?.on('error', () => undefined);
const failedMessages =
  failedPool &&
  new SqlFailedMessageStore({ executor: postgresExecutor(failedPool), table: config.failedMessages!.table });
const base = rdkafkaDriver({ brokers: config.brokers, createTopics: () => undefined, consumer: FAST_GROUP });
const driver = config.sabotage ? sabotagedDriver(base, config.sabotage) : base;
const consumer = createConsumer({
  driver,
  groupId: config.groupId,
  topics: config.topics,
  concurrency: { mode: 'key', maxInFlight: config.maxInFlight },
  retry: { attempts: 2, backoff: { initialMs: 5, maxMs: 20 } },
  commitIntervalMs: 100,
  revokeTimeoutMs: 3_000,
  shutdownTimeoutMs: 5_000,
  deadLetter: config.deadLetters
    ? { enabled: true, parkingLot: parking.lot, failedMessages, breaker: { maxDeadLettersPerMinute: 100_000 } }
    : undefined,
  logger: silentLogger,
});

async function handle(event: ConsumedEvent<FaultEventValue>): Promise<void> {
  const at = { topic: event.topic, partition: event.partition, offset: event.offset, key: event.value.k, id: event.id };
  log.write({ kind: 'start', ...at });
  const ms = random.int(config.handlerMs[0], config.handlerMs[1]);
  await delay(ms);
  if (event.value.poison) {
    log.write({ kind: 'end', ...at, ok: false });
    throw new Error(`poison event ${event.value.n}`);
  }
  log.write({ kind: 'end', ...at, ok: true });
}
for (const topic of config.topics) consumer.handle(topic, FAULT_EVENT_TYPE, handle);

consumer.on('committed', ({ offsets }) => {
  for (const o of offsets) log.write({ kind: 'commit', topic: o.topic, partition: o.partition, offset: o.offset });
});
consumer.on('dead-lettered', ({ record, reason, deadLetterOffset }) =>
  log.write({ kind: 'dead-lettered', ...coordinates(record), reason, deadLetterOffset }),
);
const names = (ps: readonly { topic: string; partition: number }[]) => ps.map((p) => `${p.topic}/${p.partition}`);
consumer.on('rebalanced', (r) =>
  log.write({ kind: 'rebalance', assigned: names(r.assigned), revoked: names(r.revoked), lost: names(r.lost) }),
);
consumer.on('error', ({ error }) => {
  log.write({ kind: 'error', code: error.code, message: error.message.slice(0, 300) });
  process.stderr.write(`${config.proc} error ${error.code}: ${error.message}\n`);
});

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  void consumer
    .stop()
    .then(() => parking.close())
    .then(() => failedPool?.end())
    .finally(() => process.exit(0));
});
await consumer.start();
process.stdout.write('started\n');
