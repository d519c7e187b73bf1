import type { SimExpiredEvent } from '../events.js';
import type { Observer } from '../observers/observer.js';
import { OperationLogger } from '../observers/operation-logger.js';
import { ReportStatistics } from '../observers/report-statistics.js';
import type { LatencyHistogram } from '../stats/latency-histogram.js';
import type { LabelTable } from '../stats/label-table.js';

/** Durations of one label in seconds, as the report prints them. */
export interface LabelSummary {
  count: number;
  failed: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  'p99.9': number;
  max: number;
  lag?: { p50: number; p99: number; max: number; unit: 'ms' };
}

export interface RunSummary {
  verdict: 'PASS' | 'FAIL';
  reasons: string[];
  seed: string;
  endedBy: string;
  runSeconds: number;
  users: number;
  clients: number;
  /** Request and response events of the run: equal, since every request started is answered or counted as interrupted. */
  events: { requests: number; responses: number; dropped: number };
  requests: Record<string, LabelSummary>;
  operations: Record<string, LabelSummary>;
  server: Record<string, { requestsPerSecond: number; responseMs: number; slots: number; cpuPercent: number } | { note: string }>;
}

const s = (ms: number) => (Number.isFinite(ms) ? Math.round(ms) / 1000 : 0);

function labels(table: LabelTable | undefined, lagOf?: (label: string) => LatencyHistogram | undefined): Record<string, LabelSummary> {
  const out: Record<string, LabelSummary> = {};
  for (const row of table?.sorted() ?? []) {
    const h = row.all;
    const lag = lagOf?.(row.label);
    out[row.label] = {
      count: h.count,
      failed: row.failures,
      mean: s(h.mean),
      p50: s(h.median()),
      p90: s(h.percentile(90)),
      p95: s(h.percentile(95)),
      p99: s(h.percentile(99)),
      'p99.9': s(h.percentile(99.9)),
      max: s(h.max),
      ...(lag?.count ? { lag: { p50: lag.median(), p99: lag.percentile(99), max: lag.max, unit: 'ms' as const } } : {}),
    };
  }
  return out;
}

/** The machine-readable summary of `--json`: verdict, reasons, and per label and operation the figures in seconds. */
export function runSummary(
  args: Omit<RunSummary, 'verdict' | 'requests' | 'operations' | 'server'> & { observers: readonly Observer[]; pass: boolean; serverStats: readonly SimExpiredEvent[] },
): RunSummary {
  const rs = args.observers.find((o): o is ReportStatistics => o instanceof ReportStatistics);
  const ol = args.observers.find((o): o is OperationLogger => o instanceof OperationLogger);
  return {
    verdict: args.pass ? 'PASS' : 'FAIL',
    reasons: args.reasons,
    seed: args.seed,
    endedBy: args.endedBy,
    runSeconds: args.runSeconds,
    users: args.users,
    clients: args.clients,
    events: args.events,
    requests: labels(rs?.table),
    operations: labels(ol?.table, (l) => ol?.lagHistogram(l)),
    server: Object.fromEntries(
      args.serverStats.map((e) => [
        e.podID,
        e.note !== undefined || !Number.isFinite(e.requestsPerSecond) ? { note: e.note ?? 'unavailable' } : { requestsPerSecond: e.requestsPerSecond, responseMs: e.responseMs, slots: e.slots, cpuPercent: e.cpuPercent },
      ]),
    ),
  };
}
