import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createConsumer } from '../consumer/consumer.js';
import type { ConsumerEvents } from '../consumer/consumer-events.js';
import { readTopic } from '../driver/read-topic.js';
import { InMemoryKafka } from '../drivers/memory/in-memory-kafka.js';
import { HandlerError } from '../errors.js';
import { silentLogger } from '../internal/logger.js';
import type { FailedMessageStore } from '../outbox/failed/failed-message.js';
import { NdjsonFailedMessageStore } from '../outbox/failed/ndjson-failed-message-store.js';
import { createProducer } from '../producer/producer.js';
import { waitFor } from '../testing/wait-for.js';
import { DEAD_LETTER_HEADERS } from './dead-letter-headers.js';
import { MemoryParkingLot } from './parking-lot.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ordo-dl-too-large-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A store whose first `failures` adds fail, as a database that is briefly away. */
function failingFirst(store: FailedMessageStore, failures: number): FailedMessageStore {
  let left = failures;
  return Object.assign(Object.create(store) as FailedMessageStore, {
    add: (entry: Parameters<FailedMessageStore['add']>[0]) =>
      left-- > 0 ? Promise.reject(new Error('store unavailable')) : store.add(entry),
  });
}

describe('a dead letter over the record size limit (its headers push it over), on InMemoryKafka', () => {
  it('goes whole to the failed-message store, a reference dead letter keeps its place, and the dead-letter consumer holds the key', async () => {
    const kafka = new InMemoryKafka({ topics: [{ name: 'users', partitions: 1 }], maxRecordBytes: 4_000 });
    const producer = createProducer({ driver: kafka });
    const store = new NdjsonFailedMessageStore({ path: path.join(dir, 'failed.ndjson') });
    const parkingLot = new MemoryParkingLot();
    const consumer = createConsumer({
      driver: kafka,
      groupId: 'app',
      topics: ['users'],
      retry: { attempts: 1 },
      deadLetter: { enabled: true, parkingLot, failedMessages: failingFirst(store, 2) },
      logger: silentLogger,
    });
    const blob = 'x'.repeat(3_700); // fits as an event, not with the dead-letter headers
    consumer.handle('users', 'user-updated', (event) => {
      if (event.key === 'U') throw new HandlerError('poison', { retriable: false });
    });
    const errors: ConsumerEvents['error'][] = [];
    const deadLettered: ConsumerEvents['dead-lettered'][] = [];
    consumer.on('error', (e) => errors.push(e));
    consumer.on('dead-lettered', (e) => deadLettered.push(e));
    await consumer.start();
    const big = await producer.publish({ topic: 'users', key: 'U', type: 'user-updated', value: { blob } });
    const next = await producer.publish({ topic: 'users', key: 'U', type: 'user-updated', value: { n: 2 } });
    await waitFor(() => deadLettered.length === 2, { timeoutMs: 10_000 });

    // Refused for size three times; the store failed the first two: every try reported with the record.
    expect(errors.map((e) => [e.error.code, (e.error.cause as { code: string }).code, e.record?.offset])).toEqual([
      ['ORDO_DEAD_LETTER_WRITE_FAILED', 'ORDO_RECORD_TOO_LARGE', big.offset],
      ['ORDO_DEAD_LETTER_WRITE_FAILED', 'ORDO_RECORD_TOO_LARGE', big.offset],
      ['ORDO_DEAD_LETTER_WRITE_FAILED', 'ORDO_RECORD_TOO_LARGE', big.offset],
    ]);
    expect(errors[0]!.error.message).toContain('setting it aside failed (store unavailable)');
    expect(errors[0]!.error.retriable).toBe(true); // the store's failure: retried
    expect(errors.at(-1)!.error.message).toContain('value stored as failed message');
    const [kept] = await store.list();
    expect(kept).toMatchObject({ origin: 'dead-letter', topic: 'users.dead-letter', key: 'U', type: 'user-updated' });
    expect(JSON.parse(kept!.payload!.toString())).toEqual({ blob });
    const dls = await readTopic(kafka, 'users.dead-letter', { timeoutMs: 2_000 });
    expect(dls.map((r) => r.value === null)).toEqual([true, false]); // in the key's order
    expect(String(dls[0]!.headers[DEAD_LETTER_HEADERS.failureId])).toBe(kept!.failureId);
    expect(deadLettered.map((d) => [d.record.offset, d.reason])).toEqual([
      [big.offset, 'handler-error'],
      [next.offset, 'parked'],
    ]);

    // The dead-letter consumer cannot handle a value it does not have: the key waits for an operator (O1).
    const drained: number[] = [];
    const deadLetters = consumer.deadLetterConsumer({
      overrides: { users: { handler: (e) => void drained.push(e.offset) } },
      retry: { attempts: 1 },
    });
    const failed: ConsumerEvents['failed'][] = [];
    deadLetters.on('failed', (f) => failed.push(f));
    await deadLetters.start();
    await waitFor(() => failed.length === 1, { timeoutMs: 10_000 });
    expect(failed[0]!.error.message).toContain(kept!.failureId);
    await new Promise((r) => setTimeout(r, 100));
    expect(drained).toEqual([]);
    expect((await parkingLot.list()).map((p) => p.key)).toEqual(['U']);
    await deadLetters.stop();
    await consumer.stop();
    await store.close();
    await producer.disconnect();
  }, 30_000);
});
