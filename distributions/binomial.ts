import type { NumberRule } from '../lib/params/params.js';
import type { Distribution, DistributionContext, DistributionDefinition } from '../lib/params/distribution.js';
import type { Random } from '../lib/core/random.js';
import { assertValid, formatNumber, numberIssues } from './common.js';

export interface BinomialOptions {
  /** Number of trials, a positive integer. */
  n: number;
  /** Success probability of each trial, 0 to 1. */
  p: number;
}

const RULES: Readonly<Record<keyof BinomialOptions, NumberRule>> = { n: { positive: true, integer: true }, p: { min: 0, max: 1 } };

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** ln k! − ((k+½)·ln(k+1) − (k+1) + ½·ln 2π): exact below 10, Stirling's series above. */
const STIRLING_TAIL: readonly number[] = (() => {
  const table: number[] = [];
  let logFactorial = 0;
  for (let k = 0; k < 10; k++) {
    if (k > 0) logFactorial += Math.log(k);
    table.push(logFactorial - ((k + 0.5) * Math.log(k + 1) - (k + 1) + HALF_LOG_2PI));
  }
  return table;
})();

function stirlingTail(k: number): number {
  if (k < 10) return STIRLING_TAIL[k]!;
  const z2 = (k + 1) * (k + 1);
  return (1 / 12 - (1 / 360 - 1 / 1260 / z2) / z2) / (k + 1);
}

/** Inversion by sequential search; expected cost O(n·p), used while n·p < 10 (p ≤ ½). */
function inversion(random: Random, n: number, p: number): number {
  const q = 1 - p;
  const qn = Math.exp(n * Math.log(q));
  const bound = Math.min(n, n * p + 10 * Math.sqrt(n * p * q + 1));
  let x = 0;
  let px = qn;
  let u = random.next();
  while (u > px) {
    x++;
    if (x > bound) {
      x = 0;
      px = qn;
      u = random.next();
    } else {
      u -= px;
      px = ((n - x + 1) * p * px) / (x * q);
    }
  }
  return x;
}

/**
 * Hörmann's BTRS (transformed rejection with squeeze, 1993), for n·p ≥ 10 and
 * p ≤ ½: constant expected cost however large n is, where summing n Bernoulli
 * trials or searching the CDF would take O(n) or underflow.
 */
function btrs(random: Random, n: number, p: number): number {
  const spq = Math.sqrt(n * p * (1 - p));
  const b = 1.15 + 2.53 * spq;
  const a = -0.0873 + 0.0248 * b + 0.01 * p;
  const c = n * p + 0.5;
  const vr = 0.92 - 4.2 / b;
  const r = p / (1 - p);
  const alpha = (2.83 + 5.1 / b) * spq;
  const m = Math.floor((n + 1) * p);
  for (;;) {
    const u = random.next() - 0.5;
    let v = random.next();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + c);
    if (us >= 0.07 && v <= vr) return k;
    if (!(k >= 0 && k <= n)) continue;
    v = Math.log((v * alpha) / (a / (us * us) + b));
    const bound =
      (m + 0.5) * Math.log((m + 1) / (r * (n - m + 1))) +
      (n + 1) * Math.log((n - m + 1) / (n - k + 1)) +
      (k + 0.5) * Math.log((r * (n - k + 1)) / (k + 1)) +
      stirlingTail(m) +
      stirlingTail(n - m) -
      stirlingTail(k) -
      stirlingTail(n - k);
    if (v <= bound) return k;
  }
}

/** Binomial(n, p): the number of successes in n independent trials. */
export class BinomialDistribution implements Distribution<number> {
  readonly n: number;
  readonly p: number;
  private readonly random: Random;

  constructor(options: BinomialOptions, ctx: DistributionContext) {
    assertValid('BinomialDistribution', numberIssues(options, RULES));
    this.n = options.n;
    this.p = options.p;
    this.random = ctx.random;
  }

  sample(): number {
    // Both algorithms want p ≤ ½; Binomial(n, p) = n − Binomial(n, 1−p).
    const flip = this.p > 0.5;
    const p = flip ? 1 - this.p : this.p;
    const k = this.n * p < 10 ? inversion(this.random, this.n, p) : btrs(this.random, this.n, p);
    return flip ? this.n - k : k;
  }

  describe(): string {
    return `BinomialDistribution(n=${this.n}, p=${formatNumber(this.p)})`;
  }
}

export const binomialDistribution: DistributionDefinition<number> = {
  name: 'BinomialDistribution',
  summary: 'Binomial(n, p): successes in n trials of probability p.',
  create(params, ctx) {
    const options = { n: params.number('n', RULES.n), p: params.number('p', RULES.p) };
    params.finish();
    return params.ok ? new BinomialDistribution(options, ctx) : undefined;
  },
};
