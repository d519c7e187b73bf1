import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NearFutureDistribution, nearFutureDistribution } from '../../distributions/near-future.js';
import { assertMoments, build, context, make } from './support.js';

describe('NearFutureDistribution', () => {
  it('is now (to the second) plus LogNormal(7, 0.8) whole seconds, in UTC', () => {
    const now = Date.UTC(2026, 2, 8, 9, 59, 30, 123);
    const d = make(nearFutureDistribution, {}, context('near-future', now));
    const n = 100_000;
    const offsets = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const t = d.sample();
      if (i < 100) {
        assert.equal(t.zoneName, 'UTC');
        assert.equal(t.millisecond, 0);
      }
      offsets[i] = (t.toMillis() - (now - 123)) / 1000;
    }
    assert.ok(offsets.every((s) => Number.isInteger(s) && s >= 0));
    // X = e^{7 + 0.8 Z}: mean e^{7.32}, sd mean·√(e^{0.64} − 1). Flooring to whole
    // seconds lowers the mean by ½ and adds 1/12 to the variance (negligible
    // here); kurtosis e^{4σ²} + 2e^{3σ²} + 3e^{2σ²} − 3 ≈ 34.
    const s2 = 0.64;
    const mean = Math.exp(7 + s2 / 2);
    const sd = Math.sqrt((mean * Math.sqrt(Math.exp(s2) - 1)) ** 2 + 1 / 12);
    const kurtosis = Math.exp(4 * s2) + 2 * Math.exp(3 * s2) + 3 * Math.exp(2 * s2) - 3;
    assertMoments(offsets, { mean: mean - 0.5, sd, kurtosis });
  });

  it('follows the clock', () => {
    const ctx = context('near-future-clock', Date.UTC(2026, 0, 1));
    const d = make(nearFutureDistribution, {}, ctx);
    const before = d.sample();
    (ctx.clock as import('../../lib/core/clock.js').VirtualClock).advance(86_400_000 * 30);
    assert.ok(d.sample().toMillis() > before.toMillis() + 86_400_000 * 29);
  });

  it('takes no params (others are warned about) and describes itself', () => {
    const r = build(nearFutureDistribution, { mu: 3 });
    assert.ok(r.dist);
    assert.deepEqual(r.warnings.map((w) => w.message), ['unknown key, ignored']);
    assert.equal(new NearFutureDistribution({}, context()).describe(), 'NearFutureDistribution(now + LogNormal(mu=7, sigma=0.8) s)');
  });
});
