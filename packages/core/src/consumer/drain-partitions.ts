import { tpKey } from '../driver/topic-partition.js';
import type { Logger } from '../internal/logger.js';
import { sleep } from '../internal/sleep.js';
import type { PartitionState } from './partition-state.js';

/**
 * Waits for the partitions' in-flight handlers up to `timeoutMs`, then abandons what
 * is left (its events are redone by the partition's next owner: they were not committed).
 */
export async function drainPartitions(
  states: readonly PartitionState[],
  timeoutMs: number,
  why: string,
  logger: Logger,
): Promise<void> {
  const live = states.filter((s) => !s.abandoned && s.inFlight > 0);
  if (live.length === 0) return;
  const deadline = new AbortController();
  await Promise.race([Promise.all(live.map((s) => s.whenIdle())), sleep(timeoutMs, deadline.signal)]);
  deadline.abort();
  for (const s of live) {
    if (s.inFlight === 0) continue;
    logger.warn(`Abandoning ${s.inFlight} in-flight event(s) of ${tpKey(s)} after ${timeoutMs} ms (${why})`);
    s.abandon();
  }
}
