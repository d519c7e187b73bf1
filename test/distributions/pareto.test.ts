import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ParetoDistribution, paretoDistribution } from '../../distributions/pareto.js';
import { DistributionError } from '../../lib/core/errors.js';
import { K, assertErrorsAt, assertMoments, build, context, make, moments, samples } from './support.js';

const N = 100_000;

describe('ParetoDistribution', () => {
  it('has the Pareto mean and sd (shape 6, where the fourth moment exists)', () => {
    // The sd test needs a finite fourth moment (shape > 4); kurtosis from
    // excess 6(α³ + α² − 6α − 2)/(α(α−3)(α−4)).
    const [xm, a] = [2, 6];
    const xs = samples(make(paretoDistribution, { scale: xm, shape: a }), N);
    assert.ok(xs.every((x) => x >= xm));
    const kurtosis = 3 + (6 * (a ** 3 + a ** 2 - 6 * a - 2)) / (a * (a - 3) * (a - 4));
    assertMoments(xs, { mean: (a * xm) / (a - 1), sd: Math.sqrt((xm * xm * a) / ((a - 1) ** 2 * (a - 2))), kurtosis });
  });

  it('has the Pareto mean with shape 2.5 (variance finite, sd not testable)', () => {
    const [xm, a] = [1, 2.5];
    const xs = samples(make(paretoDistribution, { scale: xm, shape: a }), N);
    const sd = Math.sqrt((xm * xm * a) / ((a - 1) ** 2 * (a - 2)));
    const m = moments(xs);
    assert.ok(Math.abs(m.mean - (a * xm) / (a - 1)) <= (K * sd) / Math.sqrt(N), `mean ${m.mean}`);
  });

  it('redraws above maximum, then throws a DistributionError', () => {
    const xs = samples(make(paretoDistribution, { scale: 1, shape: 1, maximum: 10 }), 10_000);
    assert.ok(xs.every((x) => x >= 1 && x <= 10));
    const d = make(paretoDistribution, { scale: 1, shape: 0.001, maximum: 1.0001 });
    assert.throws(() => d.sample(), DistributionError);
  });

  it('describes itself', () => {
    assert.equal(make(paretoDistribution, { scale: 1, shape: 2.5 }).describe?.(), 'ParetoDistribution(scale=1, shape=2.5)');
  });

  it('reports bad params at their keys', () => {
    assertErrorsAt(build(paretoDistribution, { scale: 0, shape: -1 }), ['scale', 'shape']);
    assertErrorsAt(build(paretoDistribution, { scale: 5, shape: 1, maximum: 4 }), ['maximum'], /greater than scale/);
    assertErrorsAt(build(paretoDistribution, {}), ['scale', 'shape']);
  });

  it('rejects bad options given in code', () => {
    assert.throws(() => new ParetoDistribution({ scale: 1, shape: 0 }, context()), RangeError);
  });
});
