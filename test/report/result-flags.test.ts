import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { VirtualClock } from '../../lib/core/clock.js';
import { IntervalRecorder } from '../../lib/report/interval-recorder.js';
import { LiveStatus } from '../../lib/simulator/live-status.js';
import { LatencyHistogram } from '../../lib/stats/latency-histogram.js';
import { build } from 'hdr-histogram-js';
import { runCli } from '../helpers/cli.js';
import { startTestbed } from '../../lib/testbed/server.js';
import { REPO } from '../helpers/reference.js';
import type { ResponseEvent } from '../../lib/core/events.js';

let dir: string;
/** A plain file: no folder can be made inside it. */
const BLOCKER = path.join(tmpdir(), `loadsim-flags-blocker-${process.pid}`);
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'loadsim-flags-'));
  writeFileSync(BLOCKER, 'not a folder');
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(BLOCKER, { force: true });
});

const CONFIG = ['--config', path.join(REPO, 'config/config.plist'), '--clients', path.join(REPO, 'config/clients.plist')];
// Nothing listens here: a flag problem must be refused before a request could be sent.
const NOWHERE = ['--server', 'http://127.0.0.1:9', '--runtime', '1', '--quiet'];

describe('result flags: bad values exit 2 before any traffic, naming the flag', () => {
  const cases: [string, string[], RegExp][] = [
    ['--interval 0', ['--interval', '0'], /--interval: expected a number of seconds > 0 and ≤ 86400, got "0"/],
    ['--interval abc', ['--interval', 'abc'], /--interval: expected a number of seconds/],
    ['--results-db with another scheme', ['--results-db', 'mysql:x'], /--results-db mysql:x: unknown scheme "mysql:"; expected sqlite:FILE/],
    ['--results-db sqlite:// form', ['--results-db', 'sqlite://x.db'], /no "\/\/"/],
    ['--html into a folder name', ['--html', `${tmpdir()}/`], /--html: expected a file path/],
    // (Not under /proc: node 20's recursive mkdir spins there for ever.)
    ['--jtl where no file can be made', ['--jtl', path.join(BLOCKER, 'x.jtl')], /--jtl: cannot create .*(ENOTDIR|EEXIST)/],
    ['--timeseries where no file can be made', ['--timeseries', path.join(BLOCKER, 'ts.ndjson')], /--timeseries: cannot create .*(ENOTDIR|EEXIST)/],
  ];
  for (const [name, flags, message] of cases) {
    it(name, async () => {
      const r = await runCli(['run', ...CONFIG, ...NOWHERE, ...flags], dir);
      assert.equal(r.code, 2, r.stderr + r.stdout);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stdout, /REPORT/, 'no run happened');
    });
  }
});

describe('the results keys of config.plist', () => {
  const withKeys = (name: string, keys: string) => {
    const text = readFileSync(path.join(REPO, 'config/config.plist'), 'utf8').replace('<dict>\n\t<key>servers</key>', `<dict>\n${keys}\n\t<key>servers</key>`);
    const f = path.join(dir, name);
    writeFileSync(f, text);
    return f;
  };
  it('reportInterval must be a positive number of seconds: exit 2 naming the key', async () => {
    const f = withKeys('bad-interval.plist', '<key>reportInterval</key><integer>-5</integer>');
    const r = await runCli(['validate', '--config', f, '--clients', path.join(REPO, 'config/clients.plist')], dir);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /bad-interval\.plist: reportInterval: expected a positive number/);
  });
  it('postRunScript must be a string: exit 2 naming the key', async () => {
    const f = withKeys('bad-post-run.plist', '<key>postRunScript</key><integer>1</integer>');
    const r = await runCli(['validate', '--config', f, '--clients', path.join(REPO, 'config/clients.plist')], dir);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /bad-post-run\.plist: postRunScript: expected a string, got/);
  });
  it('postRunScript runs after the report with the result files in its environment; reportInterval sets the interval', async (t) => {
    const tb = await startTestbed({ port: 0, users: 20 });
    t.after(() => tb.close());
    const marker = path.join(dir, 'post-run.txt');
    const f = withKeys('post-run.plist', `<key>reportInterval</key><integer>2</integer><key>postRunScript</key><string>echo "$LOADSIM_VERDICT $LOADSIM_EXIT_CODE $LOADSIM_JSON" &gt; ${marker}</string>`);
    const json = path.join(dir, 'post-run-result.json');
    const r = await runCli(['run', '--config', f, '--clients', path.join(REPO, 'config/clients.plist'), '--server', tb.url, '--runtime', '5', '--seed', '3', '--quiet', '--json', json], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(marker, 'utf8').trim(), `PASS 0 ${json}`);
    const doc = JSON.parse(readFileSync(json, 'utf8')) as { run: { intervalSeconds: number }; intervals: unknown[] };
    assert.equal(doc.run.intervalSeconds, 2);
    assert.ok(doc.intervals.length >= 2 && doc.intervals.length <= 4, `${doc.intervals.length} intervals of 2 s in a 5 s run`);
  });
});

describe('loadsim report and compare refuse what is not a result', () => {
  it('a file that is not a result: exit 2 naming the file and the key', async () => {
    const f = path.join(dir, 'not-a-result.json');
    writeFileSync(f, JSON.stringify({ format: 'something-else' }));
    const r = await runCli(['report', f], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not-a-result\.json: format: expected "loadsim-result"/);
  });
  it('a missing file and bad JSON: exit 2', async () => {
    assert.equal((await runCli(['report', path.join(dir, 'missing.json')], dir)).code, 2);
    const f = path.join(dir, 'bad.json');
    writeFileSync(f, '{"format": "loadsim-result", ');
    const r = await runCli(['compare', f, f], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.json: not a loadsim result \(not JSON/);
  });
  it('the wrong number of files, a bad --max-regression: exit 2', async () => {
    assert.match((await runCli(['compare', 'a.json'], dir)).stderr, /compare: expected two result files/);
    assert.match((await runCli(['report'], dir)).stderr, /report: expected one result file/);
    const r = await runCli(['compare', 'a.json', 'b.json', '--max-regression=-5%'], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--max-regression: expected a percentage/);
  });
});

const response = (label: string, durationMs: number, success = true): ResponseEvent => ({
  type: 'response', user: 'user01', clientId: 'c1', clientType: 'main 0', label, method: 'GET', url: 'http://x/', status: success ? 200 : 500, success, durationMs, bytesIn: 100, bytesOut: 10, at: 0,
});

describe('IntervalRecorder', () => {
  it('appends each interval to the file as it closes, before the run ends', () => {
    const file = path.join(dir, 'ts.ndjson');
    const rec = new IntervalRecorder({ intervalSeconds: 10, file });
    rec.observe(response('GET{event}', 5));
    rec.observe(response('GET{event}', 15, false));
    rec.observe(response('PUT{event}', 7));
    rec.observe({ type: 'operation', phase: 'start', label: 'poll', user: 'user01', clientId: 'c1', clientType: 'main 0', lagMs: 3, at: 0 });
    rec.close({ start: 0, end: 10_000, elapsed: 10, activeClients: 4 });
    // On disk already: a crash now would keep it.
    const first = JSON.parse(readFileSync(file, 'utf8').trim()) as Record<string, unknown> & { labels: Record<string, { count: number; failures: number }> };
    assert.equal(first.count, 3);
    assert.equal(first.failures, 1);
    assert.equal(first.rate, 0.3);
    assert.equal(first.bytesIn, 300);
    assert.equal(first.activeClients, 4);
    assert.equal(first.lagP99, 3);
    assert.equal(first.max, 15);
    assert.deepEqual(Object.keys(first.labels), ['GET{event}', 'PUT{event}']);
    assert.equal(first.labels['GET{event}']!.failures, 1);
    // An empty interval is a record too, with zeros, not NaN.
    rec.close({ start: 10_000, end: 20_000, elapsed: 20, activeClients: 4 });
    rec.finish();
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { count: number; p99: number; lagP99: number | null });
    assert.equal(lines.length, 2);
    assert.deepEqual([lines[1]!.count, lines[1]!.p99, lines[1]!.lagP99], [0, 0, null]);
    assert.equal(rec.rows.length, 2);
  });

  it('a file that cannot be written is told once, and the rows are still kept', { skip: !existsSync('/dev/full') && 'no /dev/full here' }, () => {
    const told: string[] = [];
    const rec = new IntervalRecorder({ intervalSeconds: 1, file: '/dev/full', onError: (m) => told.push(m) });
    for (let i = 0; i < 3; i++) {
      rec.observe(response('GET{event}', 1));
      rec.close({ start: i * 1000, end: (i + 1) * 1000, elapsed: i + 1, activeClients: 1 });
    }
    rec.finish();
    assert.equal(told.length, 1);
    assert.match(told[0]!, /the time series: cannot write \/dev\/full: .*the run goes on/);
    assert.equal(rec.rows.length, 3);
  });
});

describe('LiveStatus', () => {
  it('says elapsed and remaining time, clients arrived of the total, rate, failures, p95 and lag p99', () => {
    const clock = new VirtualClock();
    const written: string[] = [];
    const live = new LiveStatus({ mode: 'lines', everySeconds: 10, write: (s) => written.push(s), clock, totalClients: 40 });
    live.start(120);
    live.observe({ type: 'status', clientCount: 12, at: 0 });
    // 28 fast and 2 slow: the 95th percentile of 30 is the 29th, a slow one.
    for (let i = 0; i < 30; i++) live.observe(response('GET{event}', i < 28 ? 10 : 200, i !== 0));
    live.observe({ type: 'operation', phase: 'start', label: 'poll', user: 'u', clientId: 'c', clientType: 'main 0', lagMs: 2.5, at: 0 });
    clock.advance(10_000);
    live.stop();
    assert.equal(written.length, 1);
    assert.equal(written[0], '00:00:10 / 00:02:00 (00:01:50 left)  clients 12/40  3.0 req/s  failed 1 (total 1)  p95 200.0 ms  lag p99 2.5 ms\n');
  });
});

describe('LatencyHistogram.percentiles', () => {
  it("one walk gives what HDR's own getValueAtPercentile gives, for each percentile", () => {
    const h = new LatencyHistogram();
    const reference = build({ bitBucketSize: 32, autoResize: true, lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });
    for (let i = 1; i <= 5000; i++) {
      const ms = ((i * 7919) % 3001) / 3 + 0.1 + (i % 97 === 0 ? 4000 : 0);
      h.record(ms);
      reference.recordValue(Math.round(ms * 1000));
    }
    const ps = [0, 0.1, 1, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100];
    const batch = h.percentiles(ps);
    const clamp = (ms: number) => Math.min(h.max, Math.max(h.min, ms));
    ps.forEach((p, i) => {
      if (p > 0 && p < 100) assert.equal(batch[i], clamp(reference.getValueAtPercentile(p) / 1000), `p${p}`);
      assert.equal(batch[i], h.percentile(p), `p${p} alone`);
    });
    assert.equal(batch[0], h.min);
    assert.equal(batch.at(-1), h.max);
    for (let i = 1; i < batch.length; i++) assert.ok(batch[i]! >= batch[i - 1]!);
    assert.deepEqual(new LatencyHistogram().percentiles([50, 99]).map(Number.isNaN), [true, true]);
  });
});
