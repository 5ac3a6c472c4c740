import { describe, expect, it } from 'vitest';
import { ContractViolationError, InvalidConfigError, InvalidSchemaError, UnknownEventTypeError } from '../errors.js';
import { ContractRegistry } from './index.js';

const userCreated = {
  type: 'object',
  required: ['id', 'email'],
  additionalProperties: false,
  properties: {
    id: { type: 'string' },
    email: { type: 'string', format: 'email' },
    age: { type: 'integer', minimum: 0 },
  },
} as const;

function registry(): ContractRegistry {
  return new ContractRegistry()
    .topic('users', { keyed: true, events: { 'user-created': userCreated } })
    .topic('logs', { keyed: false, strictTypes: false });
}

describe('ContractRegistry', () => {
  it('accepts a valid value', () => {
    expect(() => registry().validate('users', 'user-created', { id: 'u1', email: 'a@b.io' })).not.toThrow();
  });

  it('lists every violation with its JSON Pointer', () => {
    const error = catchError(() =>
      registry().validate('users', 'user-created', { email: 'not-an-email', age: -1, extra: true }),
    );
    expect(error).toBeInstanceOf(ContractViolationError);
    const violations = (error as ContractViolationError).violations;
    expect(violations.map((v) => v.path).sort()).toEqual(['/age', '/email', '/extra', '/id']);
    expect((error as ContractViolationError).code).toBe('ORDO_CONTRACT_VIOLATION');
    expect((error as ContractViolationError).retriable).toBe(false);
  });

  it('refuses a type a strict topic does not declare, naming the known ones', () => {
    const error = catchError(() => registry().validate('users', 'user-renamed', {}));
    expect(error).toBeInstanceOf(UnknownEventTypeError);
    expect((error as Error).message).toContain('user-created');
  });

  it('lets anything through on topics without a contract or with strictTypes off', () => {
    expect(() => registry().validate('orders', 'whatever', 42)).not.toThrow();
    expect(() => registry().validate('logs', 'line', 'text')).not.toThrow();
  });

  it('knows which topics are keyed', () => {
    const r = registry();
    expect([r.isKeyed('users'), r.isKeyed('logs'), r.isKeyed('unknown')]).toEqual([true, false, false]);
  });

  it('rejects a schema that does not compile, and a topic registered twice', () => {
    expect(() => new ContractRegistry().topic('t', { events: { e: { type: 'no-such-type' } } })).toThrow(
      InvalidSchemaError,
    );
    expect(() => registry().topic('users', {})).toThrow(InvalidConfigError);
  });
});

function catchError(fn: () => void): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
