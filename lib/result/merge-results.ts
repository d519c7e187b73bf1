import { isDeepStrictEqual } from 'node:util';
import { ConfigError, type Problem } from '../core/errors.js';
import { LatencyHistogram } from '../stats/latency-histogram.js';
import { operationFailureReasons, requestFailureReasons } from '../stats/verdict-reasons.js';
import { buildResult } from './build-result.js';
import { mergeAccounting, sumAccountingColumns } from './request-accounting.js';
import type { IntervalRecord, ResultDocument, SavedInterval } from './result-document.js';
import type { OperationTables, RequestTables } from './result-tables.js';
import { restoreFailures, restoreLags, restoreTable, thresholdsOf } from './saved-section.js';

/** A saved result and the file it came from (named in every problem). */
export interface MergeInput {
  file: string;
  doc: ResultDocument;
}

/**
 * One result from the results of slices of a run (`loadsim merge`): the
 * workers of a manager, or independent `--worker-index I --worker-count N`
 * runs on a batch system. Nothing is averaged: the saved histograms are
 * merged (HDR buckets added, exact moments combined), error tables are added
 * kind by kind, and the merged tables are judged again by the same rules, so
 * the verdict is the one a single process would reach from the same requests.
 *
 * Slices must have been judged by the same rules and cut with the same
 * interval; a mismatch, or a slice given twice, is refused (exit 2) naming
 * the file and key. Interval i of every slice becomes interval i of the
 * merged run: slices are aligned on their own start, which a manager makes
 * common and a batch system makes nearly so.
 */
export function mergeResults(inputs: readonly MergeInput[]): ResultDocument {
  if (inputs.length === 0) throw new ConfigError([{ severity: 'error', file: '', path: '', message: 'no results to merge' }]);
  const problems: Problem[] = [];
  const problem = (file: string, path: string, message: string) => problems.push({ severity: 'error', file, path, message });
  const first = inputs[0]!;
  const d0 = first.doc;

  // The same rules, or the merged verdict would mean nothing.
  const sameAs = (path: string, pick: (d: ResultDocument) => unknown) => {
    for (const { file, doc } of inputs.slice(1)) if (!isDeepStrictEqual(pick(doc), pick(d0))) problem(file, path, `differs from ${first.file}'s: slices of one run are judged by the same rules`);
  };
  sameAs('saved.requests.thresholds', (d) => d.saved.requests.thresholds);
  sameAs('saved.requests.failCutoff', (d) => d.saved.requests.failCutoff);
  sameAs('saved.requests.benchmarks', (d) => d.saved.requests.benchmarks);
  sameAs('saved.operations.thresholds', (d) => d.saved.operations.thresholds);
  sameAs('saved.operations.failCutoff', (d) => d.saved.operations.failCutoff);
  sameAs('saved.operations.lagCutoff', (d) => d.saved.operations.lagCutoff);
  sameAs('run.intervalSeconds', (d) => d.run.intervalSeconds);

  // Slices: each once, all of the same cut.
  const reasons: string[] = [];
  const sliced = inputs.filter((i) => i.doc.run.worker);
  if (sliced.length > 0) {
    if (sliced.length < inputs.length) for (const i of inputs) if (!i.doc.run.worker) problem(i.file, 'run.worker', `missing: ${sliced[0]!.file} is a slice (--worker-index), this is a whole run`);
    const count = sliced[0]!.doc.run.worker!.count;
    const seen = new Map<number, string>();
    for (const { file, doc } of sliced) {
      const w = doc.run.worker!;
      if (w.count !== count) problem(file, 'run.worker.count', `is ${w.count}, but ${sliced[0]!.file}'s is ${count}`);
      else if (seen.has(w.index)) problem(file, 'run.worker.index', `slice ${w.index} of ${count} is also ${seen.get(w.index)}`);
      else seen.set(w.index, file);
    }
    const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !seen.has(i));
    if (missing.length) reasons.push(`${missing.length} of ${count} slices missing (worker index ${missing.join(', ')}): their users were not simulated`);
  }
  if (problems.length) throw new ConfigError(problems);

  // The tables, merged label by label.
  const requests = restoreTable(d0.saved.requests);
  const operations = restoreTable(d0.saved.operations);
  const lags = restoreLags(d0.saved.operations);
  const lag = LatencyHistogram.decode(d0.saved.lag);
  // Error tables add up kind by kind; a slice of an older version counts its failures as `(not recorded)`.
  const errors = restoreFailures(d0.saved.requests.labels, d0.errors);
  const operationErrors = restoreFailures(d0.saved.operations.labels, d0.operationErrors);
  for (const { doc } of inputs.slice(1)) {
    requests.merge(restoreTable(doc.saved.requests));
    operations.merge(restoreTable(doc.saved.operations));
    errors.merge(restoreFailures(doc.saved.requests.labels, doc.errors));
    operationErrors.merge(restoreFailures(doc.saved.operations.labels, doc.operationErrors));
    for (const [label, h] of restoreLags(doc.saved.operations)) {
      const mine = lags.get(label);
      if (mine) mine.merge(h);
      else lags.set(label, h);
    }
    lag.merge(LatencyHistogram.decode(doc.saved.lag));
  }

  const sum = (pick: (d: ResultDocument) => number) => inputs.reduce((n, i) => n + pick(i.doc), 0);
  const addCounts = (pick: (d: ResultDocument) => Record<string, number>) => {
    const out: Record<string, number> = {};
    for (const { doc } of inputs) for (const [k, n] of Object.entries(pick(doc))) out[k] = (out[k] ?? 0) + n;
    return out;
  };
  // The server's view: from the slice that read it last, when one could.
  const server = [...inputs]
    .sort((a, b) => b.doc.startedAt + b.doc.runSeconds * 1000 - (a.doc.startedAt + a.doc.runSeconds * 1000))
    .map((i) => i.doc.server)
    .find((s) => Object.values(s).some((p) => !('note' in p))) ?? d0.server;

  // The tables as one process would have ended them, judged again by the same rules.
  const clientFailures = addCounts((d) => d.clientFailures);
  const simFailures = addCounts((d) => d.simFailures);
  const requestTables: RequestTables = {
    table: requests,
    errors,
    thresholds: thresholdsOf(d0.saved.requests),
    failCutoff: d0.saved.requests.failCutoff,
    benchmarks: d0.saved.requests.benchmarks,
    seen: { users: sum((d) => d.saved.requests.seen.users), clients: sum((d) => d.saved.requests.seen.clients) },
    clientFailures,
    notices: addCounts((d) => d.notices ?? {}),
    simFailures,
  };
  const operationTables: OperationTables = {
    table: operations,
    errors: operationErrors,
    thresholds: thresholdsOf(d0.saved.operations),
    failCutoff: d0.saved.operations.failCutoff,
    lagCutoff: d0.saved.operations.lagCutoff,
    lags,
  };
  reasons.unshift(
    ...requestFailureReasons({ ...requestTables, clientFailures: Object.values(clientFailures).reduce((a, n) => a + n, 0), simFailureReasons: Object.keys(simFailures).length }),
    ...operationFailureReasons(operationTables),
  );
  const dropped = sum((d) => d.events.dropped);
  if (dropped) reasons.push(`${dropped} events were dropped: the observers could not keep up, so these results are incomplete`);

  const { rows, saved } = mergeIntervals(inputs);
  const unique = (values: string[]) => [...new Set(values)].join(', ');
  const doc = buildResult({
    requests: requestTables,
    operations: operationTables,
    reasons,
    endedBy: unique(inputs.map((i) => i.doc.endedBy)),
    ctx: {
      startedAt: Math.min(...inputs.map((i) => i.doc.startedAt)),
      runSeconds: Math.max(...inputs.map((i) => i.doc.runSeconds)),
      cpu: { user: sum((d) => d.cpu.user), system: sum((d) => d.cpu.system) },
      users: sum((d) => d.users),
      clients: sum((d) => d.clients),
      seed: unique(inputs.map((i) => i.doc.seed)),
    },
    run: { config: d0.run.config, clients: d0.run.clients, servers: d0.run.servers },
    intervalSeconds: d0.run.intervalSeconds,
    events: { requests: sum((d) => d.events.requests), responses: sum((d) => d.events.responses), dropped, ...(inputs.every((i) => i.doc.events.exchanges !== undefined) ? { exchanges: sum((d) => d.events.exchanges!) } : {}) },
    ...(inputs.every((i) => i.doc.accounting) ? { accounting: mergeAccounting(inputs.map((i) => i.doc.accounting!.requests)) } : {}),
    lag,
    intervals: rows,
    ...(saved ? { savedIntervals: saved } : {}),
    serverStats: [],
    mergedFrom: inputs.map((i) => i.file),
    slices: inputs.map((i, k) => ({ index: i.doc.run.worker?.index ?? k, users: i.doc.users, clients: i.doc.clients, responses: i.doc.events.responses })),
  });
  doc.server = server;
  // Where it ran: every slice's host; the generator's cores added up.
  doc.environment = { ...d0.environment, cpus: sum((d) => d.environment.cpus), hostname: unique(inputs.map((i) => i.doc.environment.hostname)) };
  return doc;
}

/**
 * Interval i of every slice, added up: counts, failures, bytes and clients
 * summed; percentiles and lag from the merged histograms when every slice
 * saved them (loadsim's own results do), else left out rather than guessed.
 */
function mergeIntervals(inputs: readonly MergeInput[]): { rows: Omit<IntervalRecord, 'labels'>[]; saved: SavedInterval[] | undefined } {
  const exact = inputs.every((i) => i.doc.saved.intervals && i.doc.saved.intervals.length === i.doc.intervals.length);
  if (!exact) return { rows: [], saved: undefined };
  const n = Math.max(...inputs.map((i) => i.doc.intervals.length));
  const rows: Omit<IntervalRecord, 'labels'>[] = [];
  const saved: SavedInterval[] = [];
  const r3 = (x: number) => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : 0);
  for (let k = 0; k < n; k++) {
    const parts = inputs.filter((i) => k < i.doc.intervals.length);
    const latency = new LatencyHistogram();
    const lag = new LatencyHistogram();
    for (const p of parts) {
      latency.merge(LatencyHistogram.decode(p.doc.saved.intervals![k]!.latency));
      lag.merge(LatencyHistogram.decode(p.doc.saved.intervals![k]!.lag));
    }
    const rowsK = parts.map((p) => p.doc.intervals[k]!);
    const start = Math.min(...rowsK.map((r) => r.start));
    const end = Math.max(...rowsK.map((r) => r.end));
    const [p50, p80, p90, p95, p99] = latency.percentiles([50, 80, 90, 95, 99]) as [number, number, number, number, number];
    const seconds = Math.max(...rowsK.map((r) => (r.end - r.start) / 1000)) || 1;
    rows.push({
      type: 'interval',
      index: k,
      start,
      end,
      elapsed: Math.max(...rowsK.map((r) => r.elapsed)),
      count: latency.count,
      rate: Math.round((latency.count / seconds) * 1000) / 1000,
      failures: rowsK.reduce((a, r) => a + r.failures, 0),
      min: r3(latency.min),
      mean: r3(latency.mean),
      p50: r3(p50),
      p80: r3(p80),
      p90: r3(p90),
      p95: r3(p95),
      p99: r3(p99),
      max: r3(latency.max),
      bytesIn: rowsK.reduce((a, r) => a + r.bytesIn, 0),
      bytesOut: rowsK.reduce((a, r) => a + r.bytesOut, 0),
      lagP99: lag.count ? r3(lag.percentile(99)) : null,
      activeClients: rowsK.reduce((a, r) => a + r.activeClients, 0),
      ...sumAccountingColumns(rowsK),
    });
    saved.push({ latency: latency.encode(), lag: lag.encode() });
  }
  return { rows, saved };
}

