import { LatencyHistogram } from './latency-histogram.js';

/** What is known about one label (a request label such as `PROPFIND{home}`, or an operation). */
export interface LabelStats {
  readonly label: string;
  /** Every sample, failed ones included: the table's count, mean, median, stddev and threshold columns. */
  readonly all: LatencyHistogram;
  /** Successful samples only: QoS compares their mean with the benchmark. */
  readonly successful: LatencyHistogram;
  /** Samples that failed. */
  failures: number;
  /** Failed samples whose reason was a timeout. */
  timeouts: number;
  /** Connection set-up times of the samples that opened a connection (requests only). */
  connect?: LatencyHistogram;
}

/** What else is known about one sample, besides its duration and success. */
export interface SampleDetails {
  /** It failed by timing out. */
  timeout?: boolean;
  /** It opened a connection, which took this long, ms. */
  connectMs?: number;
}

/**
 * Per-label statistics, created on demand the first time a label is seen.
 * Each histogram keeps exact "strictly greater than" counts for `limits`
 * (seconds), so the thresholds columns and verdicts are exact.
 */
export class LabelTable {
  readonly limits: readonly number[];
  private readonly rows = new Map<string, LabelStats>();

  constructor(limits: readonly number[] = []) {
    this.limits = [...limits];
  }

  /** Record one sample of `label`: its duration in ms and whether it succeeded. */
  record(label: string, durationMs: number, success: boolean, details?: SampleDetails): void {
    const row = this.row(label);
    row.all.record(durationMs);
    if (success) row.successful.record(durationMs);
    else row.failures += 1;
    if (details) {
      if (details.timeout) row.timeouts += 1;
      if (details.connectMs !== undefined) (row.connect ??= new LatencyHistogram()).record(Math.max(0, details.connectMs));
    }
  }

  /** Put a whole row in (a saved result read back); it replaces any row of that label. */
  adopt(row: LabelStats): void {
    if (!sameLimits(row.all.limits, this.limits)) throw new RangeError(`row ${row.label}: its limits ${JSON.stringify(row.all.limits)} are not the table's ${JSON.stringify(this.limits)}`);
    this.rows.set(row.label, row);
  }

  get(label: string): LabelStats | undefined {
    return this.rows.get(label);
  }

  /** Labels in the original's report order: plain string order (code units, as Python's `sorted`). */
  labels(): string[] {
    return [...this.rows.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Rows in label order. */
  sorted(): LabelStats[] {
    return this.labels().map((l) => this.rows.get(l)!);
  }

  /** Samples over all labels. */
  get total(): number {
    let n = 0;
    for (const r of this.rows.values()) n += r.all.count;
    return n;
  }

  get size(): number {
    return this.rows.size;
  }

  /** Fold another table (a worker's) into this one. */
  merge(other: LabelTable): void {
    for (const theirs of other.rows.values()) {
      const mine = this.row(theirs.label);
      mine.all.merge(theirs.all);
      mine.successful.merge(theirs.successful);
      mine.failures += theirs.failures;
      mine.timeouts += theirs.timeouts;
      if (theirs.connect) (mine.connect ??= new LatencyHistogram()).merge(theirs.connect);
    }
  }

  private row(label: string): LabelStats {
    let row = this.rows.get(label);
    if (!row) {
      row = { label, all: new LatencyHistogram(this.limits), successful: new LatencyHistogram(this.limits), failures: 0, timeouts: 0 };
      this.rows.set(label, row);
    }
    return row;
  }
}

function sameLimits(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
