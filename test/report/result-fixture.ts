import { g, pyFloat } from '../../lib/core/format.js';
import { DEFAULT_OPERATION_THRESHOLDS, DEFAULT_REQUEST_THRESHOLDS, judge, type SectionName } from '../../lib/stats/thresholds.js';
import type { ThresholdSection } from '../../lib/stats/thresholds-file.js';
import { PERCENTILE_KEYS, type FullStats, type LabelSummary, type ResultDocument, type SavedLabel } from '../../lib/result/result-document.js';
import { LatencyHistogram } from '../../lib/stats/latency-histogram.js';

/**
 * Saved results for the report tests, built the way a run builds them: known
 * samples are recorded into LatencyHistograms per label, the summary figures
 * are read from those histograms (seconds, to the microsecond), and the
 * statuses and the verdict come from the observers' `judge`, so a fixture is
 * a consistent document rather than numbers typed in by hand.
 */

export interface LabelSpec {
  /** Every sample's duration, ms, failed ones included. */
  latenciesMs: number[];
  /** How many samples failed: the last `failed` of `latenciesMs` (default 0). */
  failed?: number;
  /** How many of the failures were timeouts (default 0). */
  timeouts?: number;
  /** Operations: how late their timers ran, ms. */
  lagMs?: number[];
}

export interface FixtureSpec {
  requests?: Record<string, LabelSpec>;
  operations?: Record<string, LabelSpec>;
  requestThresholds?: ThresholdSection;
  operationThresholds?: ThresholdSection;
  /** Percent (default 1, as the observers). */
  requestFailCutoff?: number;
  operationFailCutoff?: number;
  /** Seconds of median lag (default 1). */
  lagCutoff?: number;
  clientFailures?: Record<string, number>;
  simFailures?: Record<string, number>;
  dropped?: number;
  runSeconds?: number;
}

/** `n` samples of `ms` each. */
export function repeat(n: number, ms: number): number[] {
  return Array.from({ length: n }, () => ms);
}

/** The same spec with every latency (not lag) multiplied by `factor`. */
export function scaled(labels: Record<string, LabelSpec>, factor: number): Record<string, LabelSpec> {
  return Object.fromEntries(Object.entries(labels).map(([l, s]) => [l, { ...s, latenciesMs: s.latenciesMs.map((ms) => ms * factor) }]));
}

/** ms → seconds rounded to the microsecond, as the summary writes them; 0 for an empty histogram. */
const sec = (ms: number) => (Number.isFinite(ms) ? Math.round(ms * 1000) / 1e6 : 0);

interface Built {
  summary: LabelSummary;
  saved: SavedLabel;
  reasons: string[];
}

function buildLabel(section: SectionName, label: string, spec: LabelSpec, rules: ThresholdSection, failCutoff: number, lagCutoff: number): Built {
  const all = new LatencyHistogram(rules.limits);
  const successful = new LatencyHistogram(rules.limits);
  const failed = spec.failed ?? 0;
  spec.latenciesMs.forEach((ms, i) => {
    all.record(ms);
    if (i < spec.latenciesMs.length - failed) successful.record(ms);
  });
  const verdict = judge({ label, all, successful, failures: failed, timeouts: spec.timeouts ?? 0 }, rules, failCutoff);
  let lag: LatencyHistogram | undefined;
  if (spec.lagMs?.length) {
    lag = new LatencyHistogram([lagCutoff]);
    for (const ms of spec.lagMs) lag.record(ms);
  }
  const lagFails = !!lag && lag.countAbove(lagCutoff) >= lag.count - Math.floor(lag.count / 2);

  // The observers' reason texts (operations upper-cased, lag first, as the operation logger).
  const shown = section === 'operations' ? label.toUpperCase() : label;
  const reasons: string[] = [];
  if (lagFails) reasons.push(`Median ${shown} scheduling lag greater than ${pyFloat(lagCutoff * 1000)}ms`);
  if (verdict.failedTooOften) reasons.push(`Greater than ${g(failCutoff)}% ${shown} failed`);
  for (const { limit, threshold } of verdict.exceeded) reasons.push(`Greater than ${g(threshold)}% ${shown} exceeded ${g(limit)} second ${section === 'requests' ? 'response' : 'total'} time`);

  const n = spec.latenciesMs.length;
  const summary: LabelSummary = {
    count: n,
    failed,
    timeouts: spec.timeouts ?? 0,
    failureRate: n ? (failed * 100) / n : 0,
    // The status counts the lag rule too, as the result builder's does.
    status: verdict.fail || lagFails ? 'FAIL' : 'PASS',
    failReasons: [...reasons],
    mean: sec(all.mean),
    p50: sec(all.median()),
    p90: sec(all.percentile(90)),
    p95: sec(all.percentile(95)),
    p99: sec(all.percentile(99)),
    'p99.9': sec(all.percentile(99.9)),
    max: sec(all.max),
    stats: fullStats(spec.latenciesMs, all, rules.limits),
    ...(lag ? { lag: { p50: lag.median(), p99: lag.percentile(99), max: lag.max, unit: 'ms' as const } } : {}),
  };
  const saved: SavedLabel = { all: all.encode(), successful: successful.encode(), failures: failed, timeouts: spec.timeouts ?? 0, ...(lag ? { lag: lag.encode() } : {}) };
  return { summary, saved, reasons };
}

function fullStats(samplesMs: number[], h: LatencyHistogram, limits: readonly number[]): FullStats {
  const n = samplesMs.length;
  const s = samplesMs.map((ms) => ms / 1000);
  const mean = n ? s.reduce((a, b) => a + b, 0) / n : 0;
  const central = (k: number) => (n ? s.reduce((a, x) => a + (x - mean) ** k, 0) / n : 0);
  const m2 = central(2);
  const floor = (x: number) => Math.max(x, 1e-6);
  const bounds = [...limits.filter((l) => l < h.max / 1000), sec(h.max)];
  const counts = bounds.map((b, i) => s.filter((x) => x <= b && (i === 0 || x > bounds[i - 1]!)).length);
  return {
    count: n,
    min: sec(h.min),
    max: sec(h.max),
    mean,
    geometricMean: n ? Math.exp(s.reduce((a, x) => a + Math.log(floor(x)), 0) / n) : 0,
    harmonicMean: n ? n / s.reduce((a, x) => a + 1 / floor(x), 0) : 0,
    median: sec(h.median()),
    stddev: Math.sqrt(m2),
    skewness: m2 > 0 ? central(3) / m2 ** 1.5 : 0,
    kurtosis: m2 > 0 ? central(4) / m2 ** 2 - 3 : 0,
    percentiles: Object.fromEntries(PERCENTILE_KEYS.map((k) => [k, sec(h.percentile(Number(k)))])) as FullStats['percentiles'],
    histogram: n ? { upperBounds: bounds, counts } : { upperBounds: [], counts: [] },
  };
}

/** A complete, self-consistent ResultDocument. */
export function resultFixture(spec: FixtureSpec = {}): ResultDocument {
  const requestRules = spec.requestThresholds ?? DEFAULT_REQUEST_THRESHOLDS;
  const operationRules = spec.operationThresholds ?? DEFAULT_OPERATION_THRESHOLDS;
  const requestFailCutoff = spec.requestFailCutoff ?? 1;
  const operationFailCutoff = spec.operationFailCutoff ?? 1;
  const lagCutoff = spec.lagCutoff ?? 1;
  const runSeconds = spec.runSeconds ?? 60;
  const dropped = spec.dropped ?? 0;
  const clientFailures = spec.clientFailures ?? {};
  const simFailures = spec.simFailures ?? {};

  const section = (name: SectionName, labels: Record<string, LabelSpec>, rules: ThresholdSection, failCutoff: number) => {
    const built = Object.keys(labels)
      .sort()
      .map((l) => [l, buildLabel(name, l, labels[l]!, rules, failCutoff, lagCutoff)] as const);
    return {
      summaries: Object.fromEntries(built.map(([l, b]) => [l, b.summary])),
      saved: Object.fromEntries(built.map(([l, b]) => [l, b.saved])),
      reasons: built.flatMap(([, b]) => b.reasons),
    };
  };
  const requests = section('requests', spec.requests ?? {}, requestRules, requestFailCutoff);
  const operations = section('operations', spec.operations ?? {}, operationRules, operationFailCutoff);

  const clientFailureCount = Object.values(clientFailures).reduce((a, b) => a + b, 0);
  const reasons = [...requests.reasons];
  if (clientFailureCount > 0) reasons.push(`Client failures: ${clientFailureCount}`);
  if (Object.keys(simFailures).length > 0) reasons.push(`Overall failures: ${Object.keys(simFailures).length}`);
  reasons.push(...operations.reasons);
  if (dropped > 0) reasons.push(`${dropped} events were dropped: the observers could not keep up, so these results are incomplete`);

  const requestCount = Object.values(spec.requests ?? {}).reduce((a, s) => a + s.latenciesMs.length, 0);
  const lag = new LatencyHistogram();
  for (const s of Object.values(spec.operations ?? {})) for (const ms of s.lagMs ?? []) lag.record(ms);
  const startedAt = Date.UTC(2026, 0, 5, 9, 0, 0);

  return {
    format: 'loadsim-result',
    version: 1,
    verdict: reasons.length ? 'FAIL' : 'PASS',
    reasons,
    seed: 'fixture-seed',
    endedBy: 'runtime',
    startedAt,
    runSeconds,
    users: 10,
    clients: 10,
    cpu: { user: 1.5, system: 0.25 },
    environment: { loadsim: '0.1.0', node: 'v20.18.0', platform: 'linux', cpus: 4, cpuModel: 'Test CPU', hostname: 'ci-runner' },
    run: { config: 'config/default.plist', clients: 'config/clients.plist', servers: ['http://127.0.0.1:8008/'], intervalSeconds: 10 },
    events: { requests: requestCount, responses: requestCount, dropped },
    requests: requests.summaries,
    operations: operations.summaries,
    lag: { count: lag.count, p50: lag.count ? lag.median() : 0, p99: lag.count ? lag.percentile(99) : 0, max: lag.count ? lag.max : 0 },
    server: { '1': { note: 'no stats socket' } },
    intervals: [
      { type: 'interval', index: 0, start: startedAt, end: startedAt + runSeconds * 1000, elapsed: runSeconds, lagP99: null, activeClients: 10, count: requestCount, rate: requestCount / runSeconds, failures: 0, min: 0, mean: 0, p50: 0, p80: 0, p90: 0, p95: 0, p99: 0, max: 0, bytesIn: 0, bytesOut: 0 },
    ],
    clientFailures,
    simFailures,
    saved: {
      requests: { thresholds: clone(requestRules), failCutoff: requestFailCutoff, labels: requests.saved, benchmarks: {}, seen: { users: 10, clients: 10 } },
      operations: { thresholds: clone(operationRules), failCutoff: operationFailCutoff, labels: operations.saved, lagCutoff },
      lag: lag.encode(),
    },
  };
}

function clone(rules: ThresholdSection): ThresholdSection {
  return { limits: [...rules.limits], thresholds: Object.fromEntries(Object.entries(rules.thresholds).map(([k, v]) => [k, [...v]])) };
}
