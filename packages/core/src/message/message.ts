import type { Headers } from './headers.js';

/**
 * What an application publishes: the topic, the key that orders it, the event type
 * that selects a handler, and the value. `id` and `timestamp` are filled in when absent.
 */
export interface OutgoingMessage<V = unknown> {
  readonly topic: string;
  /** Events with the same key are handled in order (O1); `null` means no ordering. */
  readonly key: string | null;
  readonly type: string;
  readonly value: V;
  /** Extra headers; names starting with `ordo-` are reserved. */
  readonly headers?: Headers;
  /** Stable event id; a random UUID when absent. Give one to make re-publishes dedupable. */
  readonly id?: string;
  /** Event time in epoch milliseconds; now when absent. */
  readonly timestamp?: number;
}

/** An event as Ordo models it, on either side of Kafka. */
export interface OrdoMessage<V = unknown> {
  readonly topic: string;
  readonly key: string | null;
  readonly type: string;
  readonly value: V;
  readonly headers: Headers;
  readonly id: string;
  readonly timestamp: number;
}

/** A consumed event: an {@link OrdoMessage} plus where it was read from. */
export interface ConsumedEvent<V = unknown> extends OrdoMessage<V> {
  readonly partition: number;
  readonly offset: number;
  /** The key's bytes exactly as read (`key` is their UTF-8 text, which can be lossy). */
  readonly keyBytes: Buffer | null;
}
