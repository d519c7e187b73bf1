import { Subject } from 'rxjs';
import type { SimEvent } from '../core/events.js';

export interface EventBusOptions {
  /** Events held for observers before new ones are dropped (and the run fails). */
  maxQueued: number;
}

export const eventBusDefaults: EventBusOptions = { maxQueued: 200_000 };

/**
 * Clients emit synchronously and move on; observers are fed in batches on a
 * later turn of the event loop, through an rxjs Subject. A slow observer
 * therefore never holds up a client: the queue grows instead, up to a bound,
 * and past it events are dropped and counted, which fails the run — results
 * with holes in them must not pass.
 */
export class EventBus {
  readonly events$ = new Subject<SimEvent>();
  readonly options: EventBusOptions;
  dropped = 0;
  private queue: SimEvent[] = [];
  private scheduled = false;

  constructor(options: Partial<EventBusOptions> = {}) {
    this.options = { ...eventBusDefaults, ...options };
  }

  readonly emit = (event: SimEvent): void => {
    if (this.queue.length >= this.options.maxQueued) {
      this.dropped++;
      return;
    }
    this.queue.push(event);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drain);
    }
  };

  private readonly drain = (): void => {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    for (const e of batch) this.events$.next(e);
  };

  /** Deliver everything queued now (at the end of a run). */
  flush(): void {
    while (this.queue.length) this.drain();
  }

  complete(): void {
    this.flush();
    this.events$.complete();
  }
}
