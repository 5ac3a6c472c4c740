/**
 * Decodes short UTF-8 header values that repeat from record to record (event types,
 * content types) without a new string each time: the last few decoded values are
 * kept with their bytes, and bytes equal to one of them give back its string.
 *
 * Why: decoding costs a native call and a string per record, and a fresh string is
 * hashed again by every Map lookup it goes through (the handler lookup is one). A
 * byte comparison of a few dozen bytes is cheaper than either.
 */
export class ShortTextCache {
  private readonly bytes: (Uint8Array | undefined)[];
  private readonly texts: string[];
  private next = 0;

  /**
   * @param size how many distinct values to keep
   * @param maxBytes longer values are decoded every time
   */
  constructor(
    private readonly size = 8,
    private readonly maxBytes = 64,
  ) {
    this.bytes = new Array<Uint8Array | undefined>(size);
    this.texts = new Array<string>(size).fill('');
  }

  /** `raw` as UTF-8 text, from the cache when its bytes were seen recently. */
  text(raw: Buffer): string {
    const length = raw.length;
    if (length > this.maxBytes) return raw.toString();
    for (let slot = 0; slot < this.size; slot++) {
      const seen = this.bytes[slot];
      if (seen !== undefined && seen.length === length && sameBytes(seen, raw, length)) return this.texts[slot]!;
    }
    const text = raw.toString();
    const slot = this.next;
    this.next = (slot + 1) % this.size;
    // A copy: the caller's buffer may be a view of a larger one, or be reused.
    this.bytes[slot] = Uint8Array.prototype.slice.call(raw);
    this.texts[slot] = text;
    return text;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array, length: number): boolean {
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return false;
  return true;
}
