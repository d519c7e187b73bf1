import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { uniformDistribution } from '../../distributions/uniform.js';
import { assertErrorsAt, assertMoments, build, make, samples } from './support.js';

describe('UniformDistribution', () => {
  it('is uniform on [min, max)', () => {
    const xs = samples(make(uniformDistribution, { min: -5, max: 15 }), 100_000);
    assert.ok(xs.every((x) => x >= -5 && x < 15));
    // Continuous uniform: sd (b − a)/√12, kurtosis 1.8.
    assertMoments(xs, { mean: 5, sd: 20 / Math.sqrt(12), kurtosis: 1.8 });
  });

  it('describes itself', () => {
    assert.equal(make(uniformDistribution, { min: 0, max: 2.5 }).describe?.(), 'UniformDistribution(min=0, max=2.5)');
  });

  it('reports bad params at their keys', () => {
    assertErrorsAt(build(uniformDistribution, { min: 2, max: 1 }), ['max'], /greater than min/);
    assertErrorsAt(build(uniformDistribution, { min: 'a' }), ['min', 'max']);
  });
});
