import { describe, expect, it } from 'vitest';
import { InMemoryKafka } from '../drivers/memory/in-memory-kafka.js';
import { NotMemberError, type OrdoError } from '../errors.js';
import { silentLogger } from '../internal/logger.js';
import type { ConsumedEvent } from '../message/message.js';
import { produceKeyed } from '../testing/conformance/harness.js';
import { OrderingInvariant } from '../testing/invariants.js';
import { spyDriver } from '../testing/spy-driver.js';
import { randomDelay, waitFor } from '../testing/wait-for.js';
import { createConsumer } from './consumer.js';

/** A promise with its resolve function, to hold a handler mid-flight. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('consumer engine: crashes and rebalances', () => {
  it('O2: after a member crashes mid-flight, the next resumes from commits; none skipped', async () => {
    const kafka = new InMemoryKafka({ topics: [{ name: 'users', partitions: 4 }] });
    const produced = await produceKeyed(kafka, 'users', 2000, 100);
    const invariant = new OrderingInvariant(produced);
    const spied = spyDriver(kafka);
    const hold = gate();
    const errors: OrdoError[] = [];
    const dead = createConsumer({
      driver: spied.driver,
      groupId: 'g',
      topics: ['users'],
      commitIntervalMs: 5,
      logger: silentLogger,
    });
    const inFlightAtCrash: ConsumedEvent[] = [];
    let crashed = false;
    dead.on('error', (e) => errors.push(e.error));
    dead.handle('users', 'tick', async (event) => {
      if (crashed) {
        inFlightAtCrash.push(event);
        return hold.promise;
      }
      await randomDelay(2);
      invariant.observe(event);
      if (invariant.handledCount === 700) crashed = true;
    });
    await dead.start();
    await waitFor(() => crashed && inFlightAtCrash.length > 0);
    await kafka.crash(spied.consumers[0]!);
    const committedAtCrash = [0, 1, 2, 3].map((p) => kafka.committed('g', { topic: 'users', partition: p }) ?? 0);

    const next = createConsumer({ driver: kafka, groupId: 'g', topics: ['users'], logger: silentLogger });
    const firstSeen = new Map<number, number>();
    next.handle('users', 'tick', async (event) => {
      if (!firstSeen.has(event.partition)) firstSeen.set(event.partition, event.offset);
      await randomDelay(2);
      invariant.observe(event);
    });
    await next.start();
    await waitFor(() => invariant.complete(), { timeoutMs: 30_000 });
    // The dead member's stuck handlers finish late; their commits must be refused.
    hold.open();
    await waitFor(() => errors.some((e) => e instanceof NotMemberError));
    await next.stop();

    expect(invariant.violations).toEqual([]);
    expect(invariant.missing()).toEqual([]);
    // The new member started exactly at the committed offsets: nothing skipped.
    for (const [partition, offset] of firstSeen) expect(offset).toBe(committedAtCrash[partition]);
    expect(committedAtCrash.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    // Everything that was in flight at the crash was handled again by the new member.
    for (const e of inFlightAtCrash) expect(e.offset).toBeGreaterThanOrEqual(committedAtCrash[e.partition]!);
    expect(kafka.commitLog.filter((c) => c.memberId === spied.consumers[0]!.memberId && !c.owned)).toEqual([]);
  });

  it('never commits a revoked partition, even when its in-flight work finishes after the deadline', async () => {
    const kafka = new InMemoryKafka({ topics: [{ name: 'users', partitions: 2 }] });
    const produced = await produceKeyed(kafka, 'users', 200, 20);
    const stuckOffset = produced.find((p) => p.partition === 1 && p.offset === 5)!;
    const hold = gate();
    const spied = spyDriver(kafka);
    const a = createConsumer({
      driver: spied.driver,
      groupId: 'g',
      topics: ['users'],
      revokeTimeoutMs: 50,
      commitIntervalMs: 1,
      logger: silentLogger,
    });
    let aReachedStuck = false;
    let aFinishedStuck = false;
    a.handle('users', 'tick', async (event) => {
      if (event.partition === 1 && event.offset === stuckOffset.offset && !aFinishedStuck) {
        aReachedStuck = true;
        await hold.promise;
        aFinishedStuck = true;
      }
    });
    await a.start();
    await waitFor(() => aReachedStuck);

    const b = createConsumer({ driver: kafka, groupId: 'g', topics: ['users'], logger: silentLogger });
    const bOffsets: number[] = [];
    b.handle('users', 'tick', (event) => void (event.partition === 1 && bOffsets.push(event.offset)));
    await b.start();
    expect(a.assignment()).toEqual([{ topic: 'users', partition: 0 }]);
    expect(b.assignment()).toEqual([{ topic: 'users', partition: 1 }]);
    // a committed partition 1 up to the stuck offset while it still owned it.
    expect(kafka.committed('g', { topic: 'users', partition: 1 })).toBe(stuckOffset.offset);

    hold.open();
    await waitFor(() => aFinishedStuck);
    await new Promise((r) => setTimeout(r, 20)); // let a's commit timer fire
    const onP1 = produced.filter((p) => p.partition === 1).length;
    await waitFor(() => bOffsets.length === onP1 - stuckOffset.offset);
    await a.stop();
    await b.stop();

    const aId = spied.consumers[0]!.memberId;
    const aCommitsOnP1 = kafka.commitLog.filter((c) => c.memberId === aId && c.partition === 1);
    expect(aCommitsOnP1.length).toBeGreaterThan(0);
    expect(aCommitsOnP1.every((c) => c.owned)).toBe(true);
    expect(Math.max(...aCommitsOnP1.map((c) => c.offset))).toBe(stuckOffset.offset);
    // b redid the abandoned event: at-least-once, nothing skipped.
    expect(bOffsets[0]).toBe(stuckOffset.offset);
    expect(kafka.commitLog.every((c) => c.owned)).toBe(true);
  });

  it('drains in-flight work within the deadline on revoke, so the next owner redoes nothing', async () => {
    const kafka = new InMemoryKafka({ topics: [{ name: 'users', partitions: 4 }] });
    const produced = await produceKeyed(kafka, 'users', 2000, 200);
    const invariant = new OrderingInvariant(produced);
    const make = () => {
      const c = createConsumer({ driver: kafka, groupId: 'g', topics: ['users'], logger: silentLogger });
      c.handle('users', 'tick', async (event) => {
        await randomDelay(2);
        invariant.observe(event);
      });
      return c;
    };
    const a = make();
    const b = make();
    await a.start();
    await waitFor(() => invariant.handledCount > 300);
    await b.start();
    await waitFor(() => invariant.complete(), { timeoutMs: 30_000 });
    await a.stop();
    await b.stop();
    expect(invariant.violations).toEqual([]);
    expect(invariant.duplicates).toBe(0);
  });
});
