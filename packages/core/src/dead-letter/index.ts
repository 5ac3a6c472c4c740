export type { DeadLetterConfig } from './dead-letter-config.js';
export { DEAD_LETTER_HEADERS, type DeadLetterReason } from './dead-letter-headers.js';
export {
  MemoryParkingLot,
  type KeyRepair,
  type KeyRepairRequest,
  type ParkingLot,
  type ParkedKey,
} from './parking-lot.js';
export { HEX_KEY_PREFIX, keyFromText, keyText, type KeyInput } from './parked-key-text.js';
export type { RepairedKey, RepairReport, RepairRequest } from './dead-letter-repair.js';
export type { BreakerConfig, BreakerState } from './breaker.js';
export type {
  DeadLetterConsumer,
  DeadLetterConsumerEvents,
  DeadLetterConsumerOptions,
  DeadLetterOverride,
} from './dead-letter-consumer.js';
export {
  createDeadLetterAdmin,
  REPLAY_OF_HEADER,
  type DeadLetterAdmin,
  type DeadLetterAdminOptions,
  type DeadLetterEntry,
  type OperatorAction,
} from './dead-letter-admin.js';
export { SqlParkingLot, type SqlParkingLotOptions } from './sql-parking-lot.js';
export { KafkaParkingLot, type KafkaParkingLotOptions } from './kafka-parking-lot.js';
