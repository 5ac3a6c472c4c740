/**
 * A wake-up between polls: `wait(ms)` resolves after `ms` or at the next `signal()`,
 * whichever is first. A signal that arrives while nobody waits is remembered, so a
 * NOTIFY received during a batch is never lost.
 */
export class WakeSignal {
  private pending = false;
  private wakeUp: (() => void) | undefined;

  signal(): void {
    if (this.wakeUp) this.wakeUp();
    else this.pending = true;
  }

  wait(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }
}
