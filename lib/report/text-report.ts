import type { Observer, ReportContext } from '../registry/observer.js';
import { writeIntervalTable } from './interval-table.js';
import { OperationLogger } from '../observers/operation-logger.js';
import { ReportStatistics } from '../observers/report-statistics.js';
import { LatencyHistogram } from '../stats/latency-histogram.js';
import type { IntervalRecord, ResultDocument } from '../result/result-document.js';

export interface TextReportInput {
  /** In config order; each writes its part and says why the run fails. */
  observers: readonly Observer[];
  ctx: ReportContext;
  /** The run's scheduling lag. */
  lag: LatencyHistogram;
  intervals?: readonly Omit<IntervalRecord, 'labels'>[];
  intervalSeconds?: number;
  /** Events dropped by the bus: the results have holes. */
  dropped?: number;
  /** Use these reasons for the verdict instead of asking the observers (a saved run re-rendered). */
  reasons?: readonly string[];
}

/**
 * The text report: every observer's report in config order, the interval
 * details, the generator's scheduling lag, then `*** PASS` or `*** FAIL` with
 * every reason. One observer's bug must not lose the others' reports; it
 * fails the run instead.
 */
export function renderTextReport(input: TextReportInput): { text: string; reasons: string[] } {
  const lines: string[] = [];
  const reasons: string[] = [];
  for (const obs of input.observers) {
    try {
      obs.report((l) => lines.push(l), input.ctx);
      if (!input.reasons) reasons.push(...obs.failures());
    } catch (e) {
      reasons.push(`an observer failed to report: ${(e as Error).message}`);
    }
  }
  if (input.intervals?.length) writeIntervalTable((l) => lines.push(l), input.intervals, input.intervalSeconds ?? 10);
  const lag = input.lag;
  if (lag.count) {
    lines.push('', "* Scheduling lag (how late timers ran: the generator's own health)");
    lines.push(`  p50 ${lag.median().toFixed(1)} ms   p99 ${lag.percentile(99).toFixed(1)} ms   max ${lag.max.toFixed(1)} ms   (${lag.count} timed operations)`);
    if (lag.percentile(99) > 100) lines.push('  WARNING: lag p99 is over 100 ms: the load generator, not the server, is the bottleneck; these results understate the server.');
  }
  if (input.reasons) reasons.push(...input.reasons);
  else if (input.dropped) reasons.push(`${input.dropped} events were dropped: the observers could not keep up, so these results are incomplete`);
  lines.push(reasons.length ? `\n*** FAIL\n${reasons.join('\n')}` : '\n*** PASS');
  return { text: lines.join('\n'), reasons };
}

/** The text report of a saved run, as the run printed it (observers restored from their histograms). */
export function reportText(doc: ResultDocument): string {
  const observers = [ReportStatistics.restore(doc), ...(Object.keys(doc.operations).length ? [OperationLogger.restore(doc)] : [])];
  const ctx = { startedAt: doc.startedAt, runSeconds: doc.runSeconds, cpu: doc.cpu, users: doc.users, clients: doc.clients, seed: doc.seed };
  return renderTextReport({ observers, ctx, lag: LatencyHistogram.decode(doc.saved.lag), intervals: doc.intervals, intervalSeconds: doc.run.intervalSeconds, reasons: doc.reasons }).text;
}

