import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';

/**
 * The durations of one kind of thing (a request label, an operation, a lag),
 * in constant memory: never the samples themselves, so a week-long run costs
 * what a minute costs, and two workers' histograms merge into one.
 *
 * What is exact and what is not:
 * - count, mean, standard deviation (population, as the original's
 *   `stddev`), min and max are kept exactly (running sums);
 * - `countAbove(limit)` is exact for the limits named at construction: the
 *   thresholds files compare counts "strictly greater than 3 s" against
 *   percentages, and a bucketed count would flip a verdict at the boundary;
 * - percentiles and the median come from an HDR histogram of microseconds with
 *   3 significant digits: within 0.1 % of the true order statistic, reported as
 *   the highest value of its bucket (so "p99 ≤ x" is never an understatement),
 *   clamped to the exact min and max.
 *
 * Units: `record` takes milliseconds, as events carry them; every statistic is
 * returned in milliseconds; limits are seconds, as thresholds.json writes them.
 */
export class LatencyHistogram {
  /** Limits (seconds) whose "strictly greater than" counts are exact, ascending. */
  readonly limits: readonly number[];
  private readonly above: number[];
  private hdr: Histogram = newHdr();
  private n = 0;
  private sum = 0;
  /** Sum of squared deviations from the running mean (Welford), for the variance. */
  private m2 = 0;
  private lo = Infinity;
  private hi = -Infinity;

  /** @param limits seconds whose exceedance counts are kept exactly (e.g. thresholds.json `limits`) */
  constructor(limits: readonly number[] = []) {
    if (!limits.every((l) => Number.isFinite(l) && l >= 0)) throw new RangeError(`limits must be seconds ≥ 0, got ${JSON.stringify(limits)}`);
    this.limits = [...limits];
    this.above = limits.map(() => 0);
  }

  /** Record one duration, in milliseconds. */
  record(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`a duration must be a finite number of ms ≥ 0, got ${ms}`);
    this.hdr.recordValue(Math.round(ms * 1000));
    const meanBefore = this.n === 0 ? 0 : this.sum / this.n;
    this.n += 1;
    this.sum += ms;
    this.m2 += (ms - meanBefore) * (ms - this.sum / this.n);
    if (ms < this.lo) this.lo = ms;
    if (ms > this.hi) this.hi = ms;
    // Compared in seconds, as the original compared its durations with the limits.
    const seconds = ms / 1000;
    for (let i = 0; i < this.limits.length; i++) if (seconds > this.limits[i]!) this.above[i]! += 1;
  }

  get count(): number {
    return this.n;
  }

  /** Exact mean, ms; NaN when empty. */
  get mean(): number {
    return this.n === 0 ? NaN : this.sum / this.n;
  }

  /** Exact population standard deviation (divides by N, as the original), ms; NaN when empty. */
  get stddev(): number {
    return this.n === 0 ? NaN : Math.sqrt(Math.max(0, this.m2) / this.n);
  }

  /** Exact smallest duration, ms; NaN when empty. */
  get min(): number {
    return this.n === 0 ? NaN : this.lo;
  }

  /** Exact largest duration, ms; NaN when empty. */
  get max(): number {
    return this.n === 0 ? NaN : this.hi;
  }

  /**
   * The value at percentile `p` (0–100): the smallest recorded value with at
   * least p % of the samples at or below it (nearest rank), ms, within 0.1 %;
   * NaN when empty.
   */
  percentile(p: number): number {
    if (!(p >= 0 && p <= 100)) throw new RangeError(`a percentile is from 0 to 100, got ${p}`);
    if (this.n === 0) return NaN;
    if (p === 100) return this.hi;
    return this.clamp(this.hdr.getValueAtPercentile(p) / 1000);
  }

  /**
   * The median by the original's rule: the element at index ⌊n/2⌋ of the
   * sorted samples (the upper median for an even count), ms, within 0.1 %.
   */
  median(): number {
    if (this.n === 0) return NaN;
    const rank = Math.floor(this.n / 2) + 1;
    if (rank >= this.n) return this.hi;
    // (rank − ½)/n lands strictly inside the rank's step, away from rounding at its edges.
    return this.clamp(this.hdr.getValueAtPercentile((100 * (rank - 0.5)) / this.n) / 1000);
  }

  /** Exactly how many durations were strictly greater than `limit` seconds; `limit` must be one of `limits`. */
  countAbove(limit: number): number {
    const i = this.limits.indexOf(limit);
    if (i < 0) throw new RangeError(`no exact count is kept above ${limit} s; the tracked limits are ${JSON.stringify(this.limits)}`);
    return this.above[i]!;
  }

  /** Add `other`'s samples to this one (Chan et al.'s pairwise update keeps the variance exact). */
  merge(other: LatencyHistogram): void {
    if (!sameLimits(this.limits, other.limits)) throw new RangeError(`cannot merge histograms with different limits: ${JSON.stringify(this.limits)} and ${JSON.stringify(other.limits)}`);
    if (other.n === 0) return;
    if (this.n > 0) {
      const delta = other.sum / other.n - this.sum / this.n;
      this.m2 += other.m2 + (delta * delta * this.n * other.n) / (this.n + other.n);
    } else {
      this.m2 = other.m2;
    }
    this.n += other.n;
    this.sum += other.sum;
    this.lo = Math.min(this.lo, other.lo);
    this.hi = Math.max(this.hi, other.hi);
    for (let i = 0; i < this.above.length; i++) this.above[i]! += other.above[i]!;
    this.hdr.add(other.hdr);
  }

  /**
   * A compact string for shipping between processes (workers): the exact sums
   * as JSON numbers (which round-trip exactly) and the HDR histogram as its
   * standard compressed base64 encoding.
   */
  encode(): string {
    const data: Encoded = { v: 1, n: this.n, sum: this.sum, m2: this.m2, min: this.lo, max: this.hi, limits: [...this.limits], above: [...this.above], hdr: encodeIntoCompressedBase64(this.hdr) };
    // JSON has no Infinity: an empty histogram's min/max travel as null.
    return JSON.stringify(data, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
  }

  static decode(text: string): LatencyHistogram {
    let data: Encoded;
    try {
      data = JSON.parse(text) as Encoded;
    } catch (e) {
      throw new RangeError(`not an encoded LatencyHistogram: ${(e as Error).message}`);
    }
    if (data?.v !== 1 || !Array.isArray(data.limits) || !Array.isArray(data.above) || data.limits.length !== data.above.length || typeof data.hdr !== 'string') {
      throw new RangeError('not an encoded LatencyHistogram (version 1)');
    }
    const h = new LatencyHistogram(data.limits);
    h.hdr = decodeFromCompressedBase64(data.hdr, 'packed');
    h.hdr.autoResize = true;
    h.n = data.n;
    h.sum = data.sum;
    h.m2 = data.m2;
    h.lo = data.min ?? Infinity;
    h.hi = data.max ?? -Infinity;
    data.above.forEach((c, i) => (h.above[i] = c));
    return h;
  }

  private clamp(ms: number): number {
    return Math.min(this.hi, Math.max(this.lo, ms));
  }
}

interface Encoded {
  v: 1;
  n: number;
  sum: number;
  m2: number;
  min: number | null;
  max: number | null;
  limits: number[];
  above: number[];
  hdr: string;
}

function sameLimits(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Microseconds, 3 significant digits. Packed storage: a label's histogram
 * costs a few hundred bytes until its values spread out (a flat 32-bit array
 * covering an hour would be ~95 KB per label); it grows past the first
 * minute on demand rather than dropping long requests.
 */
function newHdr(): Histogram {
  return build({ bitBucketSize: 'packed', autoResize: true, lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });
}
