import 'reflect-metadata';
import { InvalidConfigError } from '@ordo/core';
import { describe, expect, it } from 'vitest';
import { mergeOverrideLayers, type OverrideLayer } from './dead-letter-overrides.js';
import { DeadLetterHandler } from './index.js';
import { mergeRetry } from './retry-merge.js';

class AllTypes {
  handle() {}
}
class Other {
  handle() {}
}
@DeadLetterHandler('users', 'user-created')
class CreatedOnly {
  handle() {}
}
@DeadLetterHandler('users')
class AnyUserType {
  handle() {}
}

const consumed = new Set(['users', 'orders']);
const layers = (...overrides: OverrideLayer['overrides'][]): OverrideLayer[] =>
  overrides.map((o, i) => ({ source: `layer${i}`, overrides: o }));

describe('mergeOverrideLayers', () => {
  it('lets a later layer win, per topic', () => {
    const merged = mergeOverrideLayers(
      layers({ users: { handler: AllTypes }, orders: { handler: AllTypes } }, { users: { handler: Other } }),
      consumed,
    );
    expect(merged.get('users')?.handler).toBe(Other);
    expect(merged.get('orders')?.handler).toBe(AllTypes);
  });

  it('lets a later per-type handler win over an earlier one of its type only', () => {
    const merged = mergeOverrideLayers(
      layers(
        { users: { handlers: { 'user-created': AllTypes, 'user-renamed': AllTypes } } },
        { users: { handlers: { 'user-created': Other } } },
      ),
      consumed,
    );
    expect([...merged.get('users')!.handlers]).toEqual([
      ['user-created', Other],
      ['user-renamed', AllTypes],
    ]);
  });

  it('lets a later handler for all types replace earlier per-type ones', () => {
    const merged = mergeOverrideLayers(
      layers({ users: { handlers: { 'user-created': AllTypes } } }, { users: { handler: Other } }),
      consumed,
    );
    expect(merged.get('users')).toMatchObject({ handler: Other, handlers: new Map() });
  });

  it('within one layer, per-type handlers win over the handler for all types', () => {
    const merged = mergeOverrideLayers(
      layers({ users: { handler: AllTypes, handlers: { 'user-created': Other } } }),
      consumed,
    );
    expect(merged.get('users')).toMatchObject({ handler: AllTypes, handlers: new Map([['user-created', Other]]) });
  });

  it('routes a @DeadLetterHandler with a type to that type, and one without to all types', () => {
    const merged = mergeOverrideLayers(layers({ users: { handler: CreatedOnly } }), consumed);
    expect(merged.get('users')).toMatchObject({
      handler: undefined,
      handlers: new Map([['user-created', CreatedOnly]]),
    });
    const all = mergeOverrideLayers(layers({ users: { handler: AnyUserType } }), consumed);
    expect(all.get('users')?.handler).toBe(AnyUserType);
  });

  it('merges retry field by field, backoff included', () => {
    const merged = mergeOverrideLayers(
      layers(
        { users: { retry: { attempts: 9, backoff: { initialMs: 10, maxMs: 100 } } } },
        { users: { handler: Other } },
        { users: { retry: { backoff: { maxMs: 500 } } } },
      ),
      consumed,
    );
    expect(merged.get('users')?.retry).toEqual({ attempts: 9, backoff: { initialMs: 10, maxMs: 500 } });
    expect(merged.get('users')?.handler).toBe(Other);
  });

  it('refuses typos, non-classes and a @DeadLetterHandler of another type', () => {
    const field = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidConfigError);
        return (error as InvalidConfigError).field;
      }
      throw new Error('did not throw');
    };
    expect(field(() => mergeOverrideLayers(layers({ users: { handle: Other } as never }), consumed))).toBe(
      'layer0.users.handle',
    );
    expect(field(() => mergeOverrideLayers(layers({ users: { handler: {} as never } }), consumed))).toBe(
      'layer0.users.handler',
    );
    expect(
      field(() => mergeOverrideLayers(layers({ users: { handlers: { 'user-renamed': CreatedOnly } } }), consumed)),
    ).toBe('layer0.users.handlers.user-renamed');
    expect(field(() => mergeOverrideLayers(layers(null as never), consumed))).toBe('layer0');
  });
});

describe('mergeRetry', () => {
  it('keeps whichever side is given, and merges when both are', () => {
    expect(mergeRetry(undefined, undefined)).toBeUndefined();
    expect(mergeRetry({ attempts: 2 }, undefined)).toEqual({ attempts: 2 });
    expect(mergeRetry(undefined, { attempts: 3 })).toEqual({ attempts: 3 });
    expect(mergeRetry({ attempts: 2, backoff: { initialMs: 5 } }, { attempts: 4 })).toEqual({
      attempts: 4,
      backoff: { initialMs: 5 },
    });
  });
});
