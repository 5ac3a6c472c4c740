import 'reflect-metadata';
import { InvalidConfigError } from '@ordo/core';
import { injectable } from 'tsyringe';
import { nameOf, type EventHandlerOptions, type HandlerClass, type HandlerScope } from './handler-class.js';

/** One `@EventHandler` declaration: a class handles one event type of one topic. */
export interface EventHandlerDeclaration {
  readonly target: HandlerClass;
  readonly topic: string;
  readonly type: string;
  readonly scope: HandlerScope | undefined;
}

/** What `@DeadLetterHandler` declares: the topic (and maybe the one type) a fix-up class is for. */
export interface DeadLetterHandlerDeclaration {
  readonly topic: string;
  readonly type: string | undefined;
}

// Every declaration in decoration order: registerOrdo discovers handlers here.
const declared: EventHandlerDeclaration[] = [];
const deadLetterDeclarations = new WeakMap<object, DeadLetterHandlerDeclaration>();

/**
 * Declares a class as the handler of one event type on one topic. The class gets
 * `handle(event, ctx)`; its constructor parameters are injected by the container
 * (from decorator metadata, or from `@inject(token)` without it). A class may carry
 * several `@EventHandler`s. For typed topics and types see {@link handlersFor}.
 *
 * @example
 * @EventHandler('users', 'user-created')
 * class OnUserCreated {
 *   constructor(@inject(UserRepo) private readonly repo: UserRepo) {}
 *   async handle(event: ConsumedEvent<UserCreated>) { await this.repo.insert(event.value); }
 * }
 */
export function EventHandler(topic: string, type: string, options: EventHandlerOptions = {}) {
  const where = `@EventHandler('${String(topic)}', '${String(type)}')`;
  nonEmpty(topic, `${where} topic`);
  nonEmpty(type, `${where} type`);
  if (options.scope !== undefined && options.scope !== 'message' && options.scope !== 'singleton') {
    throw new InvalidConfigError(`${where} scope`, "must be 'message' or 'singleton'");
  }
  return (target: HandlerClass): void => {
    checkHandleMethod(target, where);
    injectable()(target);
    declared.push({ target, topic, type, scope: options.scope });
  };
}

/**
 * Declares a class as a dead-letter fix-up for a topic (and, with `type`, for one event
 * type of it). Declaring does not activate it: a dead-letter override naming the class
 * does (`DEAD_LETTER_OVERRIDES` or `deadLetter.overrides`), so a fix can ship in code
 * and be switched on by appending configuration.
 *
 * @example
 * @DeadLetterHandler('users', 'user-created')
 * class BackfillEmail { async handle(event: ConsumedEvent<UserCreated>) { ... } }
 */
export function DeadLetterHandler(topic: string, type?: string) {
  const where = `@DeadLetterHandler('${String(topic)}'${type === undefined ? '' : `, '${String(type)}'`})`;
  nonEmpty(topic, `${where} topic`);
  if (type !== undefined) nonEmpty(type, `${where} type`);
  return (target: HandlerClass): void => {
    checkHandleMethod(target, where);
    injectable()(target);
    deadLetterDeclarations.set(target, { topic, type });
  };
}

/** Every `@EventHandler` declaration so far, in decoration order. */
export function declaredEventHandlers(): readonly EventHandlerDeclaration[] {
  return declared;
}

/** The `@EventHandler` declarations of one class. */
export function eventHandlerDeclarationsOf(target: unknown): EventHandlerDeclaration[] {
  return declared.filter((d) => d.target === target);
}

/** What `@DeadLetterHandler` declared on a class, if anything. */
export function deadLetterDeclarationOf(target: unknown): DeadLetterHandlerDeclaration | undefined {
  return typeof target === 'function' ? deadLetterDeclarations.get(target) : undefined;
}

function nonEmpty(value: unknown, field: string): void {
  if (typeof value !== 'string' || value === '') throw new InvalidConfigError(field, 'must be a non-empty string');
}

function checkHandleMethod(target: unknown, where: string): void {
  const prototype = (target as { prototype?: { handle?: unknown } } | undefined)?.prototype;
  if (typeof target !== 'function' || typeof prototype?.handle !== 'function') {
    throw new InvalidConfigError(
      `${where} on ${nameOf(target)}`,
      'must decorate a class with a handle(event, ctx) method',
    );
  }
}
