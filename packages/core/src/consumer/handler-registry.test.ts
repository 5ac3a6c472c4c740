import { describe, expect, it } from 'vitest';
import { DuplicateHandlerError, InvalidConfigError } from '../errors.js';
import { HandlerRegistry } from './handler-registry.js';

describe('HandlerRegistry', () => {
  const a = () => 'a';
  const b = () => 'b';
  const any = () => '*';

  it("finds a type's handler, else the topic's catch-all, else nothing", () => {
    const registry = new HandlerRegistry(new Set(['t', 'u']));
    registry.add('t', 'created', a);
    registry.add('t', '*', any);
    expect(registry.get('t', 'created')).toBe(a);
    expect(registry.get('t', 'deleted')).toBe(any);
    expect(registry.get('u', 'created')).toBeUndefined();
    expect(registry.types('t')).toEqual(['created']);
  });

  it('answers repeated lookups the same, and a handler added later takes over at once', () => {
    const registry = new HandlerRegistry(new Set(['t']));
    registry.add('t', '*', any);
    // Same topic and type as the previous lookup, with strings made anew each time.
    for (let i = 0; i < 3; i++) expect(registry.get(['t'].join(''), ['upd', 'ated'].join(''))).toBe(any);
    registry.add('t', 'updated', b);
    expect(registry.get('t', 'updated')).toBe(b);
    expect(registry.get('t', 'other')).toBe(any);
    expect(registry.get('t', 'updated')).toBe(b);
  });

  it('refuses unknown topics, empty types, non-functions and duplicates', () => {
    const registry = new HandlerRegistry(new Set(['t']));
    registry.add('t', 'x', a);
    expect(() => registry.add('nope', 'x', a)).toThrow(InvalidConfigError);
    expect(() => registry.add('t', '', a)).toThrow(InvalidConfigError);
    expect(() => registry.add('t', 'y', 'not a function' as never)).toThrow(InvalidConfigError);
    expect(() => registry.add('t', 'x', b)).toThrow(DuplicateHandlerError);
  });
});
