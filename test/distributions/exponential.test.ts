import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExponentialDistribution, exponentialDistribution } from '../../distributions/exponential.js';
import { assertErrorsAt, assertMoments, build, context, make, samples } from './support.js';

describe('ExponentialDistribution', () => {
  it('has mean and sd equal to its mean', () => {
    // Exponential: sd = mean, kurtosis 9.
    const xs = samples(make(exponentialDistribution, { mean: 30 }), 100_000);
    assert.ok(xs.every((x) => x >= 0));
    assertMoments(xs, { mean: 30, sd: 30, kurtosis: 9 });
  });

  it('accepts a rate instead', () => {
    const d = make(exponentialDistribution, { rate: 0.5 });
    assertMoments(samples(d, 100_000), { mean: 2, sd: 2, kurtosis: 9 });
    assert.equal(d.describe?.(), 'ExponentialDistribution(rate=0.5)');
    assert.equal(make(exponentialDistribution, { mean: 30 }).describe?.(), 'ExponentialDistribution(mean=30)');
  });

  it('reports bad params at their keys', () => {
    assertErrorsAt(build(exponentialDistribution, {}), ['mean'], /mean or rate/);
    assertErrorsAt(build(exponentialDistribution, { mean: 1, rate: 1 }), ['rate'], /not both/);
    assertErrorsAt(build(exponentialDistribution, { mean: 0 }), ['mean']);
    assertErrorsAt(build(exponentialDistribution, { rate: -2 }), ['rate']);
  });

  it('rejects bad options given in code', () => {
    assert.throws(() => new ExponentialDistribution({}, context()), RangeError);
    assert.throws(() => new ExponentialDistribution({ rate: -1 }, context()), RangeError);
  });
});
