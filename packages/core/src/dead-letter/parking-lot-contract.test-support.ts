import { expect, it } from 'vitest';
import type { ParkingLot } from './parking-lot.js';

/** The behaviour every parking-lot store must have. */
export function parkingLotContract(make: () => Promise<ParkingLot>): void {
  it('parks on beginPark and resolves once every dead letter through the newest is handled', async () => {
    const lot = await make();
    await lot.beginPark('users', 0, 'U');
    expect(lot.isParked('users', 'U')).toBe(true);
    await lot.endPark('users', 'U', 10);
    await lot.beginPark('users', 0, 'U');
    await lot.endPark('users', 'U', 11);
    expect(await lot.handled('users', 'U', 10)).toBe(false);
    expect(await lot.check('users', 'U')).toBe(true);
    expect(await lot.handled('users', 'U', 11)).toBe(true);
    expect(lot.isParked('users', 'U')).toBe(false);
    expect(await lot.check('users', 'U')).toBe(false);
  });

  it('never resolves while a dead-letter write is pending, even if the consumer caught up', async () => {
    const lot = await make();
    await lot.beginPark('users', 1, 'U');
    await lot.endPark('users', 'U', 5);
    await lot.beginPark('users', 1, 'U');
    expect(await lot.handled('users', 'U', 5)).toBe(false);
    expect(lot.isParked('users', 'U')).toBe(true);
    await lot.endPark('users', 'U', 6);
    expect(await lot.handled('users', 'U', 6)).toBe(true);
  });

  it('resolves at endPark when the dead letter was handled before its offset was recorded', async () => {
    const lot = await make();
    await lot.beginPark('users', 2, 'U');
    expect(await lot.handled('users', 'U', 3)).toBe(false);
    await lot.endPark('users', 'U', 3);
    expect(await lot.check('users', 'U')).toBe(false);
  });

  it('keeps keys of different topics apart, lists them with their partition', async () => {
    const lot = await make();
    await lot.beginPark('users', 3, 'k');
    await lot.beginPark('orders', 1, 'k');
    expect((await lot.list('users')).map((p) => [p.topic, p.partition, p.key])).toEqual([['users', 3, 'k']]);
    expect(await lot.list()).toHaveLength(2);
  });

  it('stores keys of any length and content', async () => {
    const lot = await make();
    const key = `ünï'"; DROP TABLE x; --${'k'.repeat(5000)}`;
    await lot.beginPark('users', 0, key);
    expect(await lot.check('users', key)).toBe(true);
    expect((await lot.list('users')).map((p) => p.key)).toContain(key);
  });
}
