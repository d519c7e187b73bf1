import type { Random } from '../../core/random.js';
import type { ArrivalDefinition } from '../../registry/definitions.js';
import type { Arrival, ArrivalPolicy } from '../../registry/arrival-policy.js';

export interface ConstantArrivalRateOptions {
  /** Mean arrivals per second. */
  usersPerSecond: number;
  /** Stop after this many users. */
  maxUsers: number;
  /** `exponential`: a Poisson process (what independent people do); `fixed`: exactly 1/rate apart. */
  interArrival: 'exponential' | 'fixed';
  clientsPerUser: number;
}

export const constantArrivalRateDefaults: ConstantArrivalRateOptions = {
  usersPerSecond: 1,
  maxUsers: 100,
  interArrival: 'exponential',
  clientsPerUser: 1,
};

/**
 * An open model: users arrive at a rate, whether or not the server keeps up,
 * as k6's and Locust's arrival-rate executors do. With `exponential` gaps the
 * arrivals form a Poisson process, which is what a real population looks like.
 */
export class ConstantArrivalRate implements ArrivalPolicy {
  readonly options: ConstantArrivalRateOptions;
  constructor(options: Partial<ConstantArrivalRateOptions> = {}) {
    this.options = { ...constantArrivalRateDefaults, ...options };
  }
  get totalUsers(): number {
    return this.options.maxUsers;
  }
  get clientsPerUser(): number {
    return this.options.clientsPerUser;
  }
  *arrivals(random: Random): Iterable<Arrival> {
    const mean = 1 / this.options.usersPerSecond;
    let at = 0;
    for (let i = 0; i < this.options.maxUsers; i++) {
      if (i > 0) at += this.options.interArrival === 'fixed' ? mean : random.exponential(mean);
      yield { at, users: 1 };
    }
  }
  describe(): string {
    const { usersPerSecond, maxUsers, interArrival } = this.options;
    return `${usersPerSecond} users/s (${interArrival} gaps) up to ${maxUsers} users, about ${((maxUsers - 1) / usersPerSecond).toFixed(1)} s`;
  }
}

export const constantArrivalRate: ArrivalDefinition = {
  name: 'ConstantArrivalRate',
  summary: 'users arrive at a constant mean rate (open model)',
  params: {
    usersPerSecond: { type: 'number', rule: { positive: true }, required: true, doc: 'mean arrivals per second' },
    maxUsers: { type: 'number', rule: { integer: true, min: 1 }, required: true, doc: 'total users to add' },
    interArrival: { type: 'string', oneOf: ['exponential', 'fixed'], default: 'exponential', doc: 'gaps between arrivals' },
    clientsPerUser: { type: 'number', rule: { integer: true, min: 1 }, default: 1, doc: 'clients each user runs' },
  },
  create: (v) =>
    new ConstantArrivalRate({
      usersPerSecond: v.usersPerSecond as number,
      maxUsers: v.maxUsers as number,
      interArrival: v.interArrival as 'exponential' | 'fixed',
      clientsPerUser: v.clientsPerUser as number,
    }),
};
