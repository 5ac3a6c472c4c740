/** Something that takes listeners: a consumer or a dead-letter consumer. */
export interface ListenerTarget<Events> {
  on<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): () => void;
}

interface Entry<Events> {
  readonly event: keyof Events;
  readonly listener: (payload: never) => void;
  off?: () => void;
}

/**
 * Listeners added before the consumers exist (they are built at `start()`, and again
 * at every restart): kept here and attached to each new target.
 */
export class ListenerList<Events> {
  private readonly entries = new Set<Entry<Events>>();
  private target: ListenerTarget<Events> | undefined;

  /** Adds a listener, attached now if there is a target; returns a function that removes it. */
  on<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): () => void {
    const entry: Entry<Events> = { event, listener: listener as (payload: never) => void };
    this.entries.add(entry);
    if (this.target) entry.off = this.target.on(event, listener);
    return () => {
      this.entries.delete(entry);
      entry.off?.();
    };
  }

  /** Moves every listener to a new target (or to none). */
  attach(target: ListenerTarget<Events> | undefined): void {
    for (const entry of this.entries) {
      entry.off?.();
      entry.off = target?.on(entry.event, entry.listener as (payload: Events[keyof Events]) => void);
    }
    this.target = target;
  }
}
