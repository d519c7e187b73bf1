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
  record(label: string, durationMs: number, success: boolean): void {
    const row = this.row(label);
    row.all.record(durationMs);
    if (success) row.successful.record(durationMs);
    else row.failures += 1;
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
    }
  }

  private row(label: string): LabelStats {
    let row = this.rows.get(label);
    if (!row) {
      row = { label, all: new LatencyHistogram(this.limits), successful: new LatencyHistogram(this.limits), failures: 0 };
      this.rows.set(label, row);
    }
    return row;
  }
}
