import {
  createOutbox,
  createOutboxRelay,
  InvalidConfigError,
  type KafkaDriver,
  type Outbox,
  type OutboxRelay,
} from '@ordo/core';
import type { OrdoConfig } from './config.js';

/**
 * The outbox of a config, sharing its contracts, codec and logger with the producer and
 * consumer. @throws InvalidConfigError when the config has no `outbox` section
 */
export function buildOutbox(config: OrdoConfig): Outbox {
  if (!config.outbox) {
    throw new InvalidConfigError('outbox', 'is not configured: add an outbox section to ORDO_CONFIG');
  }
  const { database: _database, relay: _relay, ...outbox } = config.outbox;
  return createOutbox({ ...outbox, contracts: config.contracts, codec: config.codec, logger: config.logger });
}

/**
 * The relay this process runs, if any: none without an `outbox` section, with
 * `relay: false`, or when Debezium publishes. Checks the settings; connects nothing.
 */
export function buildOutboxRelay(
  config: OrdoConfig,
  outbox: () => Outbox,
  driver: KafkaDriver,
): OutboxRelay | undefined {
  const settings = config.outbox;
  if (!settings || settings.relay === false) return undefined;
  if (settings.publisher === 'debezium') {
    if (settings.relay !== undefined) {
      throw new InvalidConfigError(
        'outbox.relay',
        "must be false or absent: with publisher 'debezium' Debezium publishes",
      );
    }
    return undefined;
  }
  if (!settings.database) {
    throw new InvalidConfigError(
      'outbox.database',
      'is required to run the relay in this process; set outbox.relay to false where another process runs it',
    );
  }
  return createOutboxRelay({
    ...settings.relay,
    outbox: outbox(),
    database: settings.database,
    driver,
    logger: config.logger,
  });
}
