import type { NumberRule } from '../lib/params/params.js';
import type { Distribution, DistributionContext, DistributionDefinition } from '../lib/params/distribution.js';
import type { Random } from '../lib/core/random.js';
import { assertValid, drawBelow, formatNumber, isNumber, maximumIssue, maybeNumber, normalCdf, numberIssues, reportIssues, type Issue } from './common.js';

/**
 * Three parametrisations, as in the plists: `mu` + `sigma` (of the underlying
 * normal); `mode` + `median`; `mode` + `mean`. Exactly one must be given.
 */
export interface LogNormalOptions {
  /** Mean of ln X. Given together with `sigma`. */
  mu?: number;
  /** Standard deviation of ln X, ≥ 0. Given together with `mu`. */
  sigma?: number;
  /** The peak, > 0. Given with `median` or `mean`, never above them. */
  mode?: number;
  /** 50 % of samples are below it. */
  median?: number;
  /** The expected value. */
  mean?: number;
  /** Samples above it are redrawn, up to 10 times; then `sample()` throws a DistributionError. */
  maximum?: number;
}

export const logNormalDefaults = { maximum: Infinity } as const;

/** How many redraws a sample gets when it exceeds `maximum` (as the original). */

const RULES: Readonly<Record<keyof LogNormalOptions, NumberRule>> = {
  mu: {},
  sigma: { min: 0 },
  mode: { positive: true },
  median: { positive: true },
  mean: { positive: true },
  maximum: { positive: true },
};
const OPTIONAL = Object.keys(RULES);

/**
 * The underlying (mu, sigma) of a parametrisation, or the issues preventing it.
 * Values that are present but NaN were already reported by the reader: they
 * count as given, but are not compared.
 *
 * With scale-free X = exp(mu + sigma·N): mode = exp(mu − sigma²),
 * median = exp(mu), mean = exp(mu + sigma²/2). Hence
 *   mode + median: sigma² = ln(median/mode), mu = ln(median)
 *     (the original's mode·exp(ln m + √(ln m)·N) with m = median/mode, the same law);
 *   mode + mean:   sigma² = (2/3)·ln(mean/mode), mu = ln(mode) + sigma²
 *     (the original used the median formula here, so its "mean" was a median).
 * mode = median or mode = mean gives sigma = 0: the constant mode, allowed.
 */
export function resolveLogNormal(o: LogNormalOptions): { mu: number; sigma: number } | Issue[] {
  const issues: Issue[] = [];
  const given = (k: keyof LogNormalOptions) => o[k] !== undefined;
  if (given('mu') || given('sigma')) {
    if (!given('mu')) issues.push({ key: 'mu', message: 'mu and sigma must both be given' });
    if (!given('sigma')) issues.push({ key: 'sigma', message: 'mu and sigma must both be given' });
    for (const k of ['mode', 'median', 'mean'] as const) {
      if (given(k)) issues.push({ key: k, message: `give either mu and sigma, or mode with median or mean, not both` });
    }
    if (issues.length > 0 || !isNumber(o.mu) || !isNumber(o.sigma) || o.sigma < 0) return issues;
    return { mu: o.mu, sigma: o.sigma };
  }
  if (!given('mode')) {
    issues.push({ key: 'mode', message: 'missing; give mu and sigma, or mode with median or mean' });
    return issues;
  }
  if (!given('median') && !given('mean')) {
    issues.push({ key: 'median', message: 'missing; with mode, give median or mean' });
    return issues;
  }
  if (given('median') && given('mean')) {
    issues.push({ key: 'mean', message: 'give median or mean with mode, not both' });
    return issues;
  }
  const ref = given('median') ? 'median' : 'mean';
  const mode = o.mode;
  const value = o[ref];
  if (!isNumber(mode) || !isNumber(value) || mode <= 0 || value <= 0) return issues;
  if (mode > value) {
    issues.push({ key: 'mode', message: `mode must not exceed ${ref} (mode ${mode} > ${ref} ${value})` });
    return issues;
  }
  if (ref === 'median') {
    return { mu: Math.log(value), sigma: Math.sqrt(Math.log(value / mode)) };
  }
  const variance = (2 / 3) * Math.log(value / mode);
  return { mu: Math.log(mode) + variance, sigma: Math.sqrt(variance) };
}

/** Whether `maximum` leaves room to sample: ln X is Normal(mu, sigma), so P(X ≤ max) = Φ((ln max − mu)/sigma). */
function reachIssues(mu: number, sigma: number, maximum: number | undefined): Issue[] {
  if (!isNumber(maximum) || maximum <= 0) return [];
  const z = sigma === 0 ? (Math.log(maximum) >= mu ? Infinity : -Infinity) : (Math.log(maximum) - mu) / sigma;
  return maximumIssue(normalCdf(z), maximum, `raise it above the median, ${formatNumber(Math.exp(mu))}`);
}

/** Log-normal; samples are positive reals. */
export class LogNormalDistribution implements Distribution<number> {
  /** Of the underlying normal, whatever the parametrisation. */
  readonly mu: number;
  readonly sigma: number;
  readonly maximum: number;
  private readonly options: LogNormalOptions;
  private readonly random: Random;

  constructor(options: LogNormalOptions, ctx: DistributionContext) {
    const resolved = resolveLogNormal(options);
    assertValid('LogNormalDistribution', [
      ...numberIssues(options, RULES, OPTIONAL),
      ...(Array.isArray(resolved) ? resolved : []),
    ]);
    if (Array.isArray(resolved)) throw new RangeError('LogNormalDistribution: invalid options');
    const { mu, sigma } = resolved;
    this.mu = mu;
    this.sigma = sigma;
    this.maximum = options.maximum ?? logNormalDefaults.maximum;
    this.options = { ...options };
    this.random = ctx.random;
  }

  /** @throws DistributionError when `maximum` is exceeded by the first draw and all 10 redraws. */
  sample(): number {
    return drawBelow('LogNormalDistribution', this.maximum, () => this.draw());
  }

  private draw(): number {
    return Math.exp(this.mu + this.sigma * this.random.normal());
  }

  describe(): string {
    const keys = (['mu', 'sigma', 'mode', 'median', 'mean', 'maximum'] as const).filter((k) => this.options[k] !== undefined);
    return `LogNormalDistribution(${keys.map((k) => `${k}=${formatNumber(this.options[k]!)}`).join(', ')})`;
  }
}

export const logNormalDistribution: DistributionDefinition<number> = {
  name: 'LogNormalDistribution',
  summary: 'Log-normal from mu+sigma, mode+median or mode+mean, with an optional maximum.',
  create(params, ctx) {
    const options: LogNormalOptions = {};
    for (const key of ['mu', 'sigma', 'mode', 'median', 'mean', 'maximum'] as const) {
      const v = maybeNumber(params, key, RULES[key]);
      if (v !== undefined) options[key] = v;
    }
    const resolved = resolveLogNormal(options);
    if (Array.isArray(resolved)) reportIssues(params, resolved);
    params.finish();
    return params.ok ? new LogNormalDistribution(options, ctx) : undefined;
  },
  samplingIssues: (d) => {
    const ln = d as LogNormalDistribution;
    return reachIssues(ln.mu, ln.sigma, ln.maximum);
  },
};
