import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixedDistribution } from '../../distributions/fixed.js';
import { Random } from '../../lib/core/random.js';
import { VirtualClock } from '../../lib/core/clock.js';
import { assertErrorsAt, build, make } from './support.js';

describe('FixedDistribution', () => {
  it('always returns its value, of any plist type, drawing nothing', () => {
    const random = new Random('fixed');
    const dict = { a: [1, 2] };
    for (const value of [60, 'x', dict, new Date(0), false]) {
      const d = make(fixedDistribution, { value }, { random, clock: new VirtualClock() });
      assert.equal(d.sample(), value);
      assert.equal(d.sample(), value);
    }
    assert.equal(random.next(), new Random('fixed').next());
  });

  it('describes itself', () => {
    assert.equal(make(fixedDistribution, { value: 60 }).describe?.(), 'FixedDistribution(value=60)');
    assert.equal(make(fixedDistribution, { value: 'a' }).describe?.(), 'FixedDistribution(value="a")');
  });

  it('requires value', () => {
    assertErrorsAt(build(fixedDistribution, {}), ['value'], /missing/);
  });
});
