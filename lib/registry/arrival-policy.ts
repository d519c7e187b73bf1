import type { Random } from '../core/random.js';

/** A batch of users arriving `at` seconds after the run starts. */
export interface Arrival {
  at: number;
  users: number;
}

/**
 * When users join the simulation. The simulator walks `arrivals()` with its Clock
 * and adds each batch; `loadsim validate` prints the same plan.
 */
export interface ArrivalPolicy {
  /** Users the whole schedule adds (what the accounts must cover). */
  readonly totalUsers: number;
  /** Clients created for each user, each taking the next kind from the weighted cycle. */
  readonly clientsPerUser: number;
  /** The schedule, in time order. `random` drives open-model policies; closed ones ignore it. */
  arrivals(random: Random): Iterable<Arrival>;
  /** One line, e.g. `20 groups × 1 user every 3 s`. */
  describe(): string;
}
