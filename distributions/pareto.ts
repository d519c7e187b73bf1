import type { NumberRule } from '../lib/params/params.js';
import type { Distribution, DistributionContext, DistributionDefinition } from '../lib/params/distribution.js';
import type { Random } from '../lib/core/random.js';
import { assertValid, drawBelow, formatNumber, isNumber, maximumIssue, maybeNumber, numberIssues, reportIssues, type Issue } from './common.js';

export interface ParetoOptions {
  /** x_m, the smallest possible value, > 0. */
  scale: number;
  /** α, > 0. The mean exists for α > 1 (α·x_m/(α−1)), the variance for α > 2. */
  shape: number;
  /** Samples above it are redrawn, up to 10 times, then `sample()` throws (as LogNormal). Must exceed scale. */
  maximum?: number;
}

export const paretoDefaults = { maximum: Infinity } as const;

const RULES: Readonly<Record<keyof ParetoOptions, NumberRule>> = {
  scale: { positive: true },
  shape: { positive: true },
  maximum: { positive: true },
};

function crossIssues(o: ParetoOptions): Issue[] {
  if (isNumber(o.maximum) && isNumber(o.scale) && o.maximum <= o.scale) {
    return [{ key: 'maximum', message: `must be greater than scale, the smallest possible sample (got maximum ${o.maximum}, scale ${o.scale})` }];
  }
  return [];
}

/** Above scale but so close to it that nearly every draw exceeds it: P(X ≤ max) = 1 − (scale/max)^shape. */
function reachIssues(d: ParetoDistribution): Issue[] {
  if (!Number.isFinite(d.maximum)) return [];
  return maximumIssue(1 - (d.scale / d.maximum) ** d.shape, d.maximum, `raise it well above scale, ${formatNumber(d.scale)}`);
}

/** Pareto (type I): heavy-tailed positive reals ≥ scale, by inverting the CDF. */
export class ParetoDistribution implements Distribution<number> {
  readonly scale: number;
  readonly shape: number;
  readonly maximum: number;
  private readonly random: Random;

  constructor(options: ParetoOptions, ctx: DistributionContext) {
    assertValid('ParetoDistribution', [...numberIssues(options, RULES, ['maximum']), ...crossIssues(options)]);
    this.scale = options.scale;
    this.shape = options.shape;
    this.maximum = options.maximum ?? paretoDefaults.maximum;
    this.random = ctx.random;
  }

  /** @throws DistributionError when `maximum` is exceeded by the first draw and all 10 redraws. */
  sample(): number {
    return drawBelow('ParetoDistribution', this.maximum, () => this.draw());
  }

  private draw(): number {
    // F(x) = 1 − (x_m/x)^α, so x = x_m·(1−U)^(−1/α); 1−U is in (0, 1], never 0.
    return this.scale * (1 - this.random.next()) ** (-1 / this.shape);
  }

  describe(): string {
    const max = Number.isFinite(this.maximum) ? `, maximum=${formatNumber(this.maximum)}` : '';
    return `ParetoDistribution(scale=${formatNumber(this.scale)}, shape=${formatNumber(this.shape)}${max})`;
  }
}

export const paretoDistribution: DistributionDefinition<number> = {
  name: 'ParetoDistribution',
  summary: 'Pareto with scale x_m and shape α, optionally redrawn above a maximum.',
  create(params, ctx) {
    const options: ParetoOptions = { scale: params.number('scale', RULES.scale), shape: params.number('shape', RULES.shape) };
    const maximum = maybeNumber(params, 'maximum', RULES.maximum);
    if (maximum !== undefined) options.maximum = maximum;
    reportIssues(params, crossIssues(options));
    params.finish();
    return params.ok ? new ParetoDistribution(options, ctx) : undefined;
  },
  samplingIssues: (d) => reachIssues(d as ParetoDistribution),
};
