import type { ArrivalDefinition } from '../../registry/definitions.js';
import type { Arrival, ArrivalPolicy } from '../../registry/arrival-policy.js';

export interface SmoothRampUpOptions {
  /** Number of groups. */
  groups: number;
  /** Users per group. */
  groupSize: number;
  /** Seconds between groups; the first arrives at 0. */
  interval: number;
  /** Clients per user. */
  clientsPerUser: number;
}

export const smoothRampUpDefaults: SmoothRampUpOptions = { groups: 10, groupSize: 1, interval: 3, clientsPerUser: 1 };

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The original's closed-model ramp: `groups` groups of `groupSize` users, one every `interval` seconds. */
export class SmoothRampUp implements ArrivalPolicy {
  readonly options: SmoothRampUpOptions;
  constructor(options: Partial<SmoothRampUpOptions> = {}) {
    this.options = { ...smoothRampUpDefaults, ...options };
  }
  get totalUsers(): number {
    return this.options.groups * this.options.groupSize;
  }
  get clientsPerUser(): number {
    return this.options.clientsPerUser;
  }
  *arrivals(): Iterable<Arrival> {
    for (let i = 0; i < this.options.groups; i++) yield { at: i * this.options.interval, users: this.options.groupSize };
  }
  describe(): string {
    const { groups, groupSize, interval } = this.options;
    return `${plural(groups, 'group')} × ${plural(groupSize, 'user')} every ${interval} s, the last at ${(groups - 1) * interval} s`;
  }
}

export const smoothRampUp: ArrivalDefinition = {
  name: 'SmoothRampUp',
  summary: 'groups of users at a fixed interval (closed model, the original)',
  params: {
    groups: { type: 'number', rule: { integer: true, min: 1 }, required: true, doc: 'number of groups of users' },
    groupSize: { type: 'number', rule: { integer: true, min: 1 }, required: true, doc: 'users in each group' },
    interval: { type: 'number', rule: { min: 0 }, unit: 's', required: true, doc: 'seconds between groups' },
    clientsPerUser: { type: 'number', rule: { integer: true, min: 1 }, default: 1, doc: 'clients each user runs' },
  },
  create: (v) =>
    new SmoothRampUp({
      groups: v.groups as number,
      groupSize: v.groupSize as number,
      interval: v.interval as number,
      clientsPerUser: v.clientsPerUser as number,
    }),
};
