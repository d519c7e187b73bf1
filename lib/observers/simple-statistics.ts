import type { SimEvent } from '../core/events.js';
import { pyFloat } from '../core/format.js';
import type { Observer, ReportContext } from '../registry/observer.js';

export interface SimpleStatisticsOptions {
  /** Where the periodic lines go. */
  out: (line: string) => void;
  /** Samples in the window; statistics are printed when it is full (default 200, as the original). */
  window?: number;
}

/**
 * Running statistics of response durations (seconds), the original's
 * SimpleStatistics (the original's population.py): when the window holds 200 samples, print
 * `mean:`, `median:`, `stddev:` and `mad:` of them and forget the oldest half,
 * so a line group appears after 200 responses and then every 100. The window
 * is a fixed ring buffer: memory does not grow with the run. No report, never
 * fails the run.
 */
export class SimpleStatistics implements Observer {
  private readonly out: (line: string) => void;
  private readonly ring: Float64Array;
  /** Index of the oldest sample in the ring. */
  private start = 0;
  private size = 0;

  constructor(options: SimpleStatisticsOptions) {
    const window = options.window ?? 200;
    if (!Number.isInteger(window) || window < 2) throw new RangeError(`window must be an integer ≥ 2, got ${window}`);
    this.out = options.out;
    this.ring = new Float64Array(window);
  }

  observe(event: SimEvent): void {
    if (event.type !== 'response') return;
    const capacity = this.ring.length;
    this.ring[(this.start + this.size) % capacity] = event.durationMs / 1000;
    this.size += 1;
    if (this.size < capacity) return;
    const s = windowStatistics(Float64Array.from({ length: capacity }, (_, i) => this.ring[(this.start + i) % capacity]!));
    this.out(`mean: ${pyFloat(s.mean)}`);
    this.out(`median: ${pyFloat(s.median)}`);
    this.out(`stddev: ${pyFloat(s.stddev)}`);
    this.out(`mad: ${pyFloat(s.mad)}`);
    const drop = Math.floor(capacity / 2);
    this.start = (this.start + drop) % capacity;
    this.size -= drop;
  }

  report(_out: (line: string) => void, _ctx: ReportContext): void {}

  failures(): string[] {
    return [];
  }
}

/**
 * The original's helpers (contrib/performance/stats.py): mean; median = the element at index
 * ⌊n/2⌋ of the sorted samples; population standard deviation; median absolute
 * deviation by the same median rule.
 */
export function windowStatistics(xs: Float64Array): { mean: number; median: number; stddev: number; mad: number } {
  const n = xs.length;
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  const stddev = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / n);
  const median = (v: Float64Array) => Float64Array.from(v).sort()[Math.floor(v.length / 2)]!;
  const m = median(xs);
  const mad = median(xs.map((x) => Math.abs(x - m)));
  return { mean, median: m, stddev, mad };
}
