import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NormalDistribution, normalDistribution } from '../../distributions/normal.js';
import { assertErrorsAt, assertMoments, build, context, make, samples } from './support.js';

const N = 100_000;

describe('NormalDistribution', () => {
  it('has the mean and standard deviation of its parameters far from 0', () => {
    // mu = 10 sigma: truncation removes Φ(−10) ≈ 8e-24 of the mass, nothing measurable.
    const xs = samples(make(normalDistribution, { mu: 600, sigma: 60 }), N);
    assertMoments(xs, { mean: 600, sd: 60, kurtosis: 3 });
  });

  it('is truncated at 0: mu 0 gives the half-normal', () => {
    const xs = samples(make(normalDistribution, { mu: 0, sigma: 1 }), N);
    assert.ok(xs.every((x) => x >= 0));
    // Half-normal: mean σ√(2/π), sd σ√(1 − 2/π).
    assertMoments(xs, { mean: Math.sqrt(2 / Math.PI), sd: Math.sqrt(1 - 2 / Math.PI) });
  });

  it('samples the tail exactly when mu is negative (mu −3σ)', () => {
    const xs = samples(make(normalDistribution, { mu: -3, sigma: 1 }), N);
    assert.ok(xs.every((x) => x >= 0));
    // Normal(−3, 1) conditioned on ≥ 0, i.e. Z ≥ a = 3: with λ = φ(a)/Q(a),
    // mean = −3 + λ and variance = 1 + aλ − λ². Q(3) is tabled.
    const a = 3;
    const lambda = Math.exp(-(a * a) / 2) / Math.sqrt(2 * Math.PI) / 0.0013498980316300946;
    assertMoments(xs, { mean: -3 + lambda, sd: Math.sqrt(1 + a * lambda - lambda * lambda) });
  });

  it('is quick even when almost all of the normal is negative', () => {
    // Redrawing while negative would need ~3.5e6 draws per sample here. The
    // tail beyond 5σ falls off like e^{−5z}: its mean is about σ/5 above 0.
    const d = make(normalDistribution, { mu: -5000, sigma: 1000 });
    const xs = samples(d, 1000);
    assert.ok(xs.every((x) => x >= 0 && x < 5000));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    assert.ok(mean > 100 && mean < 300, `mean ${mean}`);
  });

  it('with sigma 0 is the constant mu', () => {
    const d = make(normalDistribution, { mu: 5, sigma: 0 });
    assert.deepEqual([d.sample(), d.sample()], [5, 5]);
  });

  it('describes itself', () => {
    assert.equal(make(normalDistribution, { mu: 600, sigma: 60 }).describe?.(), 'NormalDistribution(mu=600, sigma=60)');
  });

  it('reports bad params at their keys', () => {
    assertErrorsAt(build(normalDistribution, { mu: 1, sigma: -1 }), ['sigma']);
    assertErrorsAt(build(normalDistribution, { sigma: 1 }), ['mu'], /missing/);
    assertErrorsAt(build(normalDistribution, { mu: 'x', sigma: 'y' }), ['mu', 'sigma']);
    assertErrorsAt(build(normalDistribution, { mu: -1, sigma: 0 }), ['mu'], /negative/);
  });

  it('rejects bad options given in code', () => {
    assert.throws(() => new NormalDistribution({ mu: 1, sigma: -1 }, context()), RangeError);
  });
});
