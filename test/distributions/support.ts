/** Shared helpers of the distribution tests (not a test file itself). */
import assert from 'node:assert/strict';
import { VirtualClock } from '../../lib/core/clock.js';
import { ParamReader } from '../../lib/params/params.js';
import { Problems, Scope, sourceFile } from '../../lib/params/problems.js';
import type { Distribution, DistributionContext, DistributionDefinition } from '../../lib/params/distribution.js';
import { Random } from '../../lib/core/random.js';

/** Where a profile's distribution params sit in a clients.plist. */
export const BASE = 'clients[0].profiles[1].params.someDistribution.params';

export function context(seed = 'distributions', epochMs?: number): DistributionContext {
  return { random: new Random(seed), clock: new VirtualClock(epochMs) };
}

export function reader(values: Record<string, unknown>): { params: ParamReader; problems: Problems } {
  const problems = new Problems();
  return { params: new ParamReader(values, new Scope(problems, sourceFile('clients.plist'), BASE)), problems };
}

/** Builds through the plist path; returns the distribution (or undefined) and every problem reported. */
export function build<T>(def: DistributionDefinition<T>, values: Record<string, unknown>, ctx: DistributionContext = context()) {
  const { params, problems } = reader(values);
  const dist = def.create(params, ctx);
  return { dist, problems, errors: problems.errors, warnings: problems.warnings };
}

/** Builds and insists that it worked without problems. */
export function make<T>(def: DistributionDefinition<T>, values: Record<string, unknown>, ctx: DistributionContext = context()): Distribution<T> {
  const { dist, problems } = build(def, values, ctx);
  assert.deepEqual(problems.list, []);
  assert.ok(dist);
  return dist;
}

/** Asserts that `create` failed and that an error was reported at each of `keys` (relative to the params dict). */
export function assertErrorsAt(result: ReturnType<typeof build>, keys: string[], message?: RegExp): void {
  assert.equal(result.dist, undefined, 'create must return undefined when the params are invalid');
  const paths = result.errors.map((p) => p.path);
  for (const key of keys) assert.ok(paths.includes(`${BASE}.${key}`), `expected an error at ${key}; got ${JSON.stringify(result.errors)}`);
  if (message) assert.ok(result.errors.some((p) => message.test(p.message)), `no error matches ${message}: ${JSON.stringify(result.errors)}`);
}

export function samples(dist: Distribution<number>, n: number): Float64Array {
  const xs = new Float64Array(n);
  for (let i = 0; i < n; i++) xs[i] = dist.sample();
  return xs;
}

export interface Moments {
  n: number;
  mean: number;
  sd: number;
  /** Non-excess kurtosis (3 for a normal). */
  kurtosis: number;
}

export function moments(xs: ArrayLike<number>): Moments {
  const n = xs.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += xs[i]!;
  const mean = sum / n;
  let m2 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = (xs[i]! - mean) ** 2;
    m2 += d;
    m4 += d * d;
  }
  m2 /= n;
  m4 /= n;
  return { n, mean, sd: Math.sqrt(m2), kurtosis: m4 / (m2 * m2) };
}

/**
 * Tolerances are K = 6 standard errors of each estimator. The seeds are fixed,
 * so the tests are deterministic; the width is what makes them meaningful: a
 * correct sampler misses with probability about 2e-9 per check under any seed,
 * while a wrong parametrisation (LogNormal's "mean" read as a median, a
 * truncation-biased integer, a missing rule) is off by dozens of standard
 * errors.
 *   SE(mean) = σ/√n.
 *   SE(sd) ≈ σ·√((κ−1)/(4n)): Var(s²) = (μ4 − σ⁴)/n = σ⁴(κ−1)/n, and s = √s²
 *   halves the relative error (delta method); κ is the non-excess kurtosis,
 *   so heavy tails widen the tolerance as they should. When the theoretical κ
 *   is not given, the sample's own is used.
 */
export const K = 6;

export function assertMoments(xs: ArrayLike<number>, expected: { mean: number; sd: number; kurtosis?: number }, label = ''): Moments {
  const m = moments(xs);
  const kurtosis = expected.kurtosis ?? m.kurtosis;
  const seMean = expected.sd / Math.sqrt(m.n);
  const seSd = expected.sd * Math.sqrt((kurtosis - 1) / (4 * m.n));
  assert.ok(
    Math.abs(m.mean - expected.mean) <= K * seMean,
    `${label} mean ${m.mean} differs from ${expected.mean} by more than ${K} SE (${K * seMean})`,
  );
  assert.ok(
    Math.abs(m.sd - expected.sd) <= K * seSd,
    `${label} sd ${m.sd} differs from ${expected.sd} by more than ${K} SE (${K * seSd})`,
  );
  return m;
}

/** Pearson's statistic, pooling neighbouring cells until each expects at least 5. Returns [statistic, degrees of freedom]. */
export function chiSquare(observed: readonly number[], expected: readonly number[]): [number, number] {
  const cells: Array<[number, number]> = [];
  let o = 0;
  let e = 0;
  for (let i = 0; i < observed.length; i++) {
    o += observed[i]!;
    e += expected[i]!;
    if (e >= 5) {
      cells.push([o, e]);
      o = 0;
      e = 0;
    }
  }
  if (e > 0 || o > 0) {
    const last = cells.pop() ?? [0, 0];
    cells.push([last[0] + o, last[1] + e]);
  }
  const stat = cells.reduce((s, [oo, ee]) => s + (oo - ee) ** 2 / ee, 0);
  return [stat, cells.length - 1];
}

/**
 * Upper 0.1 % point of χ² with k degrees of freedom by the Wilson–Hilferty
 * cube-root approximation (z = 3.0902): within 1 % of the exact value for
 * k ≥ 30, slightly above it for small k (7 → 24.5 vs 24.32), so tests that
 * name a small k use the tabled value instead.
 */
export function chiSquareCritical999(k: number): number {
  const z = 3.090232;
  const a = 2 / (9 * k);
  return k * (1 - a + z * Math.sqrt(a)) ** 3;
}

export function counts<T>(values: Iterable<T>): Map<T, number> {
  const m = new Map<T, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}
