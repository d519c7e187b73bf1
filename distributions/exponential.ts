import type { NumberRule } from '../lib/params/params.js';
import type { Distribution, DistributionContext, DistributionDefinition } from '../lib/params/distribution.js';
import type { Random } from '../lib/core/random.js';
import { assertValid, formatNumber, isNumber, maybeNumber, numberIssues, reportIssues, type Issue } from './common.js';

/** Give exactly one of `mean` and `rate` (= 1 / mean). */
export interface ExponentialOptions {
  mean?: number;
  rate?: number;
}

const RULES: Readonly<Record<keyof ExponentialOptions, NumberRule>> = { mean: { positive: true }, rate: { positive: true } };

function resolveMean(o: ExponentialOptions): number | Issue[] {
  if (o.mean !== undefined && o.rate !== undefined) return [{ key: 'rate', message: 'give mean or rate, not both' }];
  if (o.mean === undefined && o.rate === undefined) return [{ key: 'mean', message: 'missing; give mean or rate' }];
  const mean = o.mean ?? 1 / o.rate!;
  return isNumber(mean) && mean > 0 ? mean : [];
}

/** Exponential: the waiting time between events of a Poisson process. Positive reals. */
export class ExponentialDistribution implements Distribution<number> {
  readonly mean: number;
  private readonly options: ExponentialOptions;
  private readonly random: Random;

  constructor(options: ExponentialOptions, ctx: DistributionContext) {
    const mean = resolveMean(options);
    assertValid('ExponentialDistribution', [...numberIssues(options, RULES, ['mean', 'rate']), ...(Array.isArray(mean) ? mean : [])]);
    if (Array.isArray(mean)) throw new RangeError('ExponentialDistribution: invalid options');
    this.mean = mean;
    this.options = { ...options };
    this.random = ctx.random;
  }

  sample(): number {
    return this.random.exponential(this.mean);
  }

  describe(): string {
    const given = this.options.rate !== undefined ? `rate=${formatNumber(this.options.rate)}` : `mean=${formatNumber(this.mean)}`;
    return `ExponentialDistribution(${given})`;
  }
}

export const exponentialDistribution: DistributionDefinition<number> = {
  name: 'ExponentialDistribution',
  summary: 'Exponential with the given mean (or rate).',
  create(params, ctx) {
    const options: ExponentialOptions = {};
    const mean = maybeNumber(params, 'mean', RULES.mean);
    const rate = maybeNumber(params, 'rate', RULES.rate);
    if (mean !== undefined) options.mean = mean;
    if (rate !== undefined) options.rate = rate;
    const resolved = resolveMean(options);
    if (Array.isArray(resolved)) reportIssues(params, resolved);
    params.finish();
    return params.ok ? new ExponentialDistribution(options, ctx) : undefined;
  },
};
