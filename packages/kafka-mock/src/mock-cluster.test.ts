import Kafka from 'node-rdkafka';
import { afterEach, describe, expect, it } from 'vitest';
import { KAFKA_ERRORS, KafkaMockError, startMockCluster, type MockCluster } from './index.js';
import { locateLibrdkafka } from './librdkafka.js';
import { connectConsumer, connectProducer, until } from './test-support/clients.js';

let cluster: MockCluster | undefined;
afterEach(() => {
  cluster?.close();
  cluster = undefined;
});

function metadataPartitions(bootstrapServers: string, topic: string): Promise<number> {
  const producer = new Kafka.Producer({ 'bootstrap.servers': bootstrapServers });
  return new Promise((resolve, reject) => {
    producer.connect({}, (err) => {
      if (err) return reject(err);
      producer.getMetadata({ topic, timeout: 10_000 }, (error, metadata) => {
        producer.disconnect();
        if (error) return reject(error);
        resolve(metadata.topics.find((t) => t.name === topic)!.partitions.length);
      });
    });
  });
}

describe('startMockCluster', () => {
  it('reports a topic created with 12 partitions as 12 in metadata', async () => {
    cluster = startMockCluster({ brokers: 3, topics: [{ name: 'users', partitions: 12 }] });
    expect(cluster.bootstrapServers.split(',')).toHaveLength(3);
    expect(await metadataPartitions(cluster.bootstrapServers, 'users')).toBe(12);
    cluster.createTopic('orders', 7);
    expect(await metadataPartitions(cluster.bootstrapServers, 'orders')).toBe(7);
  });

  it('carries 10,000 records through a consumer group', async () => {
    cluster = startMockCluster({ topics: [{ name: 'events', partitions: 4 }] });
    const producer = await connectProducer(cluster.bootstrapServers);
    await Promise.all(Array.from({ length: 10_000 }, (_, i) => producer.send('events', `k${i % 50}`, `v${i}`)));
    await producer.close();
    const consumer = await connectConsumer(cluster.bootstrapServers, 'g-10k', ['events']);
    await until(() => consumer.messages.length >= 10_000, 60_000, '10,000 records');
    await consumer.close();
    const values = new Set(consumer.messages.map((m) => m.value!.toString()));
    expect(values.size).toBe(10_000);
    // Per key, records come back in the order they were produced.
    const byKey = new Map<string, number[]>();
    for (const m of consumer.messages) {
      const key = m.key!.toString();
      byKey.set(key, [...(byKey.get(key) ?? []), Number(m.value!.toString().slice(1))]);
    }
    for (const seqs of byKey.values()) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  }, 90_000);

  it('splits partitions between two members, and hands them over when one leaves', async () => {
    cluster = startMockCluster({ topics: [{ name: 'shared', partitions: 6 }] });
    const a = await connectConsumer(cluster.bootstrapServers, 'g-split', ['shared']);
    await until(() => a.assignment().length === 6, 30_000, 'a owns all 6');
    const b = await connectConsumer(cluster.bootstrapServers, 'g-split', ['shared']);
    await until(() => a.assignment().length === 3 && b.assignment().length === 3, 30_000, 'a 3/b 3 split');
    const owned = [...a.assignment(), ...b.assignment()].map((tp) => tp.partition).sort();
    expect(owned).toEqual([0, 1, 2, 3, 4, 5]);
    await a.close();
    await until(() => b.assignment().length === 6, 30_000, 'b owns all 6');
    await b.close();
  }, 90_000);

  it('retries injected NOT_LEADER_OR_FOLLOWER produce errors with no duplicate and no reordering', async () => {
    cluster = startMockCluster({ topics: [{ name: 'idem', partitions: 1 }] });
    const producer = await connectProducer(cluster.bootstrapServers, {
      'enable.idempotence': true,
      'retry.backoff.ms': 10,
    });
    await producer.send('idem', 'k', 'warm-up');
    cluster.failRequests('Produce', Array(3).fill(KAFKA_ERRORS.NOT_LEADER_OR_FOLLOWER));
    const reports = await Promise.all(Array.from({ length: 100 }, (_, i) => producer.send('idem', 'k', `m${i}`)));
    await producer.close();
    expect(reports.map((r) => r.offset)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    const consumer = await connectConsumer(cluster.bootstrapServers, 'g-idem', ['idem']);
    await until(() => consumer.messages.length >= 101, 30_000, '101 records');
    await new Promise((r) => setTimeout(r, 300));
    await consumer.close();
    expect(consumer.messages.map((m) => m.value!.toString())).toEqual([
      'warm-up',
      ...Array.from({ length: 100 }, (_, i) => `m${i}`),
    ]);
  }, 60_000);

  it('keeps working after a broker goes down and comes back', async () => {
    cluster = startMockCluster({ brokers: 3, topics: [{ name: 'flaky', partitions: 3 }] });
    const producer = await connectProducer(cluster.bootstrapServers);
    await producer.send('flaky', null, 'before', 0);
    for (const id of cluster.brokerIds) cluster.setBrokerDown(id);
    const during = producer.send('flaky', null, 'during', 0);
    await new Promise((r) => setTimeout(r, 500));
    for (const id of cluster.brokerIds) cluster.setBrokerUp(id);
    const report = await during;
    expect(report.offset).toBe(1);
    await producer.close();
  }, 60_000);

  it('adds latency with setRtt', async () => {
    cluster = startMockCluster({ brokers: 1, topics: [{ name: 'slow', partitions: 1 }] });
    const producer = await connectProducer(cluster.bootstrapServers);
    await producer.send('slow', null, 'warm');
    cluster.setRtt(1, 300);
    const started = Date.now();
    await producer.send('slow', null, 'slow');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    cluster.setRtt(1, 0);
    await producer.close();
  });
});

describe('errors', () => {
  it('names the unknown API and lists the known ones', () => {
    cluster = startMockCluster({ brokers: 1 });
    const error = catchError(() => cluster!.failRequests('Produse' as never, [KAFKA_ERRORS.NOT_LEADER_OR_FOLLOWER]));
    expect(error).toMatchObject({ code: 'KAFKA_MOCK_UNKNOWN_API' });
    expect((error as Error).message).toContain('Produce');
  });

  it('refuses partitions < 1, hostile topic names, unknown brokers and bad error codes', () => {
    cluster = startMockCluster({ brokers: 2 });
    expect(catchError(() => cluster!.createTopic('t', 0))).toMatchObject({ code: 'KAFKA_MOCK_INVALID_ARGUMENT' });
    expect(catchError(() => cluster!.createTopic('a/b', 1))).toMatchObject({ code: 'KAFKA_MOCK_INVALID_ARGUMENT' });
    expect(catchError(() => cluster!.setBrokerDown(9))).toMatchObject({ code: 'KAFKA_MOCK_INVALID_ARGUMENT' });
    expect(catchError(() => cluster!.failRequests('Produce', [1.5 as never]))).toMatchObject({
      code: 'KAFKA_MOCK_INVALID_ARGUMENT',
    });
    expect(() => startMockCluster({ brokers: 0 })).toThrow(KafkaMockError);
    expect(() => startMockCluster({ topics: [{ name: 'x', partitions: 0 }] })).toThrow(/at least 1 partition/);
  });

  it('throws on use after close(); close() itself is idempotent', () => {
    const c = startMockCluster({ brokers: 1 });
    c.close();
    c.close();
    expect(c.closed).toBe(true);
    expect(catchError(() => c.createTopic('t', 1))).toMatchObject({ code: 'KAFKA_MOCK_CLOSED' });
  });

  it('says what to install when node-rdkafka is missing', () => {
    const missing = catchError(() =>
      locateLibrdkafka(() => {
        throw new Error("Cannot find module 'node-rdkafka/package.json'");
      }),
    );
    expect(missing).toMatchObject({ code: 'KAFKA_MOCK_LIBRDKAFKA_NOT_FOUND' });
    expect((missing as Error).message).toMatch(/npm i node-rdkafka/);
    const unbuilt = catchError(() => locateLibrdkafka(() => '/nonexistent/node-rdkafka/package.json'));
    expect(unbuilt).toMatchObject({ code: 'KAFKA_MOCK_LIBRDKAFKA_NOT_FOUND' });
    expect((unbuilt as Error).message).toMatch(/onlyBuiltDependencies/);
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
