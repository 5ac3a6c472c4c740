import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryKafka } from '../../drivers/memory/in-memory-kafka.js';
import { DeliveryError } from '../../errors.js';
import { createProducer } from '../../producer/producer.js';
import { publishedEvents } from '../outbox.test-support.js';
import { createFailedMessages } from './failed-messages.js';
import { NdjsonFailedMessageStore } from './ndjson-failed-message-store.js';

describe('direct publishes the broker never acknowledged', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ordo-failed-publish-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('are spooled before publish rejects, and an operator republishes them with their ordo-id', async () => {
    const kafka = new InMemoryKafka({ partitions: 2 });
    const path = join(dir, 'failed.ndjson');
    const producer = createProducer({
      driver: kafka,
      retry: { attempts: 2, backoff: { initialMs: 1, maxMs: 1, jitter: 'none' } },
      failedMessages: new NdjsonFailedMessageStore({ path }),
    });
    kafka.faults.failNextSends(2, { message: 'broker unreachable' });
    const error = await producer
      .publishMany([
        { topic: 'payments', key: 'p1', type: 'paid', value: { amount: 10 }, headers: { traceparent: 't1' } },
        { topic: 'payments', key: 'p1', type: 'refunded', value: { amount: 10 } },
      ])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    const { failureIds } = error as DeliveryError;
    expect(failureIds).toHaveLength(2);

    // A new process reads the spool: nothing was lost with the first one.
    const store = new NdjsonFailedMessageStore({ path });
    const failed = createFailedMessages({ store, producer });
    const listed = await failed.list();
    expect(listed.map((m) => [m.failureId, m.origin, m.type, m.headers])).toEqual([
      [failureIds[0], 'publish', 'paid', { traceparent: 't1', 'content-type': 'application/json' }],
      [failureIds[1], 'publish', 'refunded', { 'content-type': 'application/json' }],
    ]);
    expect(await failed.retryAll({}, { to: 'kafka' })).toEqual({ republished: 2, failed: 0 });
    const events = publishedEvents(kafka, 'payments', 2);
    expect(events.map((e) => [e.id, e.type, e.value])).toEqual([
      [listed[0]!.messageId, 'paid', { amount: 10 }],
      [listed[1]!.messageId, 'refunded', { amount: 10 }],
    ]);
    expect(events[0]!.record.headers.traceparent).toBe('t1');
    await store.close();
  });
});
