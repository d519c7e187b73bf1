import type { NumberRule } from '../lib/params/params.js';
import type { Distribution, DistributionContext, DistributionDefinition } from '../lib/params/distribution.js';
import type { Random } from '../lib/core/random.js';
import { assertValid, formatNumber, isNumber, numberIssues, reportIssues, type Issue } from './common.js';

export interface NormalOptions {
  /** Mean of the untruncated normal. */
  mu: number;
  /** Standard deviation of the untruncated normal, ≥ 0. */
  sigma: number;
}

const RULES: Readonly<Record<keyof NormalOptions, NumberRule>> = { mu: {}, sigma: { min: 0 } };

function crossIssues(o: Partial<NormalOptions>): Issue[] {
  if (o.sigma === 0 && isNumber(o.mu) && o.mu < 0) {
    return [{ key: 'mu', message: `with sigma 0 every sample would be mu, which must not be negative (got ${o.mu})` }];
  }
  return [];
}

/**
 * A sample of Normal(mu, sigma) conditioned on being ≥ 0: exactly what
 * "redraw while negative" produces, without its cost when most of the mass is
 * negative. For mu ≥ 0 at least half the draws are accepted, so plain redrawing
 * is used (the same draws as the original's loop). For mu < 0 the accepted
 * share can be tiny (mu = −5σ accepts 1 draw in 3.5 million), so the tail above
 * a = −mu/σ is drawn with Robert's (1995) exponential rejection sampler, which
 * is exact and accepts at least 76 % of its proposals for any a ≥ 0.
 */
export function truncatedNormal(random: Random, mu: number, sigma: number): number {
  if (sigma === 0) return Math.max(mu, 0);
  if (mu >= 0) {
    for (;;) {
      const x = mu + sigma * random.normal();
      if (x >= 0) return x;
    }
  }
  const a = -mu / sigma;
  const alpha = (a + Math.sqrt(a * a + 4)) / 2;
  for (;;) {
    const z = a + random.exponential(1 / alpha);
    if (random.next() <= Math.exp(-((z - alpha) ** 2) / 2)) return mu + sigma * z;
  }
}

/** Normal(mu, sigma) truncated at 0: negative values are redrawn. Samples are reals. */
export class NormalDistribution implements Distribution<number> {
  readonly mu: number;
  readonly sigma: number;
  private readonly random: Random;

  constructor(options: NormalOptions, ctx: DistributionContext) {
    assertValid('NormalDistribution', [...numberIssues(options, RULES), ...crossIssues(options)]);
    this.mu = options.mu;
    this.sigma = options.sigma;
    this.random = ctx.random;
  }

  sample(): number {
    return truncatedNormal(this.random, this.mu, this.sigma);
  }

  describe(): string {
    return `NormalDistribution(mu=${formatNumber(this.mu)}, sigma=${formatNumber(this.sigma)})`;
  }
}

export const normalDistribution: DistributionDefinition<number> = {
  name: 'NormalDistribution',
  summary: 'Normal(mu, sigma), redrawn while negative.',
  create(params, ctx) {
    const options: NormalOptions = { mu: params.number('mu', RULES.mu), sigma: params.number('sigma', RULES.sigma) };
    reportIssues(params, crossIssues(options));
    params.finish();
    return params.ok ? new NormalDistribution(options, ctx) : undefined;
  },
};
