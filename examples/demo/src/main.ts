/**
 * Ordo demo on embedded defaults (no broker needed): the mobile-app service consumes
 * the user service's events. Each user's events are handled in order; different
 * users are handled in parallel; one transient failure is retried.
 */
import { createConsumer, createProducer, InMemoryKafka, silentLogger } from '@ordo/core';
import { contracts, userStory, type UserEvent } from './user-events.js';

const started = performance.now();
const clock = () => `+${String(Math.round(performance.now() - started)).padStart(4)}ms`;

const kafka = new InMemoryKafka({ topics: [{ name: 'users', partitions: 4 }] });
const producer = createProducer({ driver: kafka, contracts });
const consumer = createConsumer({
  driver: kafka,
  groupId: 'mobile-app',
  topics: ['users'],
  contracts,
  concurrency: { mode: 'key', maxInFlight: 8 },
  retry: { attempts: 3, backoff: { initialMs: 100, maxMs: 1_000 } },
  logger: silentLogger,
});

const seen = new Map<string, number[]>();
let running = 0;
let peak = 0;
let failedOnce = false;
let retries = 0;
const partitionOf = new Map<string, number>();

for (const type of ['user-created', 'user-updated', 'user-deleted']) {
  consumer.handle<UserEvent>('users', type, async (event, ctx) => {
    peak = Math.max(peak, ++running);
    try {
      // The legacy mobile backend is slow, and once it answers 503.
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 60));
      if (event.key === 'carol' && event.value.version === 2 && !failedOnce) {
        failedOnce = true;
        throw new Error('mobile backend answered 503');
      }
      partitionOf.set(event.key!, event.partition);
      seen.set(event.key!, [...(seen.get(event.key!) ?? []), event.value.version]);
      console.log(
        `${clock()}  ${event.key!.padEnd(6)} ${event.type.padEnd(13)} v${event.value.version}` +
          `  partition ${event.partition} offset ${event.offset}${ctx.attempt > 1 ? `  (attempt ${ctx.attempt})` : ''}`,
      );
    } finally {
      running--;
    }
  });
}
consumer.on('retrying', ({ record, attempt, delayMs, error }) => {
  retries++;
  console.log(
    `${clock()}  ${String(record.key).padEnd(6)} attempt ${attempt} failed: ${(error as Error).message}; ` +
      `retrying in ${Math.round(delayMs)} ms (other users carry on)`,
  );
});

console.log('Ordo demo: the user service publishes 20 events for 5 users to "users" (4 partitions).\n');
await producer.publishMany(userStory().map((e) => ({ topic: 'users', ...e })));
await consumer.start();

const total = userStory().length;
while ([...seen.values()].flat().length < total) await new Promise((r) => setTimeout(r, 10));
await consumer.stop();
await producer.disconnect();

const inOrder = [...seen.values()].every((versions) => versions.join() === '1,2,3,4');
console.log(`\n${total} events handled in ${Math.round(performance.now() - started)} ms.`);
console.log(`Per-user order kept: ${inOrder ? 'yes' : 'NO'} (each user saw v1 → v2 → v3 → v4).`);
console.log(`Users handled in parallel: up to ${peak} at once.`);
console.log(`Retries: ${retries}, without holding up the other users.`);
const byPartition = new Map<number, string[]>();
for (const [user, p] of partitionOf) byPartition.set(p, [...(byPartition.get(p) ?? []), user]);
for (const [p, users] of byPartition) {
  if (users.length > 1)
    console.log(`Partition ${p} holds ${users.join(', ')}: one partition, still handled in parallel by key.`);
}
const committed = [0, 1, 2, 3].reduce(
  (sum, p) => sum + (kafka.committed('mobile-app', { topic: 'users', partition: p }) ?? 0),
  0,
);
console.log(`Committed offsets cover all ${committed} events.`);
if (!inOrder || committed !== total) process.exitCode = 1;
