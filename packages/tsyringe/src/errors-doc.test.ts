import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES, OrdoError } from '@ordo/core';
import { describe, expect, it } from 'vitest';
import * as tsyringe from './index.js';

const doc = readFileSync(fileURLToPath(new URL('../../../docs/errors.md', import.meta.url)), 'utf8');
/** Rows of the "Classes of other packages" table that belong to this package. */
const documented = [...doc.matchAll(/^\|\s*`(\w+)`\s*\|\s*`@ordo\/tsyringe`\s*\|\s*`(ORDO_[A-Z_]+)`\s*\|/gm)].map(
  (m) => ({ cls: m[1]!, code: m[2]! }),
);

/** Every OrdoError subclass @ordo/tsyringe exports. */
const errorClasses = Object.entries(tsyringe).filter(
  ([, value]) => typeof value === 'function' && value.prototype instanceof OrdoError,
) as Array<[string, new (...args: never[]) => OrdoError]>;

describe('docs/errors.md, for @ordo/tsyringe', () => {
  it('documents every exported error class, and no class that is not exported', () => {
    expect(errorClasses.length).toBeGreaterThan(0);
    expect(documented.map((d) => d.cls).sort()).toEqual(errorClasses.map(([name]) => name).sort());
  });

  it('gives each class the code it carries, one of core', () => {
    for (const [name, Cls] of errorClasses) {
      // `code` is an instance field: build one (every constructor takes strings first).
      const error = Reflect.construct(Cls, ['x', 'y', []]) as OrdoError;
      expect(documented.find((d) => d.cls === name)?.code, name).toBe(error.code);
      expect(ERROR_CODES).toContain(error.code);
    }
  });
});
