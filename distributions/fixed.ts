import type { Distribution, DistributionContext, DistributionDefinition } from '../lib/params/distribution.js';
import { formatValue } from './common.js';

export interface FixedOptions<T = unknown> {
  /** Any plist value: a number, string, date, array or dict. */
  value: T;
}

/** Always the same value. Draws no random numbers. */
export class FixedDistribution<T = unknown> implements Distribution<T> {
  readonly value: T;

  constructor(options: FixedOptions<T>, _ctx?: DistributionContext) {
    if (options.value === undefined) throw new RangeError('FixedDistribution: value: missing');
    this.value = options.value;
  }

  sample(): T {
    return this.value;
  }

  describe(): string {
    return `FixedDistribution(value=${formatValue(this.value)})`;
  }
}

export const fixedDistribution: DistributionDefinition<unknown> = {
  name: 'FixedDistribution',
  summary: 'Always the given value.',
  create(params, ctx) {
    const value = params.raw('value');
    if (value === undefined) params.error('value', 'missing; expected the value to return');
    params.finish();
    return params.ok ? new FixedDistribution({ value }, ctx) : undefined;
  },
};
