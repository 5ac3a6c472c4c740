import type { Lane } from './key-lanes.js';

/**
 * Runs ready lanes, at most `maxInFlight` at once across all partitions, in the order
 * they became ready (fair between keys). One handler call per lane at a time is what
 * keeps each key in order (O1); many lanes at once is what makes keys parallel.
 *
 * `run` starts a lane's head; whoever settles it calls {@link release}. A handler that
 * settles synchronously re-enters through `enqueue`/`release` while the pump loop is
 * running: the `pumping` flag turns that into iteration, not recursion.
 */
export class Dispatcher {
  private ready: Lane[] = [];
  private head = 0;
  private inFlight = 0;
  private pumping = false;

  constructor(
    private readonly maxInFlight: number,
    private readonly run: (lane: Lane) => void,
  ) {}

  /** Queues a lane whose head can run now. */
  enqueue(lane: Lane): void {
    lane.state = 'ready';
    this.ready.push(lane);
    this.pump();
  }

  /** Frees the slot of a settled attempt. */
  release(): void {
    this.inFlight--;
    this.pump();
  }

  get running(): number {
    return this.inFlight;
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.inFlight < this.maxInFlight && this.head < this.ready.length) {
        const lane = this.ready[this.head++]!;
        if (lane.state !== 'ready' || lane.owner.closing) continue;
        lane.state = 'running';
        this.inFlight++;
        this.run(lane);
      }
    } finally {
      this.pumping = false;
    }
    if (this.head > 1024 && this.head * 2 > this.ready.length) {
      this.ready = this.ready.slice(this.head);
      this.head = 0;
    }
  }
}
