/** Byte strings up to this length are compared in JavaScript; longer ones natively. */
const COMPARED_IN_JS = 64;

/**
 * Whether two byte strings are equal. Short ones are compared in a JavaScript loop,
 * which beats `Buffer.equals`'s native call on the hot paths that use this (keys,
 * event types: a few dozen bytes at most).
 */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  const length = a.length;
  if (length !== b.length) return false;
  if (length > COMPARED_IN_JS) return Buffer.from(a.buffer, a.byteOffset, length).equals(b);
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return false;
  return true;
}
