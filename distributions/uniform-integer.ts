import type { NumberRule } from '../lib/params/params.js';
import type { Distribution, DistributionContext, DistributionDefinition } from '../lib/params/distribution.js';
import type { Random } from '../lib/core/random.js';
import { assertValid, isNumber, numberIssues, reportIssues, type Issue } from './common.js';

export interface UniformIntegerOptions {
  /** Smallest value, inclusive. */
  min: number;
  /** Upper bound, exclusive (as in the original), > min. */
  max: number;
}

const RULES: Readonly<Record<keyof UniformIntegerOptions, NumberRule>> = { min: { integer: true }, max: { integer: true } };

function crossIssues(o: UniformIntegerOptions): Issue[] {
  if (isNumber(o.min) && isNumber(o.max) && o.max <= o.min) {
    return [{ key: 'max', message: `must be greater than min (max is exclusive; got min ${o.min}, max ${o.max})` }];
  }
  return [];
}

/**
 * Integers uniformly in [min, max). The original took int() of a uniform real,
 * which truncates toward zero: for ranges crossing 0 it made 0 twice as likely
 * and min almost impossible. Flooring gives every integer the same chance.
 */
export class UniformIntegerDistribution implements Distribution<number> {
  readonly min: number;
  readonly max: number;
  private readonly random: Random;

  constructor(options: UniformIntegerOptions, ctx: DistributionContext) {
    assertValid('UniformIntegerDistribution', [...numberIssues(options, RULES), ...crossIssues(options)]);
    this.min = options.min;
    this.max = options.max;
    this.random = ctx.random;
  }

  sample(): number {
    return this.random.integer(this.min, this.max);
  }

  describe(): string {
    return `UniformIntegerDistribution(min=${this.min}, max=${this.max})`;
  }
}

export const uniformIntegerDistribution: DistributionDefinition<number> = {
  name: 'UniformIntegerDistribution',
  summary: 'Integers uniformly from min (inclusive) to max (exclusive).',
  create(params, ctx) {
    const options = { min: params.number('min', RULES.min), max: params.number('max', RULES.max) };
    reportIssues(params, crossIssues(options));
    params.finish();
    return params.ok ? new UniformIntegerDistribution(options, ctx) : undefined;
  },
};
