import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';

/** Microseconds: from 1 µs to one hour. */
const HIGHEST_US = 3_600_000_000;

function newHdr(): Histogram {
  // Two significant digits: percentiles within 1 %, which a dashboard cannot tell from exact, with
  // a counts array about eight times shorter than the report's three-digit histograms, so reading
  // percentiles at every scrape and shipping them every second cost the clients' turn little.
  return build({ bitBucketSize: 32, autoResize: true, lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 2 });
}

/**
 * The live metrics' own HDR histogram of durations, for percentile gauges:
 * lighter than the report's LatencyHistogram (no exact moments, no exact
 * limit counts, two digits instead of three), mergeable across workers, and
 * caching its percentiles until another duration is recorded, so a scrape of
 * a label that has not moved costs nothing.
 */
export class QuantileHistogram {
  private hdr: Histogram = newHdr();
  private cachedAt = -1;
  private cached: number[] = [];
  private cachedFor = '';

  /** One duration, ms. */
  record(ms: number): void {
    this.hdr.recordValue(Math.min(HIGHEST_US, Math.max(0, Math.round(ms * 1000))));
  }

  get count(): number {
    return this.hdr.totalCount;
  }

  /** The values at these quantiles (0–1), seconds; [] when empty. */
  quantiles(qs: readonly number[]): number[] {
    if (this.hdr.totalCount === 0) return [];
    const key = qs.join(',');
    if (this.cachedAt !== this.hdr.totalCount || this.cachedFor !== key) {
      this.cached = qs.map((q) => this.hdr.getValueAtPercentile(q * 100) / 1e6);
      this.cachedAt = this.hdr.totalCount;
      this.cachedFor = key;
    }
    return this.cached;
  }

  merge(other: QuantileHistogram): void {
    this.hdr.add(other.hdr);
    this.cachedAt = -1;
  }

  /** HDR's standard compressed base64 encoding (for a worker's snapshot). */
  encode(): string {
    return encodeIntoCompressedBase64(this.hdr);
  }

  static decode(text: string): QuantileHistogram {
    const q = new QuantileHistogram();
    q.hdr = decodeFromCompressedBase64(text, 32);
    q.hdr.autoResize = true;
    return q;
  }
}
