import type { NumberRule } from '../lib/params/params.js';
import type { Distribution, DistributionContext, DistributionDefinition } from '../lib/params/distribution.js';
import type { Random } from '../lib/core/random.js';
import { assertValid, formatNumber, isNumber, numberIssues, reportIssues, type Issue } from './common.js';

export interface UniformOptions {
  /** Lower bound, inclusive. */
  min: number;
  /** Upper bound, exclusive, > min. */
  max: number;
}

const RULES: Readonly<Record<keyof UniformOptions, NumberRule>> = { min: {}, max: {} };

function crossIssues(o: UniformOptions): Issue[] {
  if (isNumber(o.min) && isNumber(o.max) && o.max <= o.min) {
    return [{ key: 'max', message: `must be greater than min (got min ${o.min}, max ${o.max})` }];
  }
  return [];
}

/** Reals uniformly in [min, max). */
export class UniformDistribution implements Distribution<number> {
  readonly min: number;
  readonly max: number;
  private readonly random: Random;

  constructor(options: UniformOptions, ctx: DistributionContext) {
    assertValid('UniformDistribution', [...numberIssues(options, RULES), ...crossIssues(options)]);
    this.min = options.min;
    this.max = options.max;
    this.random = ctx.random;
  }

  sample(): number {
    return this.random.uniform(this.min, this.max);
  }

  describe(): string {
    return `UniformDistribution(min=${formatNumber(this.min)}, max=${formatNumber(this.max)})`;
  }
}

export const uniformDistribution: DistributionDefinition<number> = {
  name: 'UniformDistribution',
  summary: 'Reals uniformly from min (inclusive) to max (exclusive).',
  create(params, ctx) {
    const options = { min: params.number('min', RULES.min), max: params.number('max', RULES.max) };
    reportIssues(params, crossIssues(options));
    params.finish();
    return params.ok ? new UniformDistribution(options, ctx) : undefined;
  },
};
