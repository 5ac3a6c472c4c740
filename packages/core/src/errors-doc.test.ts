import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as core from './index.js';
import { ERROR_CODES, OrdoError } from './errors.js';

const doc = readFileSync(fileURLToPath(new URL('../../../docs/errors.md', import.meta.url)), 'utf8');
const documented = [...doc.matchAll(/^\|\s*`(ORDO_[A-Z_]+)`\s*\|\s*`(\w+)`\s*\|/gm)].map((m) => ({
  code: m[1]!,
  cls: m[2]!,
}));

/** Every exported OrdoError subclass, found by walking the package's public surface. */
const errorClasses = Object.entries(core).filter(
  ([, value]) => typeof value === 'function' && value.prototype instanceof OrdoError,
) as Array<[string, new (...args: never[]) => OrdoError]>;

describe('docs/errors.md', () => {
  it('documents every error code, and no code that does not exist', () => {
    expect(documented.map((d) => d.code).sort()).toEqual([...ERROR_CODES].sort());
  });

  it('names, for each code, the exported class that carries it', () => {
    const classNames = errorClasses.map(([name]) => name);
    for (const { cls } of documented) expect(classNames).toContain(cls);
    expect(documented.map((d) => d.cls).sort()).toEqual(classNames.sort());
  });

  it('gives each class the code the doc says', () => {
    for (const [name, Cls] of errorClasses) {
      // `code` is an instance field: build one (every constructor takes strings first).
      const error = Reflect.construct(Cls, ['x', 'y', []]) as OrdoError;
      expect(documented.find((d) => d.cls === name)?.code, name).toBe(error.code);
    }
  });
});
