import { createConsumer, type Consumer } from '../consumer/consumer.js';
import type { KafkaDriver } from '../driver/types.js';
import { silentLogger } from '../internal/logger.js';
import type { ParkingLot } from './parking-lot.js';

/**
 * The consumer the dead-letter tests share: group `app` on topic `users`, one attempt
 * per event, dead letters parked in `parkingLot`, no logs.
 */
export function parkingConsumer(driver: KafkaDriver, parkingLot: ParkingLot): Consumer {
  return createConsumer({
    driver,
    groupId: 'app',
    topics: ['users'],
    retry: { attempts: 1 },
    deadLetter: { enabled: true, parkingLot },
    logger: silentLogger,
  });
}
