import type { VirtualClock } from '../core/clock.js';
import type { LoadSimulator, RunOptions, RunResult } from './simulator.js';

const turn = () => new Promise<void>((r) => setImmediate(r));

/**
 * Run a simulation in virtual time: between two timers, wait until every
 * request in flight has been answered (real I/O), then jump the clock to the
 * next timer. The order of operations then depends only on the seed and the
 * schedule, not on how fast the machine is, so two runs with the same seed
 * do the same things in the same order.
 */
export async function runInVirtualTime(sim: LoadSimulator, clock: VirtualClock, options: RunOptions & { runtimeSeconds: number }): Promise<RunResult> {
  let done = false;
  const result = sim.run(options).finally(() => (done = true));
  const end = clock.monotonic() + options.runtimeSeconds * 1000;
  while (!done) {
    // Let promise chains and I/O settle: several turns with nothing in flight.
    let quiet = 0;
    while (quiet < 3 && !done) {
      await turn();
      quiet = sim.tracker.inFlight === 0 ? quiet + 1 : 0;
    }
    if (done) break;
    const due = clock.nextDue();
    const now = clock.monotonic();
    if (due === undefined || due > end) clock.advance(Math.max(0, end - now));
    else clock.advance(Math.max(0, due - now));
    await turn();
  }
  return result;
}
