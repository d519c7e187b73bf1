import { randomBytes } from 'node:crypto';
import seedrandom from 'seedrandom';
import { flatString } from './flat-string.js';

/**
 * A seeded stream of random numbers. The only source of randomness in loadsim:
 * nothing calls Math.random.
 *
 * Streams are derived by identity (`root.derive('user07/client0/profile:Eventer')`),
 * not by drawing from a parent, so adding a profile or a client never shifts the
 * numbers another one sees, and the same `--seed` replays the same run.
 *
 * Alea is used rather than seedrandom's default ARC4: it passes the usual
 * statistical batteries and is several times faster, which matters when every
 * client draws for every operation.
 */
export class Random {
  readonly seed: string;
  private readonly prng: () => number;

  constructor(seed: string) {
    // Flat: every client keeps a few streams for the whole run, and a derived seed is built by a template.
    this.seed = flatString(seed);
    this.prng = seedrandom.alea(seed);
  }

  /** A root stream; without a seed one is made up (and is printed by the CLI, so the run can be replayed). */
  static create(seed?: string | number): Random {
    return new Random(seed === undefined ? randomBytes(8).toString('hex') : String(seed));
  }

  /** An independent stream for a named part of the simulation. */
  derive(identity: string): Random {
    return new Random(`${this.seed}/${identity}`);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.prng();
  }

  /** Uniform real in [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.prng();
  }

  /** Uniform integer in [min, max) (max exclusive), both integers. */
  integer(min: number, max: number): number {
    return min + Math.floor((max - min) * this.prng());
  }

  /**
   * Standard normal N(0, 1), by Box–Muller. The second value of each pair is
   * thrown away on purpose: keeping it would make a sample depend on whether
   * the previous call was odd or even, which breaks replay after a restore.
   */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.prng(); // log(0) is -Infinity
    const v = this.prng();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Exponential with the given mean (inter-arrival times of a Poisson process). */
  exponential(mean: number): number {
    let u = 0;
    while (u === 0) u = this.prng();
    return -Math.log(u) * mean;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.integer(0, items.length)]!;
  }

  /** Fisher–Yates, in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.integer(0, i + 1);
      const t = items[i]!;
      items[i] = items[j]!;
      items[j] = t;
    }
    return items;
  }
}
