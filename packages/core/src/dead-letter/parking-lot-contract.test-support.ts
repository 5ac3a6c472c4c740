import { expect, it } from 'vitest';
import type { ParkingLot } from './parking-lot.js';

const U = Buffer.from('U');

/** Options of {@link parkingLotContract}. */
export interface ParkingLotContractOptions {
  /** Whether a write begun and never ended stays in the store (so that a repair has work to do). */
  readonly keepsUnendedWrites: boolean;
}

/** The behaviour every parking-lot store must have. */
export function parkingLotContract(make: () => Promise<ParkingLot>, options: ParkingLotContractOptions): void {
  it('parks on beginPark and resolves once every dead letter through the newest is handled', async () => {
    const lot = await make();
    await lot.beginPark('users', 0, U);
    expect(lot.isParked('users', U)).toBe(true);
    await lot.endPark('users', U, 10);
    await lot.beginPark('users', 0, U);
    await lot.endPark('users', U, 11);
    expect(await lot.handled('users', U, 10)).toBe(false);
    expect(await lot.check('users', U)).toBe(true);
    expect(await lot.handled('users', U, 11)).toBe(true);
    expect(lot.isParked('users', U)).toBe(false);
    expect(await lot.check('users', U)).toBe(false);
  });

  it('never resolves while a dead-letter write is pending, even if the consumer caught up', async () => {
    const lot = await make();
    await lot.beginPark('users', 1, U);
    await lot.endPark('users', U, 5);
    await lot.beginPark('users', 1, U);
    expect(await lot.handled('users', U, 5)).toBe(false);
    expect(lot.isParked('users', U)).toBe(true);
    await lot.endPark('users', U, 6);
    expect(await lot.handled('users', U, 6)).toBe(true);
  });

  it('resolves at endPark when the dead letter was handled before its offset was recorded', async () => {
    const lot = await make();
    await lot.beginPark('users', 2, U);
    expect(await lot.handled('users', U, 3)).toBe(false);
    await lot.endPark('users', U, 3);
    expect(await lot.check('users', U)).toBe(false);
  });

  it('settles a dead letter only once it is handled or discarded, never one whose park is not ended', async () => {
    const lot = await make();
    await lot.beginPark('users', 0, U);
    // Written at 4 and read by the dead-letter consumer before endPark recorded it.
    expect(await lot.settled('users', U, 4)).toBe(false);
    await lot.endPark('users', U, 4);
    await lot.beginPark('users', 0, U);
    expect(await lot.handled('users', U, 4)).toBe(false);
    expect(await lot.settled('users', U, 4)).toBe(true); // a redelivery of a handled one
    expect(await lot.settled('users', U, 5)).toBe(false); // handled through 4, 5 not ended yet
    await lot.endPark('users', U, 5);
    expect(await lot.discarded('users', U, 5)).toBe(true);
    expect(await lot.settled('users', U, 5)).toBe(true); // discarded by an operator, key resolved
    // Parked again: its new dead letter is not settled by the old marks.
    await lot.beginPark('users', 0, U);
    expect(await lot.settled('users', U, 8)).toBe(false);
    await lot.endPark('users', U, 8);
    expect(await lot.settled('users', U, 8)).toBe(false);
    expect(await lot.handled('users', U, 8)).toBe(true);
  });

  it('keeps keys of different topics apart, lists them with their partition', async () => {
    const lot = await make();
    await lot.beginPark('users', 3, Buffer.from('k'));
    await lot.beginPark('orders', 1, Buffer.from('k'));
    expect((await lot.list('users')).map((p) => [p.topic, p.partition, p.key])).toEqual([['users', 3, 'k']]);
    expect(await lot.list()).toHaveLength(2);
  });

  it('stores keys of any length and content', async () => {
    const lot = await make();
    const key = Buffer.from(`ünï'"; DROP TABLE x; --${'k'.repeat(5000)}`);
    await lot.beginPark('users', 0, key);
    expect(await lot.check('users', key)).toBe(true);
    expect((await lot.list('users')).map((p) => p.key)).toContain(key.toString());
  });

  it('tells binary keys apart by their bytes, and lists them in an unambiguous form', async () => {
    const lot = await make();
    const guilty = Buffer.from([0xff, 0x01]);
    const innocent = Buffer.from([0xfe, 0x01]); // the same UTF-8 text as guilty: "\ufffd\u0001"
    await lot.beginPark('users', 0, guilty);
    await lot.endPark('users', guilty, 4);
    expect(lot.isParked('users', guilty)).toBe(true);
    expect(lot.isParked('users', innocent)).toBe(false);
    expect(await lot.check('users', innocent)).toBe(false);
    const [parked] = await lot.list('users');
    expect(parked).toMatchObject({ key: 'hex:ff01', lastDeadLetterOffset: 4 });
    expect(parked!.keyBytes.equals(guilty)).toBe(true);
    expect(await lot.handled('users', innocent, 4)).toBe(false);
    expect(await lot.check('users', guilty)).toBe(true);
    expect(await lot.handled('users', guilty, 4)).toBe(true);
  });

  if (options.keepsUnendedWrites) {
    it('repair clears a write left pending, reporting it, and a dry run changes nothing', async () => {
      const lot = await make();
      await lot.beginPark('users', 0, U);
      await lot.endPark('users', U, 7);
      await lot.beginPark('users', 0, U); // never ended: its writer died
      expect(await lot.handled('users', U, 7)).toBe(false);
      const request = { newestDeadLetter: 7, pendingBefore: Date.now() + 1, dryRun: true };
      const expected = { clearedPending: 1, lastDeadLetterOffset: { from: 7, to: 7 }, resolved: true };
      expect(await lot.repair('users', U, request)).toEqual(expected);
      expect(await lot.check('users', U)).toBe(true);
      expect((await lot.list('users'))[0]!.pendingWrites).toBe(1);
      // Pending writes newer than the threshold are left alone.
      expect(await lot.repair('users', U, { ...request, pendingBefore: Date.now() - 60_000 })).toMatchObject({
        clearedPending: 0,
        resolved: false,
      });
      expect(await lot.repair('users', U, { ...request, dryRun: false })).toEqual(expected);
      expect(await lot.check('users', U)).toBe(false);
      expect(await lot.repair('users', U, request)).toBeUndefined();
    });

    it('repair records a dead letter written but not recorded, and keeps the key until it is handled', async () => {
      const lot = await make();
      await lot.beginPark('users', 0, U);
      await lot.endPark('users', U, 7);
      await lot.beginPark('users', 0, U); // its dead letter landed at 8, then the writer died
      await lot.handled('users', U, 7);
      const report = await lot.repair('users', U, {
        newestDeadLetter: 8,
        pendingBefore: Date.now() + 1,
        dryRun: false,
      });
      expect(report).toEqual({ clearedPending: 1, lastDeadLetterOffset: { from: 7, to: 8 }, resolved: false });
      expect(await lot.check('users', U)).toBe(true);
      expect(await lot.handled('users', U, 8)).toBe(true);
    });
  }
}
