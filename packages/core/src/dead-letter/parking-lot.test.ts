import { describe } from 'vitest';
import { parkingLotContract } from './parking-lot-contract.test-support.js';
import { MemoryParkingLot } from './parking-lot.js';

describe('MemoryParkingLot', () => {
  parkingLotContract(async () => new MemoryParkingLot(), { keepsUnendedWrites: true });
});
