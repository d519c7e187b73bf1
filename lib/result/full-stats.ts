import type { LatencyHistogram } from '../stats/latency-histogram.js';
import { PERCENTILE_KEYS, type FullStats, type PercentileKey } from './result-document.js';

/** Milliseconds to seconds, rounded to the microsecond as the summary prints durations; 0 for NaN (JSON has no NaN). */
const seconds = (ms: number): number => (Number.isFinite(ms) ? Math.round(ms * 1000) / 1e6 : 0);

/** Dimensionless figures (skewness, kurtosis) travel unrounded, but never as NaN. */
const finite = (x: number): number => (Number.isFinite(x) ? x : 0);

/** At most this many bars in the summary's histogram: enough to see the shape, few enough for a JSON summary per label. */
const MAX_BARS = 40;

/** The smallest histogram bound, ms: the HDR histogram's quantum (1 µs); finer bounds would only split rounding. */
const SMALLEST_BOUND_MS = 0.001;

/**
 * One label's full statistics for the result document, seconds (skewness and
 * kurtosis are dimensionless). An empty histogram gives count 0, every figure
 * 0 and an empty bucketed histogram, since JSON has no NaN.
 */
export function fullStats(h: LatencyHistogram): FullStats {
  const values = h.percentiles(PERCENTILE_KEYS.map(Number));
  const percentiles = Object.fromEntries(PERCENTILE_KEYS.map((k, i) => [k, seconds(values[i]!)])) as Record<PercentileKey, number>;
  if (h.count === 0) {
    return { count: 0, min: 0, max: 0, mean: 0, geometricMean: 0, harmonicMean: 0, median: 0, stddev: 0, skewness: 0, kurtosis: 0, percentiles, histogram: { upperBounds: [], counts: [] } };
  }
  return {
    count: h.count,
    min: seconds(h.min),
    max: seconds(h.max),
    mean: seconds(h.mean),
    geometricMean: seconds(h.geometricMean),
    harmonicMean: seconds(h.harmonicMean),
    median: seconds(h.median()),
    stddev: seconds(h.stddev),
    skewness: finite(h.skewness),
    kurtosis: finite(h.kurtosis),
    percentiles,
    histogram: bucketed(h),
  };
}

/**
 * The durations in bars with "nice" upper bounds from the 1-2-5 series
 * (…, 0.5, 1, 2, 5, 10, … ms) between the min and the max, the last bound
 * being the max itself. Fixed series rather than bounds fitted to each label,
 * so that labels and runs can be compared bar by bar.
 *
 * Counts come from the HDR buckets, each counted under the first bound at or
 * above the bucket's highest value: a duration within the HDR precision
 * (0.1 %, or ½ µs) of a bound may be counted in the bar above it. The counts
 * add up to `count` exactly.
 */
function bucketed(h: LatencyHistogram): FullStats['histogram'] {
  const maxS = seconds(h.max);
  let bounds = niceBounds(h.min, h.max, [1, 2, 5]);
  // Only for durations spanning more than 13 decades, so practically never.
  if (bounds.length + 1 > MAX_BARS) bounds = niceBounds(h.min, h.max, [1]);
  // Rounded to the microsecond, a bound just under the max may equal it: keep the bounds strictly ascending.
  bounds = bounds.filter((ms) => seconds(ms) < maxS);
  const upperBounds = [...bounds.map(seconds), maxS];
  const counts = upperBounds.map(() => 0);
  let bar = 0;
  for (const { upperMs, count } of h.buckets()) {
    while (bar < bounds.length && upperMs > bounds[bar]!) bar++;
    counts[bar]! += count;
  }
  return { upperBounds, counts };
}

/**
 * The series values (mantissas × powers of ten, ms) from the first one at or
 * above the min (floored at 1 µs) up to, not including, the max.
 */
function niceBounds(minMs: number, maxMs: number, mantissas: readonly number[]): number[] {
  const from = Math.max(minMs, SMALLEST_BOUND_MS);
  const out: number[] = [];
  for (let exponent = Math.floor(Math.log10(from)) - 1; ; exponent++) {
    for (const m of mantissas) {
      // m × 10^e computed as a division for negative exponents, so 0.1 is 0.1 and not 0.10000000000000002.
      const bound = exponent >= 0 ? m * 10 ** exponent : m / 10 ** -exponent;
      if (bound >= maxMs) return out;
      if (bound >= from) out.push(bound);
    }
  }
}

/**
 * Points for a latency-by-percentile chart, as HdrHistogram's percentile
 * distribution output plots them: evenly spaced in "nines", percentile =
 * 100·(1 − 10^−k) for k from 0 (the min) to 5 (99.999 %), so the tail gets as
 * many points as the body. `points` is the number of points (default 51,
 * i.e. steps of 0.1 nine). Both coordinates are non-decreasing; `ms` rounded
 * to the microsecond. Empty when the histogram is.
 *
 * Computed in one walk over the HDR buckets with the same nearest-rank rule
 * as `LatencyHistogram.percentile` (which would scan the buckets once per
 * point), so each point equals `percentile(p)` except at the top bucket,
 * which reports the exact max.
 */
export function percentileCurve(h: LatencyHistogram, points = 51): Array<{ percentile: number; ms: number }> {
  if (!Number.isInteger(points) || points < 2) throw new RangeError(`a percentile curve needs at least 2 points, got ${points}`);
  const n = h.count;
  if (n === 0) return [];
  const buckets = h.buckets();
  const out: Array<{ percentile: number; ms: number }> = [];
  let b = 0;
  let below = buckets[0]!.count;
  for (let i = 0; i < points; i++) {
    const nines = (5 * i) / (points - 1);
    const percentile = 100 * (1 - 10 ** -nines);
    const rank = rankAt(percentile, n);
    while (below < rank && b < buckets.length - 1) below += buckets[++b]!.count;
    const ms = i === 0 ? h.min : buckets[b]!.upperMs;
    out.push({ percentile, ms: Math.round(ms * 1000) / 1000 });
  }
  return out;
}

/**
 * How many samples must lie at or below the value at percentile `p`: ⌈p·n/100⌉,
 * at least 1, as hdr-histogram-js rounds it (one ulp is taken off first, so
 * that 99.9 % of 1000 is 999 and not 1000).
 */
function rankAt(p: number, n: number): number {
  const fp = (p / 100) * n;
  return Math.max(1, Math.ceil(fp - ulp(fp)));
}

/** The gap between `x` (≥ 0) and the next double up, 0 for 0. */
function ulp(x: number): number {
  return 2 ** (Math.floor(Math.log2(x)) - 52);
}
