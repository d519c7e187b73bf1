import type { CalendarClient } from '../clients/calendar-client.js';
import type { Clock } from '../core/clock.js';
import type { ParamValues } from '../params/param-spec.js';
import type { EmitEvent } from '../core/events.js';
import type { AccountRecord } from '../core/account-record.js';
import type { Random } from '../core/random.js';
import type { Generation } from '../params/generation.js';

/** The users of the simulation, as profiles see them (invitees are chosen by user number). */
export interface PopulationView {
  /** Every account, indexed by user number (0-based, arrival order). */
  readonly records: readonly AccountRecord[];
  /** A random user number other than `besides`, or undefined when there is none (the original's getRandomUserRecord). */
  randomUserNumber(random: Random, besides?: number): number | undefined;
}

/** What a profile gets when it is made: its client, its user, its params and its own random stream. */
export interface ProfileContext<P = ParamValues> {
  client: CalendarClient;
  /** 0-based user number in arrival order. */
  userNumber: number;
  /** Validated params, defaults applied; distributions are DistributionSpecs to instantiate with `random`. */
  params: P;
  clock: Clock;
  /** This profile's own stream (derived from the seed and user/client/profile identity). */
  random: Random;
  emit: EmitEvent;
  population: PopulationView;
  /** The reference generation the run reproduces (absent: master). */
  generation?: Generation;
  /**
   * Interval profiles tick first after a random 1…interval seconds (master's
   * way), or at once (2013's); absent: as the generation did it.
   */
  staggerFirstTick?: boolean;
}

/** A running user behaviour. */
export interface Profile {
  /**
   * Called before the client's startup: listen to what the client fetches, so
   * that what its first poll brings in is heard (the original ran its profiles
   * from the client's creation on). Optional; start() does it otherwise.
   */
  prepare?(): void;
  /** Start its loop; called once the client has started. */
  start(): void;
  /** Stop scheduling; in-flight work may finish. */
  stop(): void;
}
