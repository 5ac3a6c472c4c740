import { describe, expect, it } from 'vitest';
import { MemoryParkingLot } from './parking-lot.js';

describe('MemoryParkingLot', () => {
  it('parks on beginPark and resolves once every dead letter through the newest is handled', async () => {
    const lot = new MemoryParkingLot();
    await lot.beginPark('users', 'U');
    expect(lot.isParked('users', 'U')).toBe(true);
    await lot.endPark('users', 'U', 10);
    await lot.beginPark('users', 'U');
    await lot.endPark('users', 'U', 11);
    expect(await lot.handled('users', 'U', 10)).toBe(false);
    expect(lot.isParked('users', 'U')).toBe(true);
    expect(await lot.handled('users', 'U', 11)).toBe(true);
    expect(lot.isParked('users', 'U')).toBe(false);
  });

  it('never resolves while a dead-letter write is pending, even if the consumer caught up', async () => {
    const lot = new MemoryParkingLot();
    await lot.beginPark('users', 'U');
    await lot.endPark('users', 'U', 5);
    await lot.beginPark('users', 'U'); // the main consumer is writing the next dead letter
    expect(await lot.handled('users', 'U', 5)).toBe(false);
    expect(lot.isParked('users', 'U')).toBe(true);
    await lot.endPark('users', 'U', 6);
    expect(await lot.handled('users', 'U', 6)).toBe(true);
  });

  it('resolves at endPark when the dead letter was handled before its offset was recorded', async () => {
    const lot = new MemoryParkingLot();
    await lot.beginPark('users', 'U');
    // The dead-letter consumer handled offset 3 before the main consumer recorded it.
    expect(await lot.handled('users', 'U', 3)).toBe(false);
    await lot.endPark('users', 'U', 3);
    expect(lot.isParked('users', 'U')).toBe(false);
  });

  it('keeps keys of different topics apart and lists them', async () => {
    const lot = new MemoryParkingLot();
    await lot.beginPark('users', 'k');
    await lot.beginPark('orders', 'k');
    expect((await lot.list('users')).map((p) => p.topic)).toEqual(['users']);
    expect(await lot.list()).toHaveLength(2);
  });
});
