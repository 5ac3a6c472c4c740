import { createConsumer, createProducer, silentLogger, type Consumer } from '@ordo/core';
import { OrderingInvariant, randomDelay, waitFor } from '@ordo/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockDriver, startMockCluster, type MockCluster } from './test-support.js';

let cluster: MockCluster;
beforeAll(() => {
  cluster = startMockCluster({ brokers: 3, topics: [{ name: 'accounts', partitions: 12 }] });
});
afterAll(() => cluster.close());

const TOTAL = 20_000;
const KEYS = 500;

describe('rebalances on @ordo/kafka-mock', () => {
  it('3 members join and leave while 20,000 keyed events flow: no loss, key order kept, nothing committed redone', async () => {
    const driver = mockDriver(cluster);
    const invariant = new OrderingInvariant();
    // Highest offset committed per partition by any member, and handlings below it.
    const committedThrough = new Map<number, number>();
    const redoneCommitted: string[] = [];
    const members: Consumer[] = [];
    const rebalances: string[] = [];
    const join = async (name: string): Promise<Consumer> => {
      const c = createConsumer({
        driver,
        groupId: 'accounts-projector',
        topics: ['accounts'],
        concurrency: { maxInFlight: 32 },
        commitIntervalMs: 100,
        logger: silentLogger,
      });
      c.on('rebalanced', (r) => rebalances.push(`${name}: +${r.assigned.length} -${r.revoked.length}`));
      c.on('committed', ({ offsets }) => {
        for (const o of offsets)
          committedThrough.set(o.partition, Math.max(committedThrough.get(o.partition) ?? 0, o.offset));
      });
      c.handle('accounts', 'balance-changed', async (event) => {
        // Once an offset is committed, no member may handle anything before it again (O2).
        if (event.offset < (committedThrough.get(event.partition) ?? 0))
          redoneCommitted.push(`${event.partition}@${event.offset}`);
        await randomDelay(1);
        invariant.observe(event);
      });
      members.push(c);
      await c.start();
      return c;
    };
    const owns = (c: Consumer) => c.assignment().length;
    const where = () =>
      `${invariant.handledCount} handled, ${invariant.missing().length} missing; owns ${members.map(owns).join('/')}`;
    const wait = (condition: () => boolean) => waitFor(condition, { timeoutMs: 90_000, describe: where });

    // Events flow at a steady pace for the whole test; the last 1,000 wait until every
    // membership change is done, so events are still arriving during each of them.
    const producer = createProducer({ driver });
    let produced = 0;
    let changesDone = false;
    const producing = (async () => {
      while (produced < TOTAL) {
        if (produced >= TOTAL - 1000 && !changesDone) {
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        const batch = Array.from({ length: 250 }, (_, i) => ({
          topic: 'accounts',
          key: `account-${(produced + i) % KEYS}`,
          type: 'balance-changed',
          value: { seq: produced + i },
        }));
        const results = await producer.publishMany(batch);
        invariant.add(results.map((r, i) => ({ ...r, key: batch[i]!.key })));
        produced += batch.length;
        await new Promise((r) => setTimeout(r, 60));
      }
    })();

    const a = await join('a');
    await wait(() => invariant.handledCount >= 1000);
    const b = await join('b');
    await wait(() => owns(a) > 0 && owns(b) > 0 && owns(a) + owns(b) === 12);
    const producedWhenCJoined = produced;
    const c = await join('c');
    await wait(() => owns(a) === 4 && owns(b) === 4 && owns(c) === 4);
    await a.stop();
    await wait(() => owns(b) + owns(c) === 12);
    const d = await join('d');
    await wait(() => owns(b) === 4 && owns(c) === 4 && owns(d) === 4);
    const producedBeforeLastLeave = produced;
    await b.stop();
    changesDone = true;
    await producing;
    await wait(() => invariant.complete());
    await Promise.all([c.stop(), d.stop()]);
    await producer.disconnect();

    expect(producedWhenCJoined).toBeLessThan(TOTAL);
    expect(producedBeforeLastLeave).toBeLessThan(TOTAL);
    expect(invariant.violations).toEqual([]);
    expect(invariant.missing()).toEqual([]);
    // Graceful leaves commit before handing over, so committed work is never redone.
    // Duplicates remain possible for work done but not yet committed when a commit was
    // refused: the mock broker refuses commits while a rebalance is joining (Kafka only
    // in CompletingRebalance). Usually 0 here; the count is printed for the record.
    expect(redoneCommitted).toEqual([]);
    console.log(`[ordo] rebalance test: ${invariant.duplicates} duplicate handlings of uncommitted work`);
    expect(rebalances.length).toBeGreaterThanOrEqual(8);
    // The last members committed everything before leaving: a restart redoes nothing.
    const committed = await driver.admin().committedOffsets('accounts-projector', 'accounts');
    for (const { partition, offset } of committed) {
      expect(offset, `partition ${partition}`).toBe((await driver.admin().watermarks('accounts', partition)).high);
    }
  }, 240_000);
});
