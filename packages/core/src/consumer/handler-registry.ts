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
  /**
   * The last lookup's answer. Records mostly repeat the previous one's topic and type,
   * and both usually arrive as the very strings seen last (the driver keeps one topic
   * string per run, event types come from a cache): two compares instead of two
   * hashed lookups per record.
   */
  private lastTopic = '';
  private lastType = '';
  private lastHandler: EventHandler | undefined;

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
    // A new handler can take over types the catch-all answered for.
    this.lastHandler = undefined;
  }

  /** The handler of a type, or the topic's catch-all (`'*'`). */
  get(topic: string, type: string): EventHandler | undefined {
    if (type === this.lastType && topic === this.lastTopic && this.lastHandler) return this.lastHandler;
    const byType = this.handlers.get(topic);
    const handler = byType?.get(type) ?? byType?.get('*');
    if (handler) {
      this.lastTopic = topic;
      this.lastType = type;
      this.lastHandler = handler;
    }
    return handler;
  }

  /** Event types with a handler of their own (not `'*'`). */
  types(topic: string): string[] {
    return [...(this.handlers.get(topic)?.keys() ?? [])].filter((t) => t !== '*');
  }
}
