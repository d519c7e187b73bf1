import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Default, { TriangularDistribution } from '../../examples/custom-distribution.js';
import { assertMoments, context, samples } from './support.js';

describe('examples/custom-distribution.ts', () => {
  it('exports the class both ways', () => {
    assert.equal(Default, TriangularDistribution);
  });

  it('samples the triangular distribution', () => {
    const [a, c, b] = [900, 1800, 7200];
    const xs = samples(new TriangularDistribution({ min: a, mode: c, max: b }, context('triangular')), 100_000);
    assert.ok(xs.every((x) => x >= a && x <= b));
    // Triangular: mean (a+b+c)/3, variance (a²+b²+c²−ab−ac−bc)/18, kurtosis 2.4.
    const sd = Math.sqrt((a * a + b * b + c * c - a * b - a * c - b * c) / 18);
    assertMoments(xs, { mean: (a + b + c) / 3, sd, kurtosis: 2.4 });
  });

  it('rejects bad params with a clear message', () => {
    assert.throws(() => new TriangularDistribution({ min: 1, mode: 5, max: 3 }, context()), /mode \(5\) must lie between/);
    assert.throws(() => new TriangularDistribution({ min: 3, mode: 3, max: 3 }, context()), /min \(3\) must be less than max/);
    assert.throws(() => new TriangularDistribution({ min: 1, max: 3 }, context()), /mode must be a number, got nothing/);
  });
});
