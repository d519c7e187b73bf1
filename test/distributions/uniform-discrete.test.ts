import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UniformDiscreteDistribution, uniformDiscreteDistribution } from '../../distributions/uniform-discrete.js';
import { assertErrorsAt, build, context, counts, make } from './support.js';

describe('UniformDiscreteDistribution', () => {
  it('deals each value exactly k times in k passes, each pass a permutation', () => {
    const values = [900, 1800, 2700, 3600, 7200];
    const d = make(uniformDiscreteDistribution, { values });
    const k = 200;
    const drawn = Array.from({ length: k * values.length }, () => d.sample());
    assert.deepEqual([...counts(drawn).entries()].sort((a, b) => Number(a[0]) - Number(b[0])), values.map((v) => [v, k]));
    const passes = new Set<string>();
    for (let i = 0; i < k; i++) {
      const pass = drawn.slice(i * values.length, (i + 1) * values.length);
      assert.deepEqual([...pass].sort((a, b) => Number(a) - Number(b)), values);
      passes.add(pass.join());
    }
    // 200 passes out of 120 orders: a reshuffle per pass gives many distinct ones.
    assert.ok(passes.size > 50, `only ${passes.size} distinct orders`);
  });

  it('counts repeated values by multiplicity', () => {
    const d = make(uniformDiscreteDistribution, { values: ['a', 'a', 'b'] });
    const c = counts(Array.from({ length: 300 }, () => d.sample()));
    assert.equal(c.get('a'), 200);
    assert.equal(c.get('b'), 100);
  });

  it('with randomize false deals in list order (the original dealt in reverse)', () => {
    const d = make(uniformDiscreteDistribution, { values: [1, 2, 3], randomize: false });
    assert.deepEqual(Array.from({ length: 7 }, () => d.sample()), [1, 2, 3, 1, 2, 3, 1]);
  });

  it('describes itself', () => {
    assert.equal(
      make(uniformDiscreteDistribution, { values: [900, 1800] }).describe?.(),
      'UniformDiscreteDistribution(values=[900, 1800])',
    );
    assert.match(
      make(uniformDiscreteDistribution, { values: Array.from({ length: 21 }, (_, i) => i - 10), randomize: false }).describe?.() ?? '',
      /^UniformDiscreteDistribution\(values=\[-10, -9, -8, -7, -6, -5, … 21 values\], randomize=false\)$/,
    );
  });

  it('reports bad params at their keys', () => {
    assertErrorsAt(build(uniformDiscreteDistribution, {}), ['values'], /missing/);
    assertErrorsAt(build(uniformDiscreteDistribution, { values: [] }), ['values'], /at least one/);
    assertErrorsAt(build(uniformDiscreteDistribution, { values: 5 }), ['values']);
    assertErrorsAt(build(uniformDiscreteDistribution, { values: [1, 2, {}, true] }), ['values[2]', 'values[3]']);
    assertErrorsAt(build(uniformDiscreteDistribution, { values: [1], randomize: 'yes' }), ['randomize']);
  });

  it('rejects bad options given in code', () => {
    assert.throws(() => new UniformDiscreteDistribution({ values: [] }, context()), RangeError);
  });
});
