import 'reflect-metadata';
import { InMemoryKafka, MemoryParkingLot, silentLogger, type Producer } from '@ordo/core';
import { waitFor } from '@ordo/core/testing';
import { container as rootContainer } from 'tsyringe';
import { expect, it } from 'vitest';
import { DEAD_LETTER_OVERRIDES, EventHandler, ORDO_DRIVER, ORDO_PRODUCER, registerOrdo } from './index.js';

const calls: string[] = [];

@EventHandler('payments', 'payment-made')
class OnPaymentMade {
  handle(): void {
    calls.push('main');
    throw new Error('ledger unreachable');
  }
}

class FromConfig {
  handle() {
    calls.push('FromConfig');
  }
}
class FirstRegistration {
  handle() {
    calls.push('FirstRegistration');
  }
}
/** Fails twice, then succeeds: resolves the key only if three attempts are allowed. */
class LastRegistration {
  private static tries = 0;
  handle() {
    calls.push('LastRegistration');
    if (++LastRegistration.tries < 3) throw new Error(`not yet (${LastRegistration.tries})`);
  }
}

it('merges ORDO_CONFIG overrides, then DEAD_LETTER_OVERRIDES in registration order, later winning', async () => {
  const container = rootContainer.createChildContainer();
  container.register(ORDO_DRIVER, { useValue: new InMemoryKafka({ partitions: 2 }) });
  const ordo = registerOrdo(container, {
    groupId: 'payments',
    handlers: [OnPaymentMade],
    logger: silentLogger,
    consumer: { retry: { attempts: 1 } },
    deadLetter: {
      enabled: true,
      parkingLot: new MemoryParkingLot(),
      // The global dead-letter retry: one attempt only, backoff short.
      retry: { attempts: 1, backoff: { initialMs: 1, maxMs: 5 } },
      overrides: { payments: { handler: FromConfig } },
    },
  });
  container.register(DEAD_LETTER_OVERRIDES, {
    useValue: { payments: { handler: FirstRegistration, retry: { attempts: 3 } } },
  });
  container.register(DEAD_LETTER_OVERRIDES, { useValue: { payments: { handler: LastRegistration } } });

  const resolved: string[] = [];
  ordo.onDeadLetter('resolved', ({ key }) => resolved.push(key));
  await ordo.start();
  await container
    .resolve<Producer>(ORDO_PRODUCER)
    .publish({ topic: 'payments', key: 'p1', type: 'payment-made', value: { amount: 5 } });
  await waitFor(() => resolved.length === 1, { describe: () => calls.join(', ') });

  // The last registration's handler ran, with the first registration's three attempts
  // merged over the global one.
  expect(calls).toEqual(['main', 'LastRegistration', 'LastRegistration', 'LastRegistration']);
  await container.dispose();
});
