import {
  createConsumer,
  InvalidConfigError,
  type Consumer,
  type DeadLetterConsumer,
  type DeadLetterOverride as CoreDeadLetterOverride,
  type EventHandler,
  type KafkaDriver,
  type Outbox,
  type OutboxRelay,
} from '@ordo/core';
import type { DependencyContainer } from 'tsyringe';
import type { DeadLetterOverrides, OrdoConfig } from './config.js';
import { mergeOverrideLayers, type MergedOverride, type OverrideLayer } from './dead-letter-overrides.js';
import { HandlerResolver } from './handler-resolver.js';
import { selectEventHandlers } from './handler-selection.js';
import { nameOf } from './handler-class.js';
import { buildOutboxRelay } from './outbox-wiring.js';
import { DEFAULT_DEAD_LETTER_RETRY, mergeRetry } from './retry-merge.js';
import { DEAD_LETTER_OVERRIDES } from './tokens.js';

/** The parts built for one `start()`; the consumers are absent when no handler is wired. */
export interface Wired {
  readonly consumer: Consumer | undefined;
  readonly deadLetterConsumer: DeadLetterConsumer | undefined;
  readonly relay: OutboxRelay | undefined;
}

/**
 * Builds the main consumer with the selected `@EventHandler`s, the dead-letter consumer
 * with the merged overrides when dead letters are on, and the outbox relay when this
 * process runs one. Starts nothing; every check that can fail does so here, before
 * anything connects.
 */
export function wire(
  container: DependencyContainer,
  config: OrdoConfig,
  driver: KafkaDriver,
  outbox: () => Outbox,
): Wired {
  const declarations = selectEventHandlers(config.handlers);
  const topics = new Set(declarations.map((d) => d.topic));
  const deadLetter = config.deadLetter;
  const layers: OverrideLayer[] = [];
  if (deadLetter?.overrides)
    layers.push({ source: 'ORDO_CONFIG.deadLetter.overrides', overrides: deadLetter.overrides });
  if (container.isRegistered(DEAD_LETTER_OVERRIDES, true)) {
    container.resolveAll<DeadLetterOverrides>(DEAD_LETTER_OVERRIDES).forEach((overrides, i) => {
      layers.push({ source: `DEAD_LETTER_OVERRIDES[${i}]`, overrides });
    });
  }
  const overrides = mergeOverrideLayers(layers, topics);
  if (overrides.size > 0 && !deadLetter?.enabled) {
    throw new InvalidConfigError('deadLetter.enabled', 'must be true for dead-letter overrides to apply');
  }
  const relay = buildOutboxRelay(config, outbox, driver);
  if (topics.size === 0) return { consumer: undefined, deadLetterConsumer: undefined, relay };

  const resolver = new HandlerResolver(container);
  const defaultScope = config.handlerScope ?? 'message';
  if (defaultScope !== 'message' && defaultScope !== 'singleton') {
    throw new InvalidConfigError('handlerScope', "must be 'message' or 'singleton'");
  }
  const consumer = createConsumer({
    ...config.consumer,
    driver,
    groupId: config.groupId,
    topics: [...topics],
    contracts: config.contracts,
    codec: config.codec,
    logger: config.logger,
    deadLetter: deadLetter && {
      enabled: deadLetter.enabled,
      topicName: deadLetter.topicName,
      parkingLot: deadLetter.parkingLot,
      breaker: deadLetter.breaker,
    },
  });
  for (const { target, topic, type, scope } of declarations) {
    const role = `@EventHandler('${topic}', '${type}') ${nameOf(target)}`;
    consumer.handle(topic, type, resolver.prepare(target, scope ?? defaultScope, role));
  }
  if (!deadLetter?.enabled || deadLetter.consume === false) return { consumer, deadLetterConsumer: undefined, relay };

  const globalRetry = mergeRetry(DEFAULT_DEAD_LETTER_RETRY, deadLetter.retry);
  const coreOverrides: Record<string, CoreDeadLetterOverride> = {};
  for (const [topic, merged] of overrides) {
    coreOverrides[topic] = toCoreOverride(topic, merged, resolver, defaultScope, globalRetry);
  }
  const deadLetterConsumer = consumer.deadLetterConsumer({
    overrides: coreOverrides,
    retry: globalRetry,
    ...(deadLetter.groupId === undefined ? {} : { groupId: deadLetter.groupId }),
  });
  return { consumer, deadLetterConsumer, relay };
}

function toCoreOverride(
  topic: string,
  merged: MergedOverride,
  resolver: HandlerResolver,
  scope: 'message' | 'singleton',
  globalRetry: ReturnType<typeof mergeRetry>,
): CoreDeadLetterOverride {
  const role = (type: string) => `dead-letter override of ${topic}/${type}`;
  const handler = merged.handler && resolver.prepare(merged.handler, scope, `${role('*')} ${nameOf(merged.handler)}`);
  const handlers: Record<string, EventHandler> = {};
  for (const [type, cls] of merged.handlers)
    handlers[type] = resolver.prepare(cls, scope, `${role(type)} ${nameOf(cls)}`);
  return {
    ...(handler ? { handler } : {}),
    handlers,
    ...(merged.retry ? { retry: mergeRetry(globalRetry, merged.retry) } : {}),
  };
}
