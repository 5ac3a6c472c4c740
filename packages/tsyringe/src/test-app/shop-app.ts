import { MemoryParkingLot, silentLogger } from '@ordo/core';
import { rdkafkaDriver } from '@ordo/rdkafka';
import { instanceCachingFactory, type DependencyContainer } from 'tsyringe';
import { ORDO_DRIVER, registerOrdo, type Ordo } from '../index.js';
import { Journal, OrderBook, UserDirectory } from './shop-services.js';

/** The shop's parking lot, kept where tests can look into it. */
export const SHOP_PARKING_LOT = Symbol('shop parking lot');

/**
 * The test shop's composition root, as an application writes it: services, the
 * production driver, Ordo. Its handlers are whichever `@EventHandler` classes were
 * imported (the `shop-handlers*` modules). Retries are short so tests run fast.
 */
export function configureShop(container: DependencyContainer): Ordo {
  container.registerSingleton(Journal);
  container.registerSingleton(UserDirectory);
  container.registerSingleton(OrderBook);
  const parkingLot = new MemoryParkingLot();
  container.register(SHOP_PARKING_LOT, { useValue: parkingLot });
  container.register(ORDO_DRIVER, {
    useFactory: instanceCachingFactory(() => rdkafkaDriver({ brokers: process.env.KAFKA_BROKERS ?? 'localhost:9092' })),
  });
  return registerOrdo(container, {
    groupId: 'shop',
    logger: silentLogger,
    consumer: { retry: { attempts: 2, backoff: { initialMs: 5, maxMs: 20 } }, commitIntervalMs: 50 },
    deadLetter: {
      enabled: true,
      parkingLot,
      retry: { attempts: 2, backoff: { initialMs: 5, maxMs: 20 } },
    },
  });
}
