import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UniformIntegerDistribution, uniformIntegerDistribution } from '../../distributions/uniform-integer.js';
import { assertErrorsAt, assertMoments, build, chiSquare, chiSquareCritical999, context, make, samples } from './support.js';

const N = 201_000;

describe('UniformIntegerDistribution', () => {
  it('gives every integer of [min, max) the same chance across 0 (floor, not truncation)', () => {
    // The Inviter's −100..101. int() truncation would double 0 and all but lose −100.
    const xs = samples(make(uniformIntegerDistribution, { min: -100, max: 101 }), N);
    assert.ok(xs.every((x) => Number.isInteger(x) && x >= -100 && x < 101));
    const observed = new Array<number>(201).fill(0);
    for (const x of xs) observed[x + 100]!++;
    const [stat, dof] = chiSquare(observed, new Array<number>(201).fill(N / 201));
    assert.equal(dof, 200);
    assert.ok(stat < chiSquareCritical999(dof), `χ² = ${stat} over ${dof} dof`);
    // 0 expects 1000 ± 32; twice as likely would be ≈ 2000.
    assert.ok(observed[100]! < 1200 && observed[0]! > 800);
    // Discrete uniform over m values: variance (m² − 1)/12, kurtosis ≈ 1.8.
    assertMoments(xs, { mean: 0, sd: Math.sqrt((201 ** 2 - 1) / 12), kurtosis: 1.8 });
  });

  it('never produces max, and produces min', () => {
    const xs = samples(make(uniformIntegerDistribution, { min: 0, max: 3 }), 3000);
    assert.deepEqual([...new Set(xs)].sort(), [0, 1, 2]);
  });

  it('describes itself', () => {
    assert.equal(make(uniformIntegerDistribution, { min: 0, max: 99 }).describe?.(), 'UniformIntegerDistribution(min=0, max=99)');
  });

  it('reports bad params at their keys', () => {
    assertErrorsAt(build(uniformIntegerDistribution, { min: 5, max: 5 }), ['max'], /greater than min/);
    assertErrorsAt(build(uniformIntegerDistribution, { min: 1.5, max: 5 }), ['min']);
    assertErrorsAt(build(uniformIntegerDistribution, {}), ['min', 'max']);
  });

  it('rejects bad options given in code', () => {
    assert.throws(() => new UniformIntegerDistribution({ min: 3, max: 1 }, context()), RangeError);
  });
});
