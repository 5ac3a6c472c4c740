import 'reflect-metadata';
import { InvalidStateError, type Outbox, type Producer } from '@ordo/core';
import type { DependencyContainer } from 'tsyringe';
import type { OrdoConfig } from './config.js';
import { OrdoRuntime, type Ordo } from './ordo.js';
import { ORDO, ORDO_CONFIG, ORDO_OUTBOX, ORDO_PRODUCER } from './tokens.js';

/**
 * Wires Ordo into a container: registers `config` as `ORDO_CONFIG` (when given), the
 * runtime as `ORDO`, its producer as `ORDO_PRODUCER` and its outbox as `ORDO_OUTBOX`
 * (when the config has an `outbox` section), and ties `stop()` to the
 * container's `dispose()`. Nothing is resolved yet: `start()` reads `ORDO_CONFIG`,
 * `ORDO_DRIVER` and every `DEAD_LETTER_OVERRIDES` registration made until then, so
 * configuration may be appended after this call.
 *
 * @throws InvalidStateError when called twice on the same container
 * @example
 * const ordo = registerOrdo(container, { groupId: 'shop', deadLetter: { enabled: true } });
 * container.register(ORDO_DRIVER, { useValue: rdkafkaDriver({ brokers }) });
 * await ordo.start();
 * // ...
 * await container.dispose(); // stops the consumers, then disconnects the producer
 */
export function registerOrdo(container: DependencyContainer, config?: OrdoConfig): Ordo {
  // A child container may wire its own Ordo; one container wiring two would run both.
  if (container.isRegistered(ORDO)) {
    throw new InvalidStateError('registerOrdo() was already called on this container; append to ORDO_CONFIG instead');
  }
  if (config !== undefined) container.register<OrdoConfig>(ORDO_CONFIG, { useValue: config });
  const ordo = new OrdoRuntime(container);
  container.register<Ordo>(ORDO, { useValue: ordo });
  container.register<Producer>(ORDO_PRODUCER, { useFactory: () => ordo.producer });
  container.register<Outbox>(ORDO_OUTBOX, { useFactory: () => ordo.outbox });
  // dispose() reaches only instances the container built itself, so it builds the hook.
  container.resolve(
    class OrdoDisposal {
      dispose(): Promise<void> {
        return ordo.stop();
      }
    },
  );
  return ordo;
}
