/** One published event as an order check sees it. */
export interface PublishedEvent {
  readonly key: string | null;
  readonly id: string;
}

/** What {@link checkPublishedOrder} found. */
export interface PublishedOrderReport {
  /** Expected ids never published. */
  readonly missing: string[];
  /** Published ids nobody expected. */
  readonly unexpected: string[];
  /** Keys whose first occurrences are not in the expected order, with both sequences. */
  readonly reordered: Array<{ key: string | null; expected: string[]; actual: string[] }>;
  /** Extra copies of an id already published (allowed after a crash: O6). */
  readonly repeats: number;
}

/**
 * Checks O7 over what reached Kafka: per key, the first occurrence of each id must follow
 * the expected (insertion) order, nothing may be missing, and any extra record must repeat
 * an id already seen. `published` is in log order (per partition, which is per key).
 */
export function checkPublishedOrder(
  expected: ReadonlyMap<string | null, readonly string[]>,
  published: readonly PublishedEvent[],
): PublishedOrderReport {
  const seen = new Set<string>();
  const actual = new Map<string | null, string[]>();
  let repeats = 0;
  for (const event of published) {
    if (seen.has(event.id)) {
      repeats++;
      continue;
    }
    seen.add(event.id);
    let list = actual.get(event.key);
    if (!list) actual.set(event.key, (list = []));
    list.push(event.id);
  }
  const expectedIds = new Set([...expected.values()].flat());
  const reordered: PublishedOrderReport['reordered'] = [];
  for (const [key, ids] of expected) {
    const got = (actual.get(key) ?? []).filter((id) => expectedIds.has(id));
    const want = ids.filter((id) => seen.has(id));
    if (got.join() !== want.join()) reordered.push({ key, expected: [...ids], actual: got });
  }
  return {
    missing: [...expectedIds].filter((id) => !seen.has(id)),
    unexpected: [...seen].filter((id) => !expectedIds.has(id)),
    reordered,
    repeats,
  };
}
