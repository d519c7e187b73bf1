import { AppendFile } from './append-file.js';
import type { SimEvent } from '../core/events.js';
import { LatencyHistogram } from '../stats/latency-histogram.js';
import type { IntervalFigures, IntervalRecord, SavedInterval } from '../result/result-document.js';

export interface IntervalRecorderOptions {
  /** Seconds per interval (used for rates; the caller's timer decides when an interval ends). */
  intervalSeconds: number;
  /** `--timeseries FILE.ndjson`: one record per interval, written as it ends. */
  file?: string;
  /** Told once when the file cannot be written; the run goes on. */
  onError?: (message: string) => void;
  /** Each record as it closes, with its histograms encoded (a worker sends them to its manager). */
  onClose?: (record: IntervalRecord, histograms: IntervalHistograms) => void;
}

/** One label's figures while its interval is open. */
class Bucket {
  readonly latency = new LatencyHistogram();
  failures = 0;
  bytesIn = 0;
  bytesOut = 0;

  add(durationMs: number, success: boolean, bytesIn: number, bytesOut: number): void {
    this.latency.record(durationMs);
    if (!success) this.failures++;
    this.bytesIn += bytesIn;
    this.bytesOut += bytesOut;
  }

  figures(seconds: number): IntervalFigures {
    return intervalFigures(this.latency, this.failures, this.bytesIn, this.bytesOut, seconds);
  }

  get empty(): boolean {
    return this.latency.count === 0;
  }

  reset(): void {
    this.latency.reset();
    this.failures = this.bytesIn = this.bytesOut = 0;
  }
}

/** An interval's figures from its latency histogram and counters (also how merged intervals are made). */
export function intervalFigures(h: LatencyHistogram, failures: number, bytesIn: number, bytesOut: number, seconds: number): IntervalFigures {
  const r = (x: number) => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : 0);
  const [p50, p80, p90, p95, p99] = h.percentiles([50, 80, 90, 95, 99]) as [number, number, number, number, number];
  return {
    count: h.count,
    rate: seconds > 0 ? Math.round((h.count / seconds) * 1000) / 1000 : 0,
    failures,
    min: r(h.min),
    mean: r(h.mean),
    p50: r(p50),
    p80: r(p80),
    p90: r(p90),
    p95: r(p95),
    p99: r(p99),
    max: r(h.max),
    bytesIn,
    bytesOut,
  };
}

/** An interval's histograms, encoded: overall latency and lag, and each label's latency (what a worker sends its manager). */
export interface IntervalHistograms {
  latency: string;
  lag: string;
  labels: Record<string, string>;
}

/**
 * The time series (Pyak47's interval tables, seed 001): every interval, per
 * request label and overall, the responses that arrived in it. Each interval's
 * record is appended to the NDJSON file the moment it closes, with a plain
 * synchronous write, so a crash loses at most the interval in progress; the
 * overall rows are also kept for the report, the JSON and the HTML charts,
 * with the interval's overall histograms encoded (about 1 KB an interval: a
 * day at 10 s is ~10 MB), so that slices of a run merge exactly. Per-label rows are not
 * kept in memory; they live in the file.
 *
 * Every response goes into exactly one interval, so the intervals' counts add
 * up to the run's totals: the caller delivers queued events before closing an
 * interval (`EventBus.flush`) and closes the last, partial one after the
 * interrupted requests were counted.
 */
export class IntervalRecorder {
  readonly rows: Omit<IntervalRecord, 'labels'>[] = [];
  /** Each interval's overall latency and lag histograms, encoded (for merging slices exactly). */
  readonly saved: SavedInterval[] = [];
  private readonly overall = new Bucket();
  private readonly labels = new Map<string, Bucket>();
  private readonly lag = new LatencyHistogram();
  private started = 0;
  private readonly file: AppendFile | undefined;
  private index = 0;
  private readonly intervalSeconds: number;

  constructor(private readonly o: IntervalRecorderOptions) {
    if (!(o.intervalSeconds > 0)) throw new RangeError(`an interval is a positive number of seconds, got ${o.intervalSeconds}`);
    this.intervalSeconds = o.intervalSeconds;
    if (o.file) this.file = new AppendFile(o.file, o.onError && ((m) => o.onError!(`the time series: ${m}`)));
  }

  observe(e: SimEvent): void {
    if (e.type === 'request') this.started++;
    else if (e.type === 'response') {
      this.overall.add(e.durationMs, e.success, e.bytesIn, e.bytesOut);
      let b = this.labels.get(e.label);
      if (!b) this.labels.set(e.label, (b = new Bucket()));
      b.add(e.durationMs, e.success, e.bytesIn, e.bytesOut);
    } else if (e.type === 'operation' && e.phase === 'start' && e.lagMs !== undefined) {
      this.lag.record(e.lagMs);
    }
  }

  /**
   * Close the interval that ran from `start` to `end` (epoch ms), `elapsed`
   * seconds into the run, and open the next. A final interval shorter than
   * the others is rated over its own length.
   */
  close(args: { start: number; end: number; elapsed: number; activeClients: number; inFlight?: number; cachedBytes?: number }): IntervalRecord {
    const seconds = Math.max(0, (args.end - args.start) / 1000) || this.intervalSeconds;
    const labels: Record<string, IntervalFigures> = {};
    // Buckets are kept from one interval to the next (reset, not remade): a label without a response in this one is left out.
    for (const name of [...this.labels.keys()].sort()) if (!this.labels.get(name)!.empty) labels[name] = this.labels.get(name)!.figures(seconds);
    const record: IntervalRecord = {
      type: 'interval',
      index: this.index++,
      start: Math.round(args.start),
      end: Math.round(args.end),
      elapsed: Math.round(args.elapsed * 1000) / 1000,
      ...this.overall.figures(seconds),
      lagP99: this.lag.count ? Math.round(this.lag.percentile(99) * 1000) / 1000 : null,
      activeClients: args.activeClients,
      started: this.started,
      ...(args.inFlight !== undefined ? { inFlight: args.inFlight } : {}),
      ...(args.cachedBytes !== undefined ? { cachedBytes: args.cachedBytes } : {}),
      labels,
    };
    const { labels: _perLabel, ...row } = record;
    this.rows.push(row);
    const saved = { latency: this.overall.latency.encode(), lag: this.lag.encode() };
    this.saved.push(saved);
    this.file?.write(`${JSON.stringify(record)}\n`);
    if (this.o.onClose) {
      const labels: Record<string, string> = {};
      for (const [name, b] of this.labels) if (!b.empty) labels[name] = b.latency.encode();
      this.o.onClose(record, { ...saved, labels });
    }
    this.overall.reset();
    for (const b of this.labels.values()) b.reset();
    this.lag.reset();
    this.started = 0;
    return record;
  }

  /** Responses counted in the interval still open. */
  get pending(): number {
    return this.overall.latency.count;
  }

  /** Make the file durable and close it (idempotent). */
  finish(): void {
    this.file?.finish();
  }
}
