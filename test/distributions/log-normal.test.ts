import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LogNormalDistribution, logNormalDistribution } from '../../distributions/log-normal.js';
import { DistributionError } from '../../lib/core/errors.js';
import { Random } from '../../lib/core/random.js';
import { VirtualClock } from '../../lib/core/clock.js';
import { K, assertErrorsAt, assertMoments, build, context, make, moments, samples } from './support.js';

const N = 100_000;

/** Moments of X = exp(mu + sigma·Z). */
function theory(mu: number, sigma: number) {
  const s2 = sigma * sigma;
  const mean = Math.exp(mu + s2 / 2);
  const sd = mean * Math.sqrt(Math.exp(s2) - 1);
  const kurtosis = Math.exp(4 * s2) + 2 * Math.exp(3 * s2) + 3 * Math.exp(2 * s2) - 3;
  return { mean, sd, kurtosis };
}

/**
 * ln X is exactly Normal(mu, sigma), so the parametrisation is checked
 * sharply in log space. The mode exp(mu − sigma²) is checked through the
 * fitted log moments: ln(mode^) = m − s², and since m and s² of a normal
 * sample are independent, Var = σ²/n + 2σ⁴/n.
 */
function assertLogSpace(xs: Float64Array, mu: number, sigma: number, mode?: number) {
  const logs = xs.map(Math.log);
  const m = assertMoments(logs, { mean: mu, sd: sigma, kurtosis: 3 }, 'ln X');
  if (mode !== undefined) {
    const se = Math.sqrt((sigma ** 2 + 2 * sigma ** 4) / m.n);
    const fitted = m.mean - m.sd ** 2;
    assert.ok(Math.abs(fitted - Math.log(mode)) <= K * se, `fitted mode ${Math.exp(fitted)} vs ${mode}`);
  }
}

describe('LogNormalDistribution', () => {
  it('mu + sigma: moments of X and of ln X', () => {
    const xs = samples(make(logNormalDistribution, { mu: 1, sigma: 0.5 }), N);
    assertMoments(xs, theory(1, 0.5));
    assertLogSpace(xs, 1, 0.5);
  });

  it('mode + median: the median and mode are as given (the reference 300/1800)', () => {
    const d = make(logNormalDistribution, { mode: 300, median: 1800 }) as LogNormalDistribution;
    const sigma = Math.sqrt(Math.log(6));
    assert.ok(Math.abs(d.mu - Math.log(1800)) < 1e-12 && Math.abs(d.sigma - sigma) < 1e-12);
    const xs = samples(d, N);
    assertLogSpace(xs, Math.log(1800), sigma, 300);
    // σ² = ln 6 makes X's kurtosis ≈ 1300: its sd is barely measurable, so only its mean is checked.
    const t = theory(Math.log(1800), sigma);
    const m = moments(xs);
    assert.ok(Math.abs(m.mean - t.mean) <= (K * t.sd) / Math.sqrt(N), `mean ${m.mean} vs ${t.mean}`);
  });

  it('mode + mean: the mean and the mode are as given (not the mean read as a median)', () => {
    const d = make(logNormalDistribution, { mode: 100, mean: 150 }) as LogNormalDistribution;
    const s2 = (2 / 3) * Math.log(1.5);
    const xs = samples(d, N);
    const t = theory(Math.log(100) + s2, Math.sqrt(s2));
    assert.ok(Math.abs(t.mean - 150) < 1e-9);
    assertMoments(xs, { mean: 150, sd: t.sd, kurtosis: t.kurtosis });
    assertLogSpace(xs, Math.log(100) + s2, Math.sqrt(s2), 100);
    // The original's reading would have had mean 150·e^{ln(1.5)/2} ≈ 184: dozens of SE away.
  });

  it('divides as reals: mode 6 median 8 is not the constant 6 (2013 integer division)', () => {
    const d = make(logNormalDistribution, { mode: 6, median: 8 }) as LogNormalDistribution;
    assert.ok(Math.abs(d.sigma - Math.sqrt(Math.log(8 / 6))) < 1e-12);
    assert.notEqual(d.sample(), d.sample());
  });

  it('mode equal to median (or mean) is the constant mode', () => {
    for (const other of ['median', 'mean']) {
      const d = make(logNormalDistribution, { mode: 7, [other]: 7 });
      for (let i = 0; i < 5; i++) assert.ok(Math.abs(d.sample() - 7) < 1e-9);
    }
  });

  it('maximum: samples above it are redrawn', () => {
    // Reference inviteeCount: P(X > 60) ≈ 4 %, so 11 misses in a row are ≈ 1e-15.
    const xs = samples(make(logNormalDistribution, { mode: 1, median: 6, maximum: 60 }), N);
    assert.ok(xs.every((x) => x > 0 && x <= 60));
  });

  it('maximum: throws a DistributionError after the first draw and 10 redraws exceed it', () => {
    class Counting extends Random {
      normals = 0;
      override normal(): number {
        this.normals++;
        return super.normal();
      }
    }
    const random = new Counting('lognormal-maximum');
    const d = make(logNormalDistribution, { mu: 10, sigma: 0.01, maximum: 1 }, { random, clock: new VirtualClock() });
    assert.throws(() => d.sample(), (e: unknown) => {
      assert.ok(e instanceof DistributionError);
      assert.equal(e.code, 'LOADSIM_DISTRIBUTION');
      assert.match(e.message, /^Unable to generate LogNormalDistribution sample within required range \(maximum 1\b/);
      return true;
    });
    assert.equal(random.normals, 11);
  });

  it('describes itself by its given parameters', () => {
    assert.equal(
      make(logNormalDistribution, { mode: 1, median: 6, maximum: 60 }).describe?.(),
      'LogNormalDistribution(mode=1, median=6, maximum=60)',
    );
  });

  it('reports each invalid parametrisation at its key', () => {
    assertErrorsAt(build(logNormalDistribution, { mu: 1 }), ['sigma'], /mu and sigma must both be given/);
    assertErrorsAt(build(logNormalDistribution, { sigma: 1 }), ['mu'], /mu and sigma must both be given/);
    assertErrorsAt(build(logNormalDistribution, { mode: 10, median: 5 }), ['mode'], /mode must not exceed median/);
    assertErrorsAt(build(logNormalDistribution, { mode: 10, mean: 5 }), ['mode'], /mode must not exceed mean/);
    assertErrorsAt(build(logNormalDistribution, { mode: 0, median: 5 }), ['mode']);
    assertErrorsAt(build(logNormalDistribution, { mode: -1, mean: 5 }), ['mode']);
    assertErrorsAt(build(logNormalDistribution, { mode: 3 }), ['median'], /median or mean/);
    assertErrorsAt(build(logNormalDistribution, {}), ['mode'], /missing/);
    assertErrorsAt(build(logNormalDistribution, { median: 5 }), ['mode'], /missing/);
    assertErrorsAt(build(logNormalDistribution, { mode: 1, median: 5, mean: 6 }), ['mean'], /not both/);
    assertErrorsAt(build(logNormalDistribution, { mu: 1, sigma: 1, mode: 3 }), ['mode']);
    assertErrorsAt(build(logNormalDistribution, { mu: 1, sigma: -1 }), ['sigma']);
    assertErrorsAt(build(logNormalDistribution, { mode: 1, median: 6, maximum: 0 }), ['maximum']);
  });

  it('reports every problem at once', () => {
    const r = build(logNormalDistribution, { mode: 1, median: 'six', maximum: -3, extra: 1 });
    assertErrorsAt(r, ['median', 'maximum']);
    assert.deepEqual(r.warnings.map((w) => w.path.split('.').pop()), ['extra']);
  });

  it('rejects bad options given in code', () => {
    assert.throws(() => new LogNormalDistribution({ mode: 5, median: 1 }, context()), /mode must not exceed median/);
    assert.throws(() => new LogNormalDistribution({}, context()), RangeError);
  });
});
