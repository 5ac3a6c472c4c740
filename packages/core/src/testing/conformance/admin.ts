import { expect, it } from 'vitest';
import { createConsumer } from '../../consumer/consumer.js';
import { waitFor } from '../wait-for.js';
import { quietLogger, uniqueGroup, uniqueTopic, type ConformanceContext } from './harness.js';

/** What operators and the dead-letter admin read from a driver's admin. */
export function adminTests(ctx: () => ConformanceContext): void {
  it('reports committed offsets as -1 where a group committed nothing, and the next offset elsewhere', async () => {
    const { driver, timeoutMs, options } = ctx();
    const topic = uniqueTopic('committed');
    const groupId = uniqueGroup('committed');
    const admin = driver.admin();
    await admin.ensureTopics([{ name: topic, partitions: 3 }]);

    // A group that never ran: every partition, in order, each -1 (never undefined).
    expect(await admin.committedOffsets(groupId, topic)).toEqual(
      [0, 1, 2].map((partition) => ({ topic, partition, offset: -1 })),
    );

    // Records on partition 1 only; once handled and committed, partitions 0 and 2 stay -1.
    const keys = ['a', 'b', 'c', 'd', 'e'];
    const producer = driver.createProducer();
    await producer.connect();
    const headers = { 'ordo-id': '', 'ordo-type': 'tick', 'content-type': 'application/json' };
    await producer.send(
      keys.map((key, i) => ({
        topic,
        key,
        partition: 1,
        value: Buffer.from(JSON.stringify(key)),
        headers: { ...headers, 'ordo-id': `${groupId}-${i}` },
      })),
    );
    await producer.disconnect();
    const seen: string[] = [];
    const consumer = createConsumer({
      driver,
      groupId,
      topics: [topic],
      logger: quietLogger,
      ...options.consumerOverrides,
    });
    consumer.handle(topic, 'tick', (event) => void seen.push(event.key!));
    await consumer.start();
    try {
      await waitFor(() => seen.length >= keys.length, { timeoutMs });
    } finally {
      await consumer.stop();
    }
    expect(await admin.committedOffsets(groupId, topic)).toEqual([
      { topic, partition: 0, offset: -1 },
      { topic, partition: 1, offset: keys.length },
      { topic, partition: 2, offset: -1 },
    ]);
  });
}
