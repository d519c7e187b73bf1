/**
 * The capacity benchmark's arrival: a step ramp, written as a user would
 * write an arrival policy of their own (config: `factory` =
 * `…/step-ramp.js#StepRamp`). Step k (0-based) brings `stepSize` users
 * spread evenly over its first `spread` seconds, in groups of `groupSize`, at
 * k · `period` s; the rest of the period nobody arrives, so the last part of
 * each step is a steady state with that many clients. Spreading a step's
 * users keeps their polls from all falling due in the same millisecond, as a
 * real population's do not.
 */
import type { Arrival, ArrivalPolicy } from '../../../lib/registry/arrival-policy.js';

export interface StepRampParams {
  steps: number;
  stepSize: number;
  period: number;
  spread: number;
  groupSize: number;
}

export class StepRamp implements ArrivalPolicy {
  readonly totalUsers: number;
  readonly clientsPerUser = 1;
  constructor(readonly p: StepRampParams) {
    for (const k of ['steps', 'stepSize', 'period', 'spread', 'groupSize'] as const) {
      if (!(typeof p[k] === 'number' && p[k] > 0)) throw new Error(`StepRamp: ${k} must be a positive number, got ${String(p[k])}`);
    }
    if (p.stepSize % p.groupSize !== 0) throw new Error('StepRamp: stepSize must be a multiple of groupSize');
    if (p.spread >= p.period) throw new Error('StepRamp: spread must be shorter than period');
    this.totalUsers = p.steps * p.stepSize;
  }
  *arrivals(): Iterable<Arrival> {
    const groups = this.p.stepSize / this.p.groupSize;
    for (let k = 0; k < this.p.steps; k++) {
      for (let g = 0; g < groups; g++) yield { at: k * this.p.period + (g * this.p.spread) / groups, users: this.p.groupSize };
    }
  }
  describe(): string {
    return `${this.p.steps} steps of ${this.p.stepSize} users every ${this.p.period} s, each over ${this.p.spread} s`;
  }
}
