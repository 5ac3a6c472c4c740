import type { InsertedRecord, PublishedRecord } from '../log/records.js';
import type { Violation } from './violation.js';

/** Figures and violations of {@link checkOutboxOrder}. */
export interface OutboxOrderResult {
  readonly events: number;
  readonly published: number;
  readonly lost: number;
  readonly inversions: number;
  readonly repeats: number;
  readonly violations: Violation[];
}

/**
 * O7 over what a relay published: per key, the published ids follow insertion order;
 * the only departure allowed is a repeat after a crash, which starts again at an id
 * already published and goes on in order from there (a suffix of what was sent is
 * sent again). `published` is in log order per partition; a key lives on one partition.
 */
export function checkOutboxOrder(
  inserted: readonly InsertedRecord[],
  published: readonly PublishedRecord[],
): OutboxOrderResult {
  const expected = new Map<string, string[]>();
  for (const r of inserted) expected.set(r.key, [...(expected.get(r.key) ?? []), r.id]);
  const position = new Map<string, number>();
  for (const ids of expected.values()) ids.forEach((id, i) => position.set(id, i));
  const ordered = [...published].sort((a, b) =>
    a.topic === b.topic ? a.partition - b.partition || a.offset - b.offset : a.topic < b.topic ? -1 : 1,
  );
  const next = new Map<string, number>();
  const reached = new Map<string, number>();
  const violations: Violation[] = [];
  const seen = new Set<string>();
  let repeats = 0;
  let inversions = 0;
  for (const r of ordered) {
    const index = position.get(r.id);
    if (index === undefined || expected.get(r.key)?.[index] !== r.id) {
      violations.push({
        invariant: 'O7-outbox-order',
        message: `published id ${r.id} with key ${r.key} at ${r.topic}/${r.partition}@${r.offset} was never inserted for that key`,
        key: r.key,
        partition: r.partition,
        offsets: [r.offset],
      });
      continue;
    }
    if (seen.has(r.id)) repeats++;
    seen.add(r.id);
    const want = next.get(r.key) ?? 0;
    const high = reached.get(r.key) ?? 0;
    if (index > want) {
      inversions++;
      const ids = expected.get(r.key)!;
      violations.push({
        invariant: 'O7-outbox-order',
        message:
          `key ${r.key}: published row #${index} (${r.id}) at ${r.topic}/${r.partition}@${r.offset} while row #${want} ` +
          `(${ids[want]}) ${want < high ? 'was being repeated' : 'was not published yet'}`,
        key: r.key,
        partition: r.partition,
        offsets: [r.offset],
      });
    }
    next.set(r.key, index + 1);
    reached.set(r.key, Math.max(high, index + 1));
  }
  let lost = 0;
  for (const [key, ids] of expected) {
    const missing = ids.filter((id) => !seen.has(id));
    lost += missing.length;
    if (missing.length > 0) {
      violations.push({
        invariant: 'O2-lost',
        message: `key ${key}: ${missing.length} inserted row(s) never published, first ${missing[0]}`,
        key,
      });
    }
  }
  return { events: inserted.length, published: published.length, lost, inversions, repeats, violations };
}
