import type { Lane } from './key-lanes.js';

/**
 * Runs ready lanes, at most `maxInFlight` at once across all partitions, in the order
 * they became ready (fair between keys). One handler call per lane at a time is what
 * keeps each key in order (O1); many lanes at once is what makes keys parallel.
 */
export class Dispatcher {
  private ready: Lane[] = [];
  private head = 0;
  private inFlight = 0;

  constructor(
    private readonly maxInFlight: number,
    private readonly run: (lane: Lane) => Promise<void>,
  ) {}

  /** Queues a lane whose head can run now. */
  enqueue(lane: Lane): void {
    lane.state = 'ready';
    this.ready.push(lane);
    this.pump();
  }

  get running(): number {
    return this.inFlight;
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.head < this.ready.length) {
      const lane = this.ready[this.head++]!;
      if (lane.state !== 'ready' || lane.owner.closing) continue;
      lane.state = 'running';
      this.inFlight++;
      void this.run(lane).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
    if (this.head > 1024 && this.head * 2 > this.ready.length) {
      this.ready = this.ready.slice(this.head);
      this.head = 0;
    }
  }
}
