import type { SimEvent } from './events.js';

/**
 * Everything that reads the run's events: the observers, the time series, the
 * live status line, the request accounting, the result writers. The simulator
 * hands each event to each reader, in the order they were added, on a later
 * turn than the client that emitted it (the event bus), so no reader ever
 * holds a client up.
 */
export interface EventReader {
  observe(event: SimEvent): void;
}
