import os from 'node:os';
import { g } from '../core/format.js';
import { loadsimVersion } from '../core/version.js';
import type { SimExpiredEvent } from '../core/events.js';
import type { ReportContext } from '../registry/observer.js';
import { summaryRows } from '../stats/summary-rows.js';
import type { ThresholdSection } from '../stats/thresholds-file.js';
import { medianLagAbove } from '../stats/thresholds.js';
import type { LabelTable } from '../stats/label-table.js';
import type { LatencyHistogram } from '../stats/latency-histogram.js';
import { fullStats } from './full-stats.js';
import type { IntervalRecord, LabelSummary, RequestCounts, ResultDocument, SavedInterval, ServerSummary } from './result-document.js';
import type { OperationTables, RequestTables } from './result-tables.js';
import { saveSection } from './saved-section.js';

export interface BuildResultArgs {
  /** The request tables (ReportStatistics.tables(), or merged ones). */
  requests: RequestTables;
  /** The operation tables (OperationLogger.tables(), or merged ones). */
  operations: OperationTables;
  /** Every reason the run failed (empty = PASS). */
  reasons: string[];
  endedBy: string;
  ctx: ReportContext;
  /** The config and clients files, and the URI of every enabled pod (credentials are taken out here). */
  run: { config: string; clients: string; servers: readonly string[] };
  intervalSeconds: number;
  events: ResultDocument['events'];
  /** Requests per label by how they ended (RequestAccounting.table()). */
  accounting?: Record<string, RequestCounts>;
  /** Scheduling lag of the whole run. */
  lag: LatencyHistogram;
  intervals: Omit<IntervalRecord, 'labels'>[];
  /** The intervals' encoded histograms (IntervalRecorder.saved). */
  savedIntervals?: SavedInterval[];
  serverStats: readonly SimExpiredEvent[];
  /** The slice of users simulated, when not all. */
  worker?: { index: number; count: number };
  mergedFrom?: string[];
  slices?: NonNullable<ResultDocument['run']['slices']>;
}

/** Seconds from ms, to the microsecond; 0 for the NaN of an empty histogram (JSON has no NaN). */
const sec = (ms: number) => (Number.isFinite(ms) ? Math.round(ms * 1000) / 1e6 : 0);
const ms3 = (ms: number) => (Number.isFinite(ms) ? Math.round(ms * 1000) / 1000 : 0);

function labelSummaries(table: LabelTable, section: ThresholdSection, failCutoff: number, kind: 'request' | 'operation', lagOf?: (label: string) => LatencyHistogram | undefined, lagCutoff?: number): Record<string, LabelSummary> {
  const out: Record<string, LabelSummary> = {};
  for (const row of summaryRows(table, section, failCutoff)) {
    const { label, all, failures, timeouts, connect } = row.stats;
    const failReasons: string[] = [];
    if (row.verdict.failedTooOften) failReasons.push(`more than ${g(failCutoff)}% failed (${failures} of ${all.count})`);
    for (const { limit, threshold } of row.verdict.exceeded) {
      const n = all.countAbove(limit);
      failReasons.push(`more than ${g(threshold)}% ${kind === 'request' ? 'took' : 'lasted'} longer than ${g(limit)} s (${n} of ${all.count}, ${((100 * n) / all.count).toFixed(2)}%)`);
    }
    const lag = lagOf?.(label);
    if (lag && lagCutoff !== undefined && medianLagAbove(lag, lagCutoff)) {
      failReasons.push(`median scheduling lag ${lag.median().toFixed(1)} ms is over ${g(lagCutoff * 1000)} ms`);
    }
    const stats = fullStats(all);
    const summary: LabelSummary = {
      count: all.count,
      failed: failures,
      timeouts,
      failureRate: all.count ? Math.round((failures * 100 * 1e4) / all.count) / 1e4 : 0,
      status: failReasons.length ? 'FAIL' : 'PASS',
      failReasons,
      mean: stats.mean,
      p50: stats.median,
      p90: stats.percentiles['90'],
      p95: stats.percentiles['95'],
      p99: stats.percentiles['99'],
      'p99.9': stats.percentiles['99.9'],
      max: stats.max,
      stats,
    };
    if (connect?.count) summary.connect = { count: connect.count, mean: sec(connect.mean), p50: sec(connect.median()), p95: sec(connect.percentile(95)), p99: sec(connect.percentile(99)), max: sec(connect.max) };
    if (lag?.count) summary.lag = { p50: ms3(lag.median()), p99: ms3(lag.percentile(99)), max: ms3(lag.max), unit: 'ms' };
    out[label] = summary;
  }
  return out;
}

/** A server URI without credentials: the result is shared, passwords are not. */
function publicUri(uri: string): string {
  try {
    const u = new URL(uri);
    u.username = '';
    u.password = '';
    return u.href.replace(/\/$/, '');
  } catch {
    return uri.replace(/\/\/[^@/]*@/, '//');
  }
}

/**
 * The result document of a finished run (see result-document.ts): summary
 * figures from the tables' histograms, judged by their rules, and the
 * histograms themselves, so that the result can be merged and printed again.
 */
export function buildResult(a: BuildResultArgs): ResultDocument {
  const rs = a.requests;
  const ol = a.operations;
  const lagOf = (l: string) => ol.lags.get(l);
  const cpu = os.cpus();
  const server: Record<string, ServerSummary> = {};
  for (const e of a.serverStats) {
    server[e.podID] = e.note !== undefined || !Number.isFinite(e.requestsPerSecond) ? { note: e.note ?? 'unavailable' } : { requestsPerSecond: e.requestsPerSecond, responseMs: e.responseMs, slots: e.slots, cpuPercent: e.cpuPercent };
  }
  return {
    format: 'loadsim-result',
    version: 1,
    verdict: a.reasons.length ? 'FAIL' : 'PASS',
    reasons: [...a.reasons],
    seed: a.ctx.seed,
    endedBy: a.endedBy,
    startedAt: a.ctx.startedAt,
    runSeconds: Math.round(a.ctx.runSeconds * 1000) / 1000,
    users: a.ctx.users,
    clients: a.ctx.clients,
    cpu: { user: Math.round(a.ctx.cpu.user * 1000) / 1000, system: Math.round(a.ctx.cpu.system * 1000) / 1000 },
    environment: { loadsim: loadsimVersion(), node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpu.length, cpuModel: cpu[0]?.model.trim() ?? 'unknown', hostname: os.hostname() },
    run: {
      config: a.run.config,
      clients: a.run.clients,
      servers: a.run.servers.map(publicUri),
      intervalSeconds: a.intervalSeconds,
      ...(a.worker ? { worker: { ...a.worker } } : {}),
      ...(a.mergedFrom ? { mergedFrom: [...a.mergedFrom] } : {}),
      ...(a.slices ? { slices: a.slices.map((x) => ({ ...x })) } : {}),
    },
    events: { ...a.events },
    requests: labelSummaries(rs.table, rs.thresholds, rs.failCutoff, 'request'),
    ...(a.accounting ? { accounting: { requests: a.accounting } } : {}),
    operations: labelSummaries(ol.table, ol.thresholds, ol.failCutoff, 'operation', lagOf, ol.lagCutoff),
    errors: rs.errors.toJSON(),
    operationErrors: ol.errors.toJSON(),
    lag: { count: a.lag.count, p50: ms3(a.lag.median()), p99: ms3(a.lag.percentile(99)), max: ms3(a.lag.max) },
    server,
    intervals: a.intervals.map((r) => ({ ...r })),
    clientFailures: { ...rs.clientFailures },
    notices: { ...rs.notices },
    simFailures: { ...rs.simFailures },
    saved: {
      requests: { ...saveSection(rs.table, rs.thresholds, rs.failCutoff), benchmarks: { ...rs.benchmarks }, seen: { ...rs.seen } },
      operations: { ...saveSection(ol.table, ol.thresholds, ol.failCutoff, lagOf), lagCutoff: ol.lagCutoff },
      lag: a.lag.encode(),
      ...(a.savedIntervals ? { intervals: a.savedIntervals.map((i) => ({ ...i })) } : {}),
    },
  };
}
