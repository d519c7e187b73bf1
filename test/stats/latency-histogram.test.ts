import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Random } from '../../lib/core/random.js';
import { LatencyHistogram } from '../../lib/stats/latency-histogram.js';

const LIMITS = [0.1, 0.5, 1.0, 3.0, 5.0, 10.0, 30.0];

/** Log-normal durations around 200 ms with a long tail (up to minutes), in ms. */
function durations(seed: string, n: number): number[] {
  const r = new Random(seed);
  return Array.from({ length: n }, () => Math.exp(Math.log(200) + 1.5 * r.normal()));
}

/** Exact statistics of the samples, computed the slow way. */
function exact(xs: number[]) {
  const sorted = [...xs].sort((a, b) => a - b);
  const n = xs.length;
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  return {
    mean,
    stddev: Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / n),
    min: sorted[0]!,
    max: sorted[n - 1]!,
    /** Nearest rank: the smallest sample with at least p % at or below it (p·n/100 rounded to 1e-9 first: 0.999 × 20000 is 19980.000000000004 in binary). */
    percentile: (p: number) => sorted[Math.max(1, Math.ceil(Number(((p / 100) * n).toFixed(9)))) - 1]!,
    /** The original's median: index ⌊n/2⌋. */
    median: sorted[Math.floor(n / 2)]!,
    above: (limitSeconds: number) => xs.filter((x) => x / 1000 > limitSeconds).length,
  };
}

function filled(xs: number[], limits = LIMITS): LatencyHistogram {
  const h = new LatencyHistogram(limits);
  for (const x of xs) h.record(x);
  return h;
}

const within = (actual: number, expected: number, rel: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected), `${what}: ${actual} vs exact ${expected} (allowed ${rel * 100} %)`);

describe('LatencyHistogram against exact computation', () => {
  for (const seed of ['a', 'b', 'c']) {
    it(`seed ${seed}: mean, stddev, min, max exact; percentiles within 0.1 %; threshold counts exact`, () => {
      const xs = durations(seed, 20_000);
      const h = filled(xs);
      const e = exact(xs);
      assert.equal(h.count, xs.length);
      within(h.mean, e.mean, 1e-12, 'mean');
      within(h.stddev, e.stddev, 1e-9, 'stddev');
      assert.equal(h.min, e.min);
      assert.equal(h.max, e.max);
      for (const p of [0, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100]) within(h.percentile(p), e.percentile(p), 0.001, `p${p}`);
      within(h.median(), e.median, 0.001, 'median');
      for (const limit of LIMITS) assert.equal(h.countAbove(limit), e.above(limit), `> ${limit} s`);
    });
  }

  it('the median is the original upper median for even counts', () => {
    // Sub-2 ms values are exact in microseconds.
    const h = filled([1, 2, 1.5, 1.25]);
    assert.equal(h.median(), 1.5);
    assert.equal(h.percentile(50), 1.25);
    assert.equal(filled([1.75]).median(), 1.75);
  });

  it('counts "strictly greater than" a limit exactly, at the boundary', () => {
    const h = filled([3000, 3000, 3000.001, 2999.999, 100, 100.0001]);
    assert.equal(h.countAbove(3.0), 1);
    // 100.0001 ms is above 0.1 s; 100 ms is not.
    assert.equal(h.countAbove(0.1), 5);
    assert.throws(() => h.countAbove(2), /no exact count is kept above 2 s/);
  });

  it('all-equal samples give that value exactly for every statistic', () => {
    const h = filled(Array.from({ length: 10 }, () => 2500));
    for (const v of [h.mean, h.median(), h.percentile(99), h.percentile(1), h.min, h.max]) assert.equal(v, 2500);
    assert.equal(h.stddev, 0);
  });

  it('keeps hour-long durations (the histogram grows on demand)', () => {
    const h = filled([10, 20, 3_600_000]);
    assert.equal(h.max, 3_600_000);
    assert.equal(h.percentile(100), 3_600_000);
    within(h.percentile(99), 3_600_000, 0.001, 'p99');
    assert.equal(h.countAbove(30), 1);
  });

  it('is empty-safe: NaN statistics, zero counts', () => {
    const h = new LatencyHistogram(LIMITS);
    assert.equal(h.count, 0);
    for (const v of [h.mean, h.stddev, h.min, h.max, h.median(), h.percentile(50)]) assert.ok(Number.isNaN(v));
    assert.equal(h.countAbove(3), 0);
  });

  it('refuses durations that cannot be one', () => {
    const h = new LatencyHistogram();
    for (const bad of [-1, NaN, Infinity]) assert.throws(() => h.record(bad), RangeError);
    assert.throws(() => h.percentile(101), RangeError);
    assert.throws(() => new LatencyHistogram([-1]), RangeError);
  });
});

describe('LatencyHistogram merge and encoding', () => {
  it('merging the halves equals recording the whole', () => {
    const xs = durations('merge', 10_000);
    const whole = filled(xs);
    const left = filled(xs.slice(0, 3_000));
    const right = filled(xs.slice(3_000));
    left.merge(right);
    assert.equal(left.count, whole.count);
    within(left.mean, whole.mean, 1e-12, 'mean');
    within(left.stddev, whole.stddev, 1e-9, 'stddev');
    assert.equal(left.min, whole.min);
    assert.equal(left.max, whole.max);
    for (const p of [50, 90, 99, 99.9]) assert.equal(left.percentile(p), whole.percentile(p), `p${p}`);
    for (const limit of LIMITS) assert.equal(left.countAbove(limit), whole.countAbove(limit));
  });

  it('merges into and from an empty histogram', () => {
    const a = new LatencyHistogram(LIMITS);
    a.merge(filled([10, 20, 30]));
    assert.equal(a.count, 3);
    assert.equal(a.mean, 20);
    assert.equal(a.min, 10);
    a.merge(new LatencyHistogram(LIMITS));
    assert.equal(a.count, 3);
  });

  it('refuses to merge histograms with different limits', () => {
    assert.throws(() => new LatencyHistogram([1]).merge(new LatencyHistogram([2])), /different limits/);
  });

  it('encode/decode round-trips every statistic', () => {
    const xs = durations('encode', 5_000);
    const h = filled(xs);
    const text = h.encode();
    assert.equal(typeof text, 'string');
    assert.ok(text.length < 20_000, `encoded ${text.length} chars for 5000 samples`);
    const d = LatencyHistogram.decode(text);
    assert.deepEqual(d.limits, h.limits);
    for (const k of ['count', 'mean', 'stddev', 'min', 'max'] as const) assert.equal(d[k], h[k], k);
    for (const p of [1, 50, 90, 99, 99.9]) assert.equal(d.percentile(p), h.percentile(p));
    assert.equal(d.median(), h.median());
    for (const limit of LIMITS) assert.equal(d.countAbove(limit), h.countAbove(limit));
    // A decoded histogram keeps working.
    d.record(1_000_000);
    assert.equal(d.max, 1_000_000);
  });

  it('encodes an empty histogram, and refuses text that is not one', () => {
    const d = LatencyHistogram.decode(new LatencyHistogram([1, 2]).encode());
    assert.equal(d.count, 0);
    assert.ok(Number.isNaN(d.min));
    d.record(5);
    assert.equal(d.min, 5);
    assert.throws(() => LatencyHistogram.decode('nope'), /not an encoded LatencyHistogram/);
    assert.throws(() => LatencyHistogram.decode('{"v":2}'), /not an encoded LatencyHistogram/);
  });
});

describe('LatencyHistogram.reset', () => {
  it('is a fresh histogram again: the same figures as a new one recording the same durations', () => {
    const reused = new LatencyHistogram(LIMITS);
    for (const ms of durations('before', 500)) reused.record(ms);
    reused.reset();
    assert.equal(reused.count, 0);
    assert.ok(Number.isNaN(reused.mean) && Number.isNaN(reused.max));
    const fresh = new LatencyHistogram(LIMITS);
    for (const ms of durations('after', 300)) {
      reused.record(ms);
      fresh.record(ms);
    }
    assert.deepEqual(reused.percentiles([0, 50, 90, 99, 100]), fresh.percentiles([0, 50, 90, 99, 100]));
    assert.deepEqual(LIMITS.map((l) => reused.countAbove(l)), LIMITS.map((l) => fresh.countAbove(l)));
    assert.equal(reused.encode(), fresh.encode());
  });
});
