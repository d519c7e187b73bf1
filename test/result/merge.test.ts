import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import seedrandom from 'seedrandom';
import type { OperationEvent, ResponseEvent, SimEvent } from '../../lib/core/events.js';
import { OperationLogger } from '../../lib/observers/operation-logger.js';
import { ReportStatistics } from '../../lib/observers/report-statistics.js';
import { buildResult } from '../../lib/result/build-result.js';
import { IntervalRecorder } from '../../lib/report/interval-recorder.js';
import type { ResultDocument } from '../../lib/result/result-document.js';
import { NOT_RECORDED } from '../../lib/stats/failure-table.js';
import { LatencyHistogram } from '../../lib/stats/latency-histogram.js';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { mergeResults } from '../../lib/result/merge-results.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { REPO } from '../helpers/reference.js';

/**
 * `loadsim merge`: slices of a run merged into one result equal the result
 * of one process that saw every request. Checked exactly on known events
 * (every label, histogram, interval), then on real slices run against the
 * testbed, whose own request count they must add up to.
 */

const LABELS = ['PROPFIND{home}', 'REPORT{sync-coll}', 'PUT{event}', 'GET{event}'];
const USERS = 30;

/** A deterministic stream of events of USERS users over 60 s: responses, some failed, and operations with lag. */
function events(): SimEvent[] {
  const rnd = seedrandom('merge');
  const out: SimEvent[] = [];
  for (let i = 0; i < 6000; i++) {
    const u = i % USERS;
    const user = `user${String(u + 1).padStart(2, '0')}`;
    const at = Math.floor((i / 6000) * 60_000);
    const label = LABELS[Math.floor(rnd() * LABELS.length)]!;
    // Log-normal-ish durations with a slow tail.
    const durationMs = Math.exp(Math.log(8) + 1.1 * (rnd() + rnd() + rnd() - 1.5)) + (rnd() < 0.01 ? 4000 * rnd() : 0);
    const success = rnd() > 0.02;
    const r: ResponseEvent = { type: 'response', user, clientId: `${user}-0`, clientType: 'main 0', label, method: label.split('{')[0]!, url: `http://x/${user}/`, status: success ? 207 : 500, success, durationMs, bytesIn: 900, bytesOut: 300, at, ...(rnd() < 0.05 ? { connectMs: rnd() * 3 } : {}), ...(success ? {} : rnd() < 0.3 ? { error: 'timeout' } : { error: 'unexpected status 500' }) };
    out.push(r);
    if (i % 10 === 0) {
      const start: OperationEvent = { type: 'operation', phase: 'start', label: 'poll', user, clientId: r.clientId, clientType: 'main 0', lagMs: rnd() * 20, at };
      const end: OperationEvent = { type: 'operation', phase: 'end', label: 'poll', user, clientId: r.clientId, clientType: 'main 0', durationMs: durationMs * 3, success, at };
      out.push(start, end);
    }
  }
  return out;
}

const userNumber = (e: SimEvent) => ('user' in e ? Number(e.user.slice(4)) - 1 : 0);

/** The result one process would write after seeing `evs`, cut into 10 s intervals on the events' times. */
function resultOf(evs: SimEvent[], worker?: { index: number; count: number }): ResultDocument {
  const rs = new ReportStatistics();
  const ol = new OperationLogger({ out: () => {} });
  const rec = new IntervalRecorder({ intervalSeconds: 10 });
  const lag = new LatencyHistogram();
  let k = 0;
  for (const e of evs) {
    while (e.at >= (k + 1) * 10_000) rec.close({ start: k * 10_000, end: (k + 1) * 10_000, elapsed: (k + 1) * 10, activeClients: 0 }), k++;
    rs.observe(e);
    ol.observe(e);
    rec.observe(e);
    if (e.type === 'operation' && e.lagMs !== undefined) lag.record(e.lagMs);
  }
  while (k < 6) rec.close({ start: k * 10_000, end: (k + 1) * 10_000, elapsed: (k + 1) * 10, activeClients: 0 }), k++;
  const observers = [rs, ol];
  const responses = evs.filter((e) => e.type === 'response').length;
  return buildResult({
    requests: rs.tables(),
    operations: ol.tables(),
    reasons: observers.flatMap((o) => o.failures()),
    endedBy: 'runtime',
    ctx: { startedAt: 0, runSeconds: 60, cpu: { user: 1, system: 0.5 }, users: new Set(evs.map(userNumber)).size, clients: new Set(evs.map(userNumber)).size, seed: '5' },
    run: { config: 'config.plist', clients: 'clients.plist', servers: [] },
    intervalSeconds: 10,
    events: { requests: responses, responses, dropped: 0 },
    lag,
    intervals: rec.rows,
    savedIntervals: rec.saved,
    serverStats: [],
    ...(worker ? { worker } : {}),
  });
}

describe('mergeResults: three slices equal one process', () => {
  const all = events();
  const whole = resultOf(all);
  const parts = [0, 1, 2].map((index) => ({ file: `part-${index}.json`, doc: resultOf(all.filter((e) => userNumber(e) % 3 === index), { index, count: 3 }) }));
  const merged = mergeResults(parts);

  it('every label: counts, failures, timeouts and every histogram bucket', () => {
    for (const section of ['requests', 'operations'] as const) {
      assert.deepEqual(Object.keys(merged[section]), Object.keys(whole[section]));
      for (const label of Object.keys(whole[section])) {
        const m = merged[section][label]!;
        const w = whole[section][label]!;
        assert.deepEqual([m.count, m.failed, m.timeouts, m.status], [w.count, w.failed, w.timeouts, w.status], label);
        // HDR merging adds bucket counts: every percentile is the same, not just close.
        assert.deepEqual(m.stats.percentiles, w.stats.percentiles, label);
        assert.deepEqual(m.stats.histogram, w.stats.histogram, label);
        assert.equal(m.stats.min, w.stats.min);
        assert.equal(m.stats.max, w.stats.max);
        // Moments combine exactly, up to the last rounding of the summary (1 µs).
        for (const k of ['mean', 'stddev', 'geometricMean', 'harmonicMean'] as const) assert.ok(Math.abs(m.stats[k] - w.stats[k]) <= 1e-6, `${label} ${k}: ${m.stats[k]} vs ${w.stats[k]}`);
        for (const k of ['skewness', 'kurtosis'] as const) assert.ok(Math.abs(m.stats[k] - w.stats[k]) <= 1e-9 * Math.max(1, Math.abs(w.stats[k])), `${label} ${k}`);
        const mh = LatencyHistogram.decode(merged.saved[section].labels[label]!.all);
        const wh = LatencyHistogram.decode(whole.saved[section].labels[label]!.all);
        for (const p of [1, 10, 50, 90, 99, 99.9, 99.99]) assert.equal(mh.percentile(p), wh.percentile(p), `${label} p${p}`);
        for (const limit of mh.limits) assert.equal(mh.countAbove(limit), wh.countAbove(limit));
      }
    }
    assert.equal(merged.requests['PROPFIND{home}']!.connect!.count, whole.requests['PROPFIND{home}']!.connect!.count);
    assert.equal(merged.operations.poll!.lag!.p99, whole.operations.poll!.lag!.p99);
  });

  it('the verdict and reasons are judged again on the merged tables, as one process would', () => {
    assert.equal(merged.verdict, whole.verdict);
    assert.deepEqual(merged.reasons, whole.reasons);
    assert.ok(merged.reasons.length > 0, 'the fixture fails some rules (2 % failures), so the judging is exercised');
    assert.deepEqual(merged.events, whole.events);
    assert.equal(merged.users, USERS);
    assert.deepEqual(merged.run.mergedFrom, ['part-0.json', 'part-1.json', 'part-2.json']);
  });

  it('error tables add up kind by kind: the merged table is the one process’s, and adds up to the failed counts', () => {
    assert.ok(Object.keys(whole.errors!).length === LABELS.length && whole.operationErrors!.poll, 'the fixture has failures of every label');
    assert.deepEqual(merged.errors, whole.errors);
    assert.deepEqual(merged.operationErrors, whole.operationErrors);
    for (const [label, s] of Object.entries(merged.requests)) assert.equal(Object.values(merged.errors![label] ?? {}).reduce((a, b) => a + b, 0), s.failed, label);
    // Each slice's counts, added by hand: nothing is lost or counted twice.
    const kinds = merged.errors!['PUT{event}']!;
    for (const kind of Object.keys(kinds)) assert.equal(kinds[kind], parts.reduce((n, p) => n + (p.doc.errors!['PUT{event}']?.[kind] ?? 0), 0), kind);
  });

  it('a slice of an older version, without error tables: its failures are counted as (not recorded)', () => {
    const old = structuredClone(parts[1]!.doc);
    delete old.errors;
    delete old.operationErrors;
    const mixed = mergeResults([parts[0]!, { file: 'old.json', doc: old }, parts[2]!]);
    for (const [label, s] of Object.entries(mixed.requests)) {
      const kinds = mixed.errors![label]!;
      assert.equal(Object.values(kinds).reduce((a, b) => a + b, 0), s.failed, label);
      assert.equal(kinds[NOT_RECORDED] ?? 0, old.requests[label]?.failed ?? 0, `${label}: the old slice's failures`);
    }
    assert.equal(mixed.operationErrors!.poll![NOT_RECORDED], old.operations.poll!.failed);
  });

  it('interval i of the slices makes interval i of the run, exactly', () => {
    assert.equal(merged.intervals.length, whole.intervals.length);
    merged.intervals.forEach((m, i) => {
      const w = whole.intervals[i]!;
      for (const k of ['count', 'failures', 'min', 'p50', 'p80', 'p90', 'p95', 'p99', 'max', 'bytesIn', 'bytesOut', 'lagP99'] as const) assert.equal(m[k], w[k], `interval ${i} ${k}`);
      assert.ok(Math.abs(m.mean - w.mean) <= 0.001);
    });
  });

  it('refuses slices judged by different rules, a slice given twice, and a whole run among slices', () => {
    const other = structuredClone(parts[1]!.doc);
    other.saved.requests.failCutoff = 5;
    assert.throws(() => mergeResults([parts[0]!, { file: 'other.json', doc: other }]), /other\.json: saved\.requests\.failCutoff: differs from part-0\.json's/);
    assert.throws(() => mergeResults([parts[0]!, { file: 'again.json', doc: parts[0]!.doc }]), /again\.json: run\.worker\.index: slice 0 of 3 is also part-0\.json/);
    assert.throws(() => mergeResults([parts[0]!, { file: 'whole.json', doc: whole }]), /whole\.json: run\.worker: missing/);
  });

  it('a missing slice fails the merged run, naming it', () => {
    const two = mergeResults(parts.slice(0, 2));
    assert.equal(two.verdict, 'FAIL');
    assert.ok(two.reasons.includes('1 of 3 slices missing (worker index 2): their users were not simulated'), two.reasons.join('\n'));
  });
});

describe('loadsim merge of three slices run against the testbed', { timeout: 180_000 }, () => {
  let tb: Testbed;
  let dir: string;
  before(async () => {
    tb = await startTestbed({ port: 0, users: 20 });
    dir = mkdtempSync(path.join(tmpdir(), 'loadsim-merge-'));
  });
  after(async () => {
    await tb.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const slice = (index: number) =>
    spawnCli(['run', '--config', path.join(REPO, 'config/config.plist'), '--clients', path.join(REPO, 'config/clients.plist'), '--server', tb.url, '--runtime', '10', '--seed', '4', '--quiet', '--worker-index', String(index), '--worker-count', '3', '--json', path.join(dir, `part-${index}.json`)], { guardMs: 90_000 });

  it('each user in exactly one slice; the merged counts are the testbed’s own request count', async () => {
    const before = tb.stats.totalRequests;
    // The three slices at once, as three machines (or Kubernetes pods) would run them.
    const runs = await Promise.all([0, 1, 2].map(slice));
    runs.forEach((r, i) => assert.equal(r.code, 0, `slice ${i}: ${r.stderr}`));
    const served = tb.stats.totalRequests - before;
    const parts = [0, 1, 2].map((i) => JSON.parse(readFileSync(path.join(dir, `part-${i}.json`), 'utf8')) as ResultDocument);
    parts.forEach((p, i) => assert.deepEqual(p.run.worker, { index: i, count: 3 }));
    const r = await runCli(['merge', ...[0, 1, 2].map((i) => path.join(dir, `part-${i}.json`)), '--json', path.join(dir, 'all.json')], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\*\* REPORT \*\*[\s\S]*\*\*\* PASS/);
    const all = JSON.parse(readFileSync(path.join(dir, 'all.json'), 'utf8')) as ResultDocument;
    const counted = Object.values(all.requests).reduce((n, l) => n + l.count, 0);
    assert.equal(all.events.responses, counted);
    // The server also answered the 401 challenges inside labelled requests (timed as part of them, as
    // the original did): with those, every request it served is counted exactly once.
    assert.equal(all.events.exchanges, served, `${counted} labelled requests, ${all.events.exchanges} HTTP exchanges, ${served} served`);
    assert.equal(all.events.exchanges, parts.reduce((n, p) => n + p.events.exchanges!, 0));
    // Slice i simulates the users n ≡ i (mod 3) of those that arrived in the 10 s.
    const arrived = all.users;
    assert.ok(arrived >= 3, `${arrived} users`);
    assert.deepEqual(parts.map((p) => p.users), [0, 1, 2].map((i) => Array.from({ length: arrived }, (_, n) => n).filter((n) => n % 3 === i).length));
    assert.equal(all.intervals.reduce((n, i) => n + i.count, 0), counted);
  });

  it('bad slice flags exit 2 before any traffic', async () => {
    const base = ['run', '--config', path.join(REPO, 'config/config.plist'), '--clients', path.join(REPO, 'config/clients.plist'), '--server', 'http://127.0.0.1:9', '--runtime', '1', '--quiet'];
    assert.match((await runCli([...base, '--worker-index', '3', '--worker-count', '3'], dir)).stderr, /--worker-index: expected an integer from 0 to 2/);
    assert.match((await runCli([...base, '--worker-index', '0'], dir)).stderr, /give both/);
    assert.match((await runCli([...base, '--worker-index', 'x', '--worker-count', '2'], dir)).stderr, /--worker-index: expected an integer/);
    writeFileSync(path.join(dir, 'junk.json'), '[]');
    const r = await runCli(['merge', path.join(dir, 'junk.json')], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /junk\.json: expected a loadsim result/);
  });
});
