import { OperationLogger } from '../observers/operation-logger.js';
import { ReportStatistics } from '../observers/report-statistics.js';
import { LatencyHistogram } from '../stats/latency-histogram.js';
import type { ResultDocument } from '../result/result-document.js';
import { renderTextReport } from './text-report.js';

/** The text report of a saved run, as the run printed it (observers restored from their histograms). */
export function reportText(doc: ResultDocument): string {
  const observers = [ReportStatistics.restore(doc), ...(Object.keys(doc.operations).length ? [OperationLogger.restore(doc)] : [])];
  const ctx = { startedAt: doc.startedAt, runSeconds: doc.runSeconds, cpu: doc.cpu, users: doc.users, clients: doc.clients, seed: doc.seed };
  return renderTextReport({ observers, ctx, lag: LatencyHistogram.decode(doc.saved.lag), intervals: doc.intervals, intervalSeconds: doc.run.intervalSeconds, reasons: doc.reasons }).text;
}

