import {
  createProducer,
  InvalidConfigError,
  ConsumerLifecycle,
  type ConsumerEvents,
  type ConsumerState,
  type DeadLetterConsumerEvents,
  type KafkaDriver,
  type Outbox,
  type OutboxRelayEvents,
  type Producer,
} from '@ordo/core';
import type { DependencyContainer } from 'tsyringe';
import type { OrdoConfig } from './config.js';
import { ListenerList } from './listeners.js';
import { buildOutbox } from './outbox-wiring.js';
import { ORDO_CONFIG, ORDO_DRIVER } from './tokens.js';
import { wire, type Wired } from './wiring.js';

/** Ordo wired into a container: the producer, the consumers built at `start()`, their events. */
export interface Ordo {
  /**
   * Resolves `ORDO_CONFIG`, `ORDO_DRIVER` and every `DEAD_LETTER_OVERRIDES`, checks the
   * wiring, resolves the handler classes once, then starts the consumer and the
   * dead-letter consumer, then the outbox relay (when this process runs one). Rejects
   * before anything connects when the wiring is wrong.
   */
  start(): Promise<void>;
  /**
   * Stops the relay (its batch in flight finishes), the dead-letter consumer, the
   * consumer (in-flight handlers finish), then the producer. Idempotent.
   */
  stop(): Promise<void>;
  readonly state: ConsumerState;
  /** The producer, created on first use from `ORDO_DRIVER` and `ORDO_CONFIG`; also injectable as `ORDO_PRODUCER`. */
  readonly producer: Producer;
  /**
   * The transactional outbox, created on first use from `ORDO_CONFIG`'s `outbox` section;
   * also injectable as `ORDO_OUTBOX`. @throws InvalidConfigError without that section
   */
  readonly outbox: Outbox;
  /** Listens to the main consumer's events, across restarts; returns a function that removes the listener. */
  on<K extends keyof ConsumerEvents>(event: K, listener: (payload: ConsumerEvents[K]) => void): () => void;
  /** Listens to the dead-letter consumer's events (`resolved` among them), across restarts. */
  onDeadLetter<K extends keyof DeadLetterConsumerEvents>(
    event: K,
    listener: (payload: DeadLetterConsumerEvents[K]) => void,
  ): () => void;
  /** Listens to the outbox relay's events (`published`, `error`, ...), across restarts. */
  onOutboxRelay<K extends keyof OutboxRelayEvents>(
    event: K,
    listener: (payload: OutboxRelayEvents[K]) => void,
  ): () => void;
}

/** The {@link Ordo} of one container. */
export class OrdoRuntime implements Ordo {
  private readonly lifecycle = new ConsumerLifecycle(undefined, 'Ordo');
  private wired: Wired | undefined;
  private createdProducer: Producer | undefined;
  private createdOutbox: Outbox | undefined;
  /** The start or stop under way, for a `stop()` that arrives meanwhile. */
  private pending: Promise<void> | undefined;
  private readonly listeners = new ListenerList<ConsumerEvents>();
  private readonly deadLetterListeners = new ListenerList<DeadLetterConsumerEvents>();
  private readonly relayListeners = new ListenerList<OutboxRelayEvents>();

  constructor(private readonly container: DependencyContainer) {}

  get state(): ConsumerState {
    return this.lifecycle.state;
  }

  get producer(): Producer {
    if (!this.createdProducer) {
      const config = this.config();
      this.createdProducer = createProducer({
        ...config.producer,
        driver: this.driver(),
        contracts: config.contracts,
        codec: config.codec,
      });
    }
    return this.createdProducer;
  }

  get outbox(): Outbox {
    this.createdOutbox ??= buildOutbox(this.config());
    return this.createdOutbox;
  }

  on<K extends keyof ConsumerEvents>(event: K, listener: (payload: ConsumerEvents[K]) => void): () => void {
    return this.listeners.on(event, listener);
  }

  onOutboxRelay<K extends keyof OutboxRelayEvents>(
    event: K,
    listener: (payload: OutboxRelayEvents[K]) => void,
  ): () => void {
    return this.relayListeners.on(event, listener);
  }

  onDeadLetter<K extends keyof DeadLetterConsumerEvents>(
    event: K,
    listener: (payload: DeadLetterConsumerEvents[K]) => void,
  ): () => void {
    return this.deadLetterListeners.on(event, listener);
  }

  async start(): Promise<void> {
    this.to('starting');
    const starting = this.wireAndStart();
    this.pending = starting.catch(() => undefined);
    await starting;
  }

  async stop(): Promise<void> {
    if (this.state === 'starting') await this.pending;
    if (this.state === 'stopping') return this.pending;
    if (this.state !== 'running') return this.disconnectProducer();
    this.to('stopping');
    this.pending = this.stopParts()
      .finally(() => this.disconnectProducer())
      .finally(() => this.to('stopped'));
    return this.pending;
  }

  private async wireAndStart(): Promise<void> {
    try {
      this.wired = wire(this.container, this.config(), this.driver(), () => this.outbox);
      this.listeners.attach(this.wired.consumer);
      this.deadLetterListeners.attach(this.wired.deadLetterConsumer);
      this.relayListeners.attach(this.wired.relay);
      await this.wired.consumer?.start();
      await this.wired.deadLetterConsumer?.start();
      await this.wired.relay?.start();
    } catch (error) {
      // The error that stopped the start is the one to report, not a failure to stop.
      await this.stopParts().catch(() => undefined);
      this.to('stopped');
      throw error;
    }
    this.to('running');
  }

  private async stopParts(): Promise<void> {
    const wired = this.wired;
    this.wired = undefined;
    try {
      await wired?.relay?.stop();
    } finally {
      try {
        await wired?.deadLetterConsumer?.stop();
      } finally {
        await wired?.consumer?.stop();
      }
    }
  }

  private async disconnectProducer(): Promise<void> {
    const producer = this.createdProducer;
    this.createdProducer = undefined;
    await producer?.disconnect();
  }

  private to(next: ConsumerState): void {
    this.lifecycle.to(next);
  }

  private config(): OrdoConfig {
    if (!this.container.isRegistered(ORDO_CONFIG, true)) {
      throw new InvalidConfigError('ORDO_CONFIG', 'is not registered: pass a config to registerOrdo()');
    }
    return this.container.resolve<OrdoConfig>(ORDO_CONFIG);
  }

  private driver(): KafkaDriver {
    if (!this.container.isRegistered(ORDO_DRIVER, true)) {
      throw new InvalidConfigError('ORDO_DRIVER', 'is not registered: register the KafkaDriver to use');
    }
    return this.container.resolve<KafkaDriver>(ORDO_DRIVER);
  }
}
