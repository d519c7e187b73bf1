import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, JsHistogram, type Histogram } from 'hdr-histogram-js';

/**
 * The durations of one kind of thing (a request label, an operation, a lag),
 * in constant memory: never the samples themselves, so a week-long run costs
 * what a minute costs, and two workers' histograms merge into one.
 *
 * What is exact and what is not:
 * - count, mean, standard deviation (population, as the original's
 *   `stddev`), min and max are kept exactly (running sums);
 * - skewness and excess kurtosis are exact too: the third and fourth central
 *   moments are updated online and merged pairwise with Pébay's formulas
 *   (P. Pébay, "Formulas for robust, one-pass parallel computation of
 *   covariances and arbitrary-order statistical moments", SAND2008-6212), so
 *   a merged histogram has the moments of the union, not an estimate;
 * - the geometric and harmonic means are exact, from running sums of ln(x)
 *   and 1/x, with durations under 1 µs counted as 1 µs (a 0 ms duration
 *   would make the first −∞ and the second 0 for the whole label);
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
  /** Sums of cubed and fourth-power deviations from the mean (Pébay), for skewness and kurtosis. */
  private m3 = 0;
  private m4 = 0;
  /** Σ ln(max(x, 1 µs)) and Σ 1/max(x, 1 µs), x in ms, for the geometric and harmonic means. */
  private sumLn = 0;
  private sumInv = 0;
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
    // Pébay's one-sample update, in this order: M4 needs the old M3 and M2, M3 the old M2.
    const n = this.n;
    const delta = ms - meanBefore;
    const deltaN = delta / n;
    const deltaN2 = deltaN * deltaN;
    const term1 = delta * deltaN * (n - 1);
    this.m4 += term1 * deltaN2 * (n * n - 3 * n + 3) + 6 * deltaN2 * this.m2 - 4 * deltaN * this.m3;
    this.m3 += term1 * deltaN * (n - 2) - 3 * deltaN * this.m2;
    this.m2 += (ms - meanBefore) * (ms - this.sum / n);
    const floored = Math.max(ms, MIN_POSITIVE_MS);
    this.sumLn += Math.log(floored);
    this.sumInv += 1 / floored;
    if (ms < this.lo) this.lo = ms;
    if (ms > this.hi) this.hi = ms;
    // Compared in seconds, as the original compared its durations with the limits.
    const seconds = ms / 1000;
    for (let i = 0; i < this.limits.length; i++) if (seconds > this.limits[i]!) this.above[i]! += 1;
  }

  /**
   * Empty it again, keeping its counts array: a time series' histograms
   * start over every interval, and a fresh one is a ~70 KB allocation each
   * (a label's, every interval) for the old generation to collect.
   */
  reset(): void {
    this.hdr.reset();
    this.n = this.sum = this.m2 = this.m3 = this.m4 = this.sumLn = this.sumInv = 0;
    this.lo = Infinity;
    this.hi = -Infinity;
    this.above.fill(0);
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

  /** Exact geometric mean (durations under 1 µs count as 1 µs), ms; NaN when empty. */
  get geometricMean(): number {
    return this.n === 0 ? NaN : Math.exp(this.sumLn / this.n);
  }

  /** Exact harmonic mean (durations under 1 µs count as 1 µs), ms; NaN when empty. */
  get harmonicMean(): number {
    return this.n === 0 ? NaN : this.n / this.sumInv;
  }

  /**
   * Exact skewness g1 = m3 / m2^1.5 with population moments (= √n·M3 / M2^1.5),
   * dimensionless; 0 when every duration is the same, NaN when empty.
   */
  get skewness(): number {
    if (this.n === 0) return NaN;
    if (this.degenerate()) return 0;
    return (Math.sqrt(this.n) * this.m3) / this.m2 ** 1.5;
  }

  /** Exact excess kurtosis g2 = m4 / m2² − 3 (= n·M4 / M2² − 3); 0 when every duration is the same, NaN when empty. */
  get kurtosis(): number {
    if (this.n === 0) return NaN;
    if (this.degenerate()) return 0;
    return (this.n * this.m4) / (this.m2 * this.m2) - 3;
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
    return this.percentiles([p])[0]!;
  }

  /**
   * Several percentiles in one walk over the counts (the report asks for
   * eight per label, the time series six per label every interval; HDR's own
   * `getValueAtPercentile` walks from the first bucket each time). The same
   * rule as HDR's: the first bucket whose cumulative count reaches
   * ⌈p/100 · n⌉ (at least 1), reported as its highest value, clamped to the
   * exact min and max.
   */
  percentiles(ps: readonly number[]): number[] {
    for (const p of ps) if (!(p >= 0 && p <= 100)) throw new RangeError(`a percentile is from 0 to 100, got ${p}`);
    if (this.n === 0) return ps.map(() => NaN);
    const values = this.atRanks(ps.map((p) => (p === 100 ? Infinity : rankOf(p, this.hdr.totalCount))));
    return values.map((v, i) => (ps[i] === 0 ? this.lo : v));
  }

  /** The values at these ranks (1-based counts; Infinity = the max), in one pass. */
  private atRanks(ranks: readonly number[]): number[] {
    const out = ranks.map(() => this.hi);
    const order = ranks.map((_, i) => i).filter((i) => ranks[i] !== Infinity).sort((a, b) => ranks[a]! - ranks[b]!);
    const hdr = this.hdr as JsHistogram;
    let next = 0;
    let cumulative = 0;
    for (let i = this.firstIndex(hdr); i < hdr.countsArrayLength && next < order.length; i++) {
      const c = hdr.getCountAtIndex(i);
      if (c === 0) continue;
      cumulative += c;
      const value = this.clamp(hdr.highestEquivalentValue(hdr.valueFromIndex(i)) / 1000);
      while (next < order.length && cumulative >= ranks[order[next]!]!) out[order[next++]!] = value;
    }
    return out;
  }

  /**
   * The median by the original's rule: the element at index ⌊n/2⌋ of the
   * sorted samples (the upper median for an even count), ms, within 0.1 %.
   */
  median(): number {
    if (this.n === 0) return NaN;
    const rank = Math.floor(this.n / 2) + 1;
    if (rank >= this.n) return this.hi;
    return this.atRanks([rank])[0]!;
  }

  /**
   * The recorded HDR buckets, ascending, non-empty ones only: `count`
   * durations fell in the bucket whose highest value is `upperMs`. Bounds are
   * clamped to the exact min and max like the percentiles, and the last one is
   * the exact max (a bucket's highest value is in whole microseconds and may
   * sit above the max, or up to ½ µs below it), so callers can bucket further
   * without losing the extremes.
   *
   * Walks the counts array once, stopping at the max. hdr-histogram-js's
   * `recordedValuesIterator` does the same walk but was 4× slower here (it
   * keeps running totals this does not need); reading the packed counts is
   * most of the cost (≈10 ms for a histogram spanning 0.2 ms to 8 s).
   */
  buckets(): Array<{ upperMs: number; count: number }> {
    const out: Array<{ upperMs: number; count: number }> = [];
    if (this.n === 0) return out;
    const hdr = this.hdr;
    if (!(hdr instanceof JsHistogram)) throw new Error('the HDR histogram is not a JsHistogram: its buckets cannot be read');
    const total = hdr.totalCount;
    let seen = 0;
    for (let i = this.firstIndex(hdr); i < hdr.countsArrayLength && seen < total; i++) {
      const count = hdr.getCountAtIndex(i);
      if (count === 0) continue;
      seen += count;
      out.push({ upperMs: this.clamp(hdr.highestEquivalentValue(hdr.valueFromIndex(i)) / 1000), count });
    }
    out[out.length - 1]!.upperMs = this.hi;
    return out;
  }

  /** Exactly how many durations were strictly greater than `limit` seconds; `limit` must be one of `limits`. */
  countAbove(limit: number): number {
    const i = this.limits.indexOf(limit);
    if (i < 0) throw new RangeError(`no exact count is kept above ${limit} s; the tracked limits are ${JSON.stringify(this.limits)}`);
    return this.above[i]!;
  }

  /**
   * Add `other`'s samples to this one. Chan et al.'s pairwise update keeps the
   * variance exact, and Pébay's extension of it the third and fourth moments.
   */
  merge(other: LatencyHistogram): void {
    if (!sameLimits(this.limits, other.limits)) throw new RangeError(`cannot merge histograms with different limits: ${JSON.stringify(this.limits)} and ${JSON.stringify(other.limits)}`);
    if (other.n === 0) return;
    if (this.n > 0) {
      // Read everything first: `other` may be this histogram.
      const na = this.n;
      const nb = other.n;
      const n = na + nb;
      const [m2a, m3a, m4a, m2b, m3b, m4b] = [this.m2, this.m3, this.m4, other.m2, other.m3, other.m4];
      const delta = other.sum / nb - this.sum / na;
      const delta2 = delta * delta;
      // na·nb/n first: the raw products reach 1e24 for a million samples a side.
      const weight = (na * nb) / n;
      this.m4 = m4a + m4b + delta2 * delta2 * weight * ((na * na - na * nb + nb * nb) / (n * n)) + (6 * delta2 * (na * na * m2b + nb * nb * m2a)) / (n * n) + (4 * delta * (na * m3b - nb * m3a)) / n;
      this.m3 = m3a + m3b + delta2 * delta * weight * ((na - nb) / n) + (3 * delta * (na * m2b - nb * m2a)) / n;
      this.m2 = m2a + (m2b + (delta2 * na * nb) / n);
    } else {
      this.m2 = other.m2;
      this.m3 = other.m3;
      this.m4 = other.m4;
    }
    this.sumLn += other.sumLn;
    this.sumInv += other.sumInv;
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
    const data: Encoded = { v: 2, n: this.n, sum: this.sum, m2: this.m2, m3: this.m3, m4: this.m4, sumLn: this.sumLn, sumInv: this.sumInv, min: this.lo, max: this.hi, limits: [...this.limits], above: [...this.above], hdr: encodeIntoCompressedBase64(this.hdr) };
    // JSON has no Infinity: an empty histogram's min/max travel as null.
    return JSON.stringify(data, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
  }

  /**
   * The inverse of `encode`. Version 1 (before the third and fourth moments
   * and the log and reciprocal sums were kept) is refused rather than read
   * with made-up moments: its skewness, kurtosis, geometric and harmonic means
   * could only be estimated from the buckets, and this class promises them
   * exact.
   */
  static decode(text: string): LatencyHistogram {
    let data: Encoded;
    try {
      data = JSON.parse(text) as Encoded;
    } catch (e) {
      throw new RangeError(`not an encoded LatencyHistogram: ${(e as Error).message}`);
    }
    if ((data as { v?: unknown } | null)?.v === 1) {
      throw new RangeError('an encoded LatencyHistogram of version 1 cannot be read: it lacks the moments and sums version 2 keeps exact (skewness, kurtosis, geometric and harmonic means); record it again with this version');
    }
    const sums = [data?.n, data?.sum, data?.m2, data?.m3, data?.m4, data?.sumLn, data?.sumInv];
    if (data?.v !== 2 || !sums.every((x) => typeof x === 'number') || !Array.isArray(data.limits) || !Array.isArray(data.above) || data.limits.length !== data.above.length || typeof data.hdr !== 'string') {
      throw new RangeError('not an encoded LatencyHistogram (version 2)');
    }
    const h = new LatencyHistogram(data.limits);
    h.hdr = decodeFromCompressedBase64(data.hdr, 32);
    h.hdr.autoResize = true;
    h.n = data.n;
    h.sum = data.sum;
    h.m2 = data.m2;
    h.m3 = data.m3;
    h.m4 = data.m4;
    h.sumLn = data.sumLn;
    h.sumInv = data.sumInv;
    h.lo = data.min ?? Infinity;
    h.hi = data.max ?? -Infinity;
    data.above.forEach((c, i) => (h.above[i] = c));
    return h;
  }

  /**
   * All durations equal: the moments are then 0 in exact arithmetic, but the
   * running mean (sum / n) may be off by an ulp and leave M2 at 1e-30, which
   * would turn skewness and kurtosis into noise.
   */
  private degenerate(): boolean {
    return this.lo === this.hi || !(this.m2 > 0);
  }

  /**
   * Where the walks over the counts start: the bucket of the smallest duration
   * recorded (kept exactly, and recorded as round(ms · 1000) µs), not index 0.
   * A label whose requests take 50 ms or more has some 7,000 empty buckets
   * below them, and the time series reads every label's percentiles at every
   * interval, on the clients' turn.
   */
  private firstIndex(hdr: JsHistogram): number {
    return Number.isFinite(this.lo) ? Math.max(0, hdr.countsArrayIndex(Math.round(this.lo * 1000))) : 0;
  }

  private clamp(ms: number): number {
    return Math.min(this.hi, Math.max(this.lo, ms));
  }
}

interface Encoded {
  v: 2;
  n: number;
  sum: number;
  m2: number;
  m3: number;
  m4: number;
  sumLn: number;
  sumInv: number;
  min: number | null;
  max: number | null;
  limits: number[];
  above: number[];
  hdr: string;
}

/** Durations are floored here for the geometric and harmonic means: 1 µs, the HDR histogram's quantum. */
const MIN_POSITIVE_MS = 0.001;

function sameLimits(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Microseconds, 3 significant digits, a minute's range that grows on demand
 * (autoResize) rather than dropping long requests. Flat 32-bit counts, ~70 KB
 * per histogram: a few MB for a run's labels, independent of its length and
 * client count. The packed form would cost a few hundred bytes, but reading
 * it is ~30× slower (1.6 ms against 55 µs per percentile, measured), and the
 * time series reads six percentiles per label every interval, while clients
 * wait for the event loop.
 */
function newHdr(): Histogram {
  return build({ bitBucketSize: 32, autoResize: true, lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });
}

/**
 * HDR's count for percentile p of n: ⌈p/100 · n⌉, at least 1, rounding up
 * only past one ulp so that 99 % of 100 is 99, not 100 after 0.99·100 came
 * out a hair above 99.
 */
function rankOf(p: number, n: number): number {
  const fp = (p / 100) * n;
  const ulp = fp === 0 ? 0 : 2 ** (Math.floor(Math.log2(Math.abs(fp))) - 52);
  return Math.max(Math.ceil(fp - ulp), 1);
}
