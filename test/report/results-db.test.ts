import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type BetterSqlite3 from 'better-sqlite3';
import { UsageError } from '../../lib/core/errors.js';
import type { FullStats, IntervalRecord, LabelSummary, ResultDocument } from '../../lib/result/result-document.js';
import { RESULTS_DB_SCHEMA_VERSION, appendRunToDb, loadSqlite, parseResultsDbTarget } from '../../lib/report/results-db.js';
import { LatencyHistogram } from '../../lib/stats/latency-histogram.js';

let Database: typeof BetterSqlite3 | undefined;
let unavailable: string | false = false;
try {
  Database = await loadSqlite();
  new Database(':memory:').close();
} catch (err) {
  unavailable = `better-sqlite3 cannot load here, so the results database is not tested: ${(err as Error).message}`;
}

const dir = mkdtempSync(path.join(tmpdir(), 'loadsim-db-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function stats(mean: number): FullStats {
  return {
    count: 10,
    min: mean / 2,
    max: mean * 3,
    mean,
    geometricMean: mean,
    harmonicMean: mean,
    median: mean,
    stddev: 0.01,
    skewness: 0,
    kurtosis: 0,
    percentiles: { '50': mean, '75': mean, '90': mean * 2, '95': mean * 2.5, '99': mean * 3, '99.9': mean * 3, '99.99': mean * 3 },
    histogram: { upperBounds: [mean * 3], counts: [10] },
  };
}

function label(mean: number, failed = 0): LabelSummary {
  return {
    count: 10,
    failed,
    timeouts: failed ? 1 : 0,
    failureRate: failed * 10,
    status: failed ? 'FAIL' : 'PASS',
    failReasons: failed ? ['too many failures'] : [],
    mean,
    p50: mean,
    p90: mean * 2,
    p95: mean * 2.5,
    p99: mean * 3,
    'p99.9': mean * 3,
    max: mean * 3,
    stats: stats(mean),
  };
}

function interval(index: number, count: number): Omit<IntervalRecord, 'labels'> {
  return {
    type: 'interval',
    index,
    start: 1_767_603_600_000 + index * 10_000,
    end: 1_767_603_610_000 + index * 10_000,
    elapsed: (index + 1) * 10,
    count,
    rate: count / 10,
    failures: 1,
    min: 5,
    mean: 50,
    p50: 40,
    p80: 70,
    p90: 90,
    p95: 120,
    p99: 300,
    max: 450,
    bytesIn: 10_000,
    bytesOut: 2_000,
    lagP99: index === 0 ? null : 3.5,
    activeClients: 20 + index,
  };
}

function resultDocument(over: Partial<ResultDocument> = {}): ResultDocument {
  const empty = new LatencyHistogram().encode();
  const saved = { thresholds: { limits: [1, 3], thresholds: {} }, failCutoff: 1, labels: { 'PROPFIND{home}': { all: empty, successful: empty, failures: 0, timeouts: 0 } } };
  return {
    format: 'loadsim-result',
    version: 1,
    verdict: 'PASS',
    reasons: [],
    seed: 'seed-1',
    endedBy: 'runtime',
    startedAt: Date.UTC(2026, 0, 5, 9, 0, 0),
    runSeconds: 20,
    users: 10,
    clients: 20,
    cpu: { user: 1.5, system: 0.25 },
    environment: { loadsim: '0.1.0', node: 'v20.20.2', platform: 'linux', cpus: 4, cpuModel: 'test', hostname: 'gen-1' },
    run: { config: 'config/loadsim.json', clients: 'config/clients.json', servers: ['https://cal.example.com'], intervalSeconds: 10 },
    events: { requests: 30, responses: 30, dropped: 0 },
    requests: { 'PROPFIND{home}': label(0.05), 'REPORT{sync-init}': label(0.2, 2) },
    operations: { startup: label(1.1), poll: label(0.3) },
    lag: { count: 5, p50: 1, p99: 4, max: 5 },
    server: {},
    intervals: [interval(0, 14), interval(1, 16)],
    clientFailures: {},
    simFailures: {},
    saved: { requests: { ...saved, benchmarks: {}, seen: { users: 10, clients: 20 } }, operations: { ...saved, lagCutoff: 1 }, lag: empty },
    ...over,
  };
}

/**
 * better-sqlite3 is an optional dependency (a native module): a clone where it cannot load skips
 * this suite with the reason. `.ci/run` sets LOADSIM_RESULTS_DB_REQUIRED=1, which makes that a
 * failure instead, so CI never passes without testing the results database.
 */
const REQUIRED = process.env.LOADSIM_RESULTS_DB_REQUIRED === '1';
if (REQUIRED) it('better-sqlite3 loads (LOADSIM_RESULTS_DB_REQUIRED=1)', () => assert.equal(unavailable, false, unavailable || ''));

describe('results database', { skip: REQUIRED ? false : unavailable }, () => {
  const file = path.join(dir, 'sub', 'results.db');
  const timeseries = path.join(dir, 'run2.ndjson');
  let run1: Awaited<ReturnType<typeof appendRunToDb>>;
  let run2: Awaited<ReturnType<typeof appendRunToDb>>;

  before(async () => {
    const figures = (count: number) => ({ ...interval(0, count), type: undefined, index: undefined });
    const lines = [
      JSON.stringify({ ...interval(0, 14), labels: { 'PROPFIND{home}': figures(10), 'REPORT{sync-init}': figures(4) } }),
      '{"type":"interval","index":1, this line was cut short by a crash',
      '',
      JSON.stringify({ ...interval(1, 16), labels: { 'PROPFIND{home}': figures(16) } }),
    ];
    writeFileSync(timeseries, `${lines.join('\n')}\n`);
    run1 = await appendRunToDb(`sqlite:${file}`, resultDocument());
    run2 = await appendRunToDb(
      file,
      resultDocument({ verdict: 'FAIL', reasons: ['REPORT{sync-init}: 20% failed'], seed: 'seed-2', startedAt: Date.UTC(2026, 0, 6, 9, 0, 0) }),
      { timeseriesFile: timeseries },
    );
  });

  const open = () => new Database!(file, { readonly: true });

  it('appends runs with increasing ids to a database created on first use', () => {
    assert.equal(run1.file, file);
    assert.equal(run2.file, file);
    assert.ok(run2.runId > run1.runId);
    assert.equal(run1.skippedLines, 0);
    assert.deepEqual(run1.warnings, []);
    const db = open();
    try {
      assert.equal(db.pragma('user_version', { simple: true }), RESULTS_DB_SCHEMA_VERSION);
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal((db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n, 2);
      const r = db.prepare('SELECT * FROM runs WHERE id = ?').get(run2.runId) as Record<string, unknown>;
      assert.equal(r.started_at, '2026-01-06T09:00:00.000Z');
      assert.equal(r.verdict, 'FAIL');
      assert.equal(r.ended_by, 'runtime');
      assert.equal(r.seed, 'seed-2');
      assert.equal(r.run_seconds, 20);
      assert.equal(r.users, 10);
      assert.equal(r.clients, 20);
      assert.equal(r.requests, 30);
      assert.equal(r.responses, 30);
      assert.equal(r.loadsim_version, '0.1.0');
      assert.equal(r.node, 'v20.20.2');
      assert.equal(r.hostname, 'gen-1');
      assert.equal(r.config_file, 'config/loadsim.json');
      assert.equal(r.clients_file, 'config/clients.json');
      assert.deepEqual(JSON.parse(r.servers as string), ['https://cal.example.com']);
      assert.equal(r.interval_seconds, 10);
      assert.deepEqual(JSON.parse(r.reasons as string), ['REPORT{sync-init}: 20% failed']);
      const summary = JSON.parse(r.summary_json as string) as Record<string, unknown>;
      assert.equal(summary.saved, undefined);
      assert.equal(summary.seed, 'seed-2');
      assert.deepEqual(summary.cpu, { user: 1.5, system: 0.25 });
      const failed = db.prepare("SELECT id FROM runs WHERE verdict = 'FAIL'").all() as { id: number }[];
      assert.deepEqual(failed.map((x) => x.id), [run2.runId]);
    } finally {
      db.close();
    }
  });

  it('stores a row per request label and operation', () => {
    const db = open();
    try {
      const rows = db.prepare('SELECT * FROM labels WHERE run_id = ? ORDER BY section, label').all(run1.runId) as Record<string, unknown>[];
      assert.deepEqual(
        rows.map((r) => `${r.section} ${r.label}`),
        ['operations poll', 'operations startup', 'requests PROPFIND{home}', 'requests REPORT{sync-init}'],
      );
      const report = rows[3]!;
      assert.equal(report.count, 10);
      assert.equal(report.failed, 2);
      assert.equal(report.timeouts, 1);
      assert.equal(report.failure_rate, 20);
      assert.equal(report.mean, 0.2);
      assert.equal(report.p50, 0.2);
      assert.equal(report.p90, 0.4);
      assert.equal(report.p95, 0.5);
      assert.equal(report.p99, 0.2 * 3);
      assert.equal(report.p999, 0.2 * 3);
      assert.equal(report.max, 0.2 * 3);
      assert.equal(report.status, 'FAIL');
      // The documented trend query: p95 of one label over the last runs.
      const trend = db
        .prepare(
          `SELECT r.id, l.p95 FROM labels AS l JOIN runs AS r ON r.id = l.run_id
           WHERE l.section = 'requests' AND l.label = 'PROPFIND{home}' ORDER BY r.started_at DESC LIMIT 20`,
        )
        .all() as { id: number; p95: number }[];
      assert.deepEqual(trend, [
        { id: run2.runId, p95: 0.05 * 2.5 },
        { id: run1.runId, p95: 0.05 * 2.5 },
      ]);
    } finally {
      db.close();
    }
  });

  it('stores the overall interval rows, and per-label rows from the time series, skipping malformed lines', () => {
    assert.equal(run2.skippedLines, 1);
    assert.equal(run2.warnings.length, 1);
    assert.match(run2.warnings[0]!, /1 line of .*run2\.ndjson skipped/);
    const db = open();
    try {
      const overall = db.prepare("SELECT * FROM intervals WHERE run_id = ? AND label = '*' ORDER BY idx").all(run1.runId) as Record<string, unknown>[];
      assert.equal(overall.length, 2);
      assert.deepEqual(overall[1], {
        run_id: run1.runId,
        idx: 1,
        label: '*',
        start_ms: 1_767_603_610_000,
        end_ms: 1_767_603_620_000,
        elapsed: 20,
        count: 16,
        rate: 1.6,
        failures: 1,
        mean: 50,
        p50: 40,
        p95: 120,
        p99: 300,
        max: 450,
        lag_p99: 3.5,
        active_clients: 21,
        bytes_in: 10_000,
        bytes_out: 2_000,
      });
      assert.equal(overall[0]!.lag_p99, null);
      // Run 1 had no time-series file: only overall rows.
      assert.equal((db.prepare("SELECT count(*) AS n FROM intervals WHERE run_id = ? AND label <> '*'").get(run1.runId) as { n: number }).n, 0);

      const perLabel = db.prepare("SELECT idx, label, count, rate, active_clients, lag_p99 FROM intervals WHERE run_id = ? AND label <> '*' ORDER BY idx, label").all(run2.runId);
      assert.deepEqual(perLabel, [
        { idx: 0, label: 'PROPFIND{home}', count: 10, rate: 1, active_clients: null, lag_p99: null },
        { idx: 0, label: 'REPORT{sync-init}', count: 4, rate: 0.4, active_clients: null, lag_p99: null },
        { idx: 1, label: 'PROPFIND{home}', count: 16, rate: 1.6, active_clients: null, lag_p99: null },
      ]);
      assert.equal((db.prepare("SELECT count(*) AS n FROM intervals WHERE run_id = ? AND label = '*'").get(run2.runId) as { n: number }).n, 2);
    } finally {
      db.close();
    }
  });

  it('keeps the run when the time-series file cannot be read, with a warning', async () => {
    const r = await appendRunToDb(`sqlite:${file}`, resultDocument(), { timeseriesFile: path.join(dir, 'missing.ndjson') });
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0]!, /cannot read the time series .*missing\.ndjson: ENOENT/);
    const db = open();
    try {
      assert.equal((db.prepare('SELECT count(*) AS n FROM intervals WHERE run_id = ?').get(r.runId) as { n: number }).n, 2);
    } finally {
      db.close();
    }
  });

  it('refuses a database with a newer schema, without touching it', async () => {
    const newer = path.join(dir, 'newer.db');
    const db = new Database!(newer);
    db.pragma('user_version = 99');
    db.close();
    await assert.rejects(appendRunToDb(newer, resultDocument()), (e: unknown) => e instanceof UsageError && /schema version 99/.test(e.message));
  });
});

describe('results database targets', () => {
  it('takes sqlite:FILE or a plain path, and refuses other schemes by name', () => {
    assert.equal(parseResultsDbTarget('sqlite:/tmp/r.db'), '/tmp/r.db');
    assert.equal(parseResultsDbTarget('sqlite:r.db'), path.resolve('r.db'));
    assert.equal(parseResultsDbTarget('results/r.db'), path.resolve('results/r.db'));
    assert.throws(() => parseResultsDbTarget('postgres://db/loadsim'), (e: unknown) => e instanceof UsageError && /unknown scheme "postgres:"; expected sqlite:FILE/.test(e.message));
    assert.throws(() => parseResultsDbTarget('sqlite:'), UsageError);
    assert.throws(() => parseResultsDbTarget('sqlite:///tmp/r.db'), UsageError);
  });
});
