import { DuplicateHandlerError, InvalidConfigError } from '../errors.js';
import type { ConsumedEvent } from '../message/message.js';

/** What a handler gets besides the event. */
export interface HandlerContext {
  /** 1 on the first try, then 2, 3, ... */
  readonly attempt: number;
  readonly groupId: string;
  /** Aborted when the consumer stops or loses the partition past its deadline. */
  readonly signal: AbortSignal;
}

/** Handles one event. Throwing (or rejecting) counts as a failure and may be retried. */
export type EventHandler<V = unknown> = (event: ConsumedEvent<V>, ctx: HandlerContext) => unknown;

/** Handlers by topic and event type. */
export class HandlerRegistry {
  private readonly handlers = new Map<string, Map<string, EventHandler>>();

  constructor(private readonly topics: ReadonlySet<string>) {}

  add(topic: string, type: string, handler: EventHandler): void {
    if (!this.topics.has(topic)) {
      throw new InvalidConfigError('topic', `"${topic}" is not among the consumer's topics`);
    }
    if (typeof type !== 'string' || type === '') throw new InvalidConfigError('type', 'must be a non-empty string');
    if (typeof handler !== 'function') throw new InvalidConfigError('handler', 'must be a function');
    let byType = this.handlers.get(topic);
    if (!byType) this.handlers.set(topic, (byType = new Map()));
    if (byType.has(type)) throw new DuplicateHandlerError(topic, type);
    byType.set(type, handler);
  }

  /** The handler of a type, or the topic's catch-all (`'*'`). */
  get(topic: string, type: string): EventHandler | undefined {
    const byType = this.handlers.get(topic);
    return byType?.get(type) ?? byType?.get('*');
  }

  /** Event types with a handler of their own (not `'*'`). */
  types(topic: string): string[] {
    return [...(this.handlers.get(topic)?.keys() ?? [])].filter((t) => t !== '*');
  }
}
