import { AppendFile } from './append-file.js';
import { intervalFigures, type IntervalHistograms } from './interval-recorder.js';
import { sumAccountingColumns } from '../result/request-accounting.js';
import type { IntervalFigures, IntervalRecord } from '../result/result-document.js';
import { LatencyHistogram } from '../stats/latency-histogram.js';

interface Part {
  record: IntervalRecord;
  histograms: IntervalHistograms;
}

/**
 * The manager's time series (`--timeseries` with workers): interval k of the
 * run is interval k of every worker, merged — counts and bytes added,
 * percentiles from the merged histograms, overall and per label — and
 * appended to the NDJSON file as soon as every worker still running has sent
 * it, so the file grows during the run as a single process's does. A worker
 * that ended (or died) is not waited for; what it did send is in.
 */
export class IntervalMerger {
  private readonly pending = new Map<number, Map<number, Part>>();
  private readonly done = new Set<number>();
  private next = 0;
  private readonly file: AppendFile;

  constructor(file: string, private readonly workers: number, onError?: (message: string) => void) {
    this.file = new AppendFile(file, onError && ((m) => onError(`the time series: ${m}`)));
  }

  /** Worker `worker` closed interval `record.index`. */
  add(worker: number, record: IntervalRecord, histograms: IntervalHistograms): void {
    let parts = this.pending.get(record.index);
    if (!parts) this.pending.set(record.index, (parts = new Map()));
    parts.set(worker, { record, histograms });
    this.flush(false);
  }

  /** Worker `worker` sends no more intervals (it ended, or died). */
  ended(worker: number): void {
    this.done.add(worker);
    this.flush(false);
  }

  /** Write what is left, and make the file durable. */
  finish(): void {
    this.flush(true);
    this.file.finish();
  }

  private flush(all: boolean): void {
    for (;;) {
      const parts = this.pending.get(this.next);
      if (!parts) return;
      const waiting = Array.from({ length: this.workers }, (_, i) => i).some((i) => !parts.has(i) && !this.done.has(i));
      if (waiting && !all) return;
      this.file.write(`${JSON.stringify(merge(this.next, [...parts.values()]))}\n`);
      this.pending.delete(this.next);
      this.next++;
    }
  }
}

function merge(index: number, parts: Part[]): IntervalRecord {
  const records = parts.map((p) => p.record);
  const start = Math.min(...records.map((r) => r.start));
  const end = Math.max(...records.map((r) => r.end));
  const seconds = Math.max(...records.map((r) => (r.end - r.start) / 1000)) || 1;
  const sum = (pick: (f: IntervalFigures) => number, figures: IntervalFigures[]) => figures.reduce((n, f) => n + pick(f), 0);
  const latency = new LatencyHistogram();
  const lag = new LatencyHistogram();
  const byLabel = new Map<string, { h: LatencyHistogram; figures: IntervalFigures[] }>();
  for (const p of parts) {
    latency.merge(LatencyHistogram.decode(p.histograms.latency));
    lag.merge(LatencyHistogram.decode(p.histograms.lag));
    for (const [label, encoded] of Object.entries(p.histograms.labels)) {
      let l = byLabel.get(label);
      if (!l) byLabel.set(label, (l = { h: new LatencyHistogram(), figures: [] }));
      l.h.merge(LatencyHistogram.decode(encoded));
      const f = p.record.labels[label];
      if (f) l.figures.push(f);
    }
  }
  const labels: Record<string, IntervalFigures> = {};
  for (const label of [...byLabel.keys()].sort()) {
    const l = byLabel.get(label)!;
    labels[label] = intervalFigures(l.h, sum((f) => f.failures, l.figures), sum((f) => f.bytesIn, l.figures), sum((f) => f.bytesOut, l.figures), seconds);
  }
  return {
    type: 'interval',
    index,
    start,
    end,
    elapsed: Math.max(...records.map((r) => r.elapsed)),
    ...intervalFigures(latency, sum((f) => f.failures, records), sum((f) => f.bytesIn, records), sum((f) => f.bytesOut, records), seconds),
    lagP99: lag.count ? Math.round(lag.percentile(99) * 1000) / 1000 : null,
    activeClients: records.reduce((n, r) => n + r.activeClients, 0),
    ...sumAccountingColumns(records),
    labels,
  };
}
