import { InvalidMessageError, type RawHeaders } from '@ordo/core';
import { describe, expect, it } from 'vitest';
import { toHeaders } from './to-headers.js';

describe('toHeaders', () => {
  it("gives node-rdkafka one object per header, in the record's order", () => {
    const headers = toHeaders({ 'x-trace': 't', 'ordo-id': 'i', 'ordo-type': 'created', 'content-type': 'c' });
    expect(headers).toEqual([
      { 'x-trace': 't' },
      { 'ordo-id': 'i' },
      { 'ordo-type': 'created' },
      { 'content-type': 'c' },
    ]);
  });

  it('reuses one frozen header object per repeated event type and content type', () => {
    const first = toHeaders({ 'ordo-id': 'a', 'ordo-type': 'reused', 'content-type': 'application/json' })!;
    const second = toHeaders({ 'ordo-id': 'b', 'ordo-type': 'reused', 'content-type': 'application/json' })!;
    expect(second[1]).toBe(first[1]);
    expect(second[2]).toBe(first[2]);
    expect(Object.isFrozen(second[1])).toBe(true);
    expect(second[0]).toEqual({ 'ordo-id': 'b' });
  });

  it('turns UTF-8 buffers into text', () => {
    expect(toHeaders({ 'x-name': Buffer.from('Zoë') })).toEqual([{ 'x-name': 'Zoë' }]);
  });

  it('refuses values node-rdkafka would mangle, every time, and caches none of them', () => {
    const refused: RawHeaders[] = [
      { 'ordo-type': 'a\0b' },
      { 'ordo-type': '\ud800' },
      { 'x-bytes': Buffer.from([0xff, 0xfe]) },
      { 'content-type': Buffer.from('text\0') },
    ];
    for (const headers of refused) {
      expect(() => toHeaders(headers)).toThrow(InvalidMessageError);
      expect(() => toHeaders(headers)).toThrow(/must be UTF-8 text without NUL bytes/);
    }
  });

  it('gives no header list for no headers', () => {
    expect(toHeaders(undefined)).toBeUndefined();
    expect(toHeaders({})).toBeUndefined();
  });
});
