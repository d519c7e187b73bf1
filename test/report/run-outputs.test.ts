import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SaxesParser } from 'saxes';
import type { IntervalRecord, ResultDocument } from '../../lib/result/result-document.js';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { REPO } from '../helpers/reference.js';
import { spawnCli } from '../helpers/cli.js';
import { browserAvailable, renderInBrowser } from '../support/browser.js';

/**
 * The acceptance run of the results issue: loadsim's own config against the
 * testbed for 60 s, writing every result file, then each file checked as the
 * tool that reads it would: the NDJSON adds up to the summary, the JUnit is
 * XML a parser accepts, the HTML renders in a real browser. Then the saved
 * result is re-rendered and compared: with itself (exit 0), and with a run
 * against a testbed slowed by an injected delay (exit 1, naming the labels).
 */
const CONFIG = ['--config', path.join(REPO, 'config/config.plist'), '--clients', path.join(REPO, 'config/clients.plist')];
const ARTIFACTS = process.env.LOADSIM_ARTIFACTS ?? path.join(REPO, 'artifacts');

const cli = (args: string[]) => spawnCli(args);

let tb: Testbed;
let dir: string;
before(async () => {
  tb = await startTestbed({ port: 0, users: 20 });
  dir = mkdtempSync(path.join(tmpdir(), 'loadsim-results-'));
});
after(async () => {
  await tb.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a 60 s run writes the time series, HTML, JUnit and JSON', { timeout: 300_000 }, () => {
  let run: { code: number | null; stdout: string; stderr: string };
  let doc: ResultDocument;
  const file = (name: string) => path.join(dir, name);

  before(async () => {
    run = await cli(['run', ...CONFIG, '--server', tb.url, '--runtime', '60', '--seed', '8', '--quiet', '--timeseries', file('ts.ndjson'), '--html', file('report.html'), '--junit', file('junit.xml'), '--json', file('result.json')]);
    doc = JSON.parse(readFileSync(file('result.json'), 'utf8')) as ResultDocument;
  });

  it('passes and says where each file went', () => {
    assert.equal(run.code, 0, run.stderr + run.stdout.slice(-3000));
    for (const f of ['result.json', 'report.html', 'junit.xml']) assert.ok(run.stderr.includes(file(f)), `${f} not mentioned: ${run.stderr}`);
    assert.match(run.stdout, /\* Interval details \(every 10 s; latency in ms\)/);
  });

  it('the NDJSON has one record per interval, and its counts add up to the summary', () => {
    const records = readFileSync(file('ts.ndjson'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as IntervalRecord);
    // Six 10 s intervals, and the last partial one (the grace period and what was in flight at the stop).
    assert.ok(records.length >= 6 && records.length <= 7, `${records.length} intervals`);
    records.forEach((r, i) => {
      assert.equal(r.type, 'interval');
      assert.equal(r.index, i);
      if (i > 0) assert.equal(r.start, records[i - 1]!.end, 'intervals are contiguous');
      const perLabel = Object.values(r.labels).reduce((n, f) => n + f.count, 0);
      assert.equal(perLabel, r.count, `interval ${i}: labels add up to the interval`);
    });
    for (const r of records.slice(0, 6)) assert.equal(r.end - r.start, 10_000);
    const total = Object.values(doc.requests).reduce((n, l) => n + l.count, 0);
    assert.ok(total > 200, `${total} requests`);
    assert.equal(records.reduce((n, r) => n + r.count, 0), total, 'intervals add up to the summary');
    assert.equal(total, doc.events.responses);
    assert.equal(records.reduce((n, r) => n + r.failures, 0), Object.values(doc.requests).reduce((n, l) => n + l.failed, 0));
    for (const [label, summary] of Object.entries(doc.requests)) {
      assert.equal(records.reduce((n, r) => n + (r.labels[label]?.count ?? 0), 0), summary.count, `${label}: intervals add up`);
    }
    assert.deepEqual(doc.intervals.map((r) => r.count), records.map((r) => r.count), 'the JSON keeps the overall rows');
    assert.equal(records.at(-1)!.activeClients, doc.clients, 'the clients active at the end');
    assert.ok(records[0]!.activeClients > 0 && records[0]!.activeClients <= doc.clients);
  });

  it('the JSON has the full statistics and the histograms', () => {
    const home = doc.requests['PROPFIND{home}']!;
    assert.ok(home.count > 0);
    for (const k of ['min', 'max', 'mean', 'geometricMean', 'harmonicMean', 'median', 'stddev', 'skewness', 'kurtosis'] as const) assert.equal(typeof home.stats[k], 'number', k);
    assert.ok(home.stats.min <= home.stats.harmonicMean && home.stats.harmonicMean <= home.stats.geometricMean && home.stats.geometricMean <= home.stats.mean && home.stats.mean <= home.stats.max);
    assert.deepEqual(Object.keys(home.stats.percentiles), ['50', '75', '90', '95', '99', '99.9', '99.99']);
    assert.equal(home.stats.histogram.counts.reduce((a, b) => a + b, 0), home.count);
    // Each client's first request opens its connection; the later ones reuse it.
    const connects = Object.values(doc.requests).reduce((n, l) => n + (l.connect?.count ?? 0), 0);
    assert.ok(connects >= doc.clients && connects < doc.events.responses / 4, `${connects} connections opened for ${doc.events.responses} requests`);
    assert.ok(typeof doc.saved.requests.labels['PROPFIND{home}']!.all === 'string');
  });

  it('the JUnit file is XML a real parser accepts, with a test case per label and rule', () => {
    const xml = readFileSync(file('junit.xml'), 'utf8');
    const parser = new SaxesParser();
    const cases: string[] = [];
    let failures = 0;
    parser.on('opentag', (t) => {
      if (t.name === 'testcase') cases.push(String(t.attributes.classname) + ' ' + String(t.attributes.name));
      if (t.name === 'failure') failures++;
    });
    parser.write(xml).close();
    assert.equal(failures, 0, 'a passing run has no failed test case');
    for (const label of Object.keys(doc.requests)) assert.ok(cases.some((c) => c.includes(label)), `${label} has test cases`);
  });

  it('the HTML renders in headless Chromium with charts of data and no console errors', async (t) => {
    if (!browserAvailable()) {
      if (process.env.LOADSIM_BROWSER_REQUIRED === '1') assert.fail('LOADSIM_BROWSER_REQUIRED=1 but no Chromium at /usr/bin/chromium');
      t.skip('no Chromium here (apt-get install chromium); .ci/run installs it');
      return;
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = path.join(ARTIFACTS, 'run-60s-report.png');
    const r = await renderInBrowser(file('report.html'), shot);
    assert.deepEqual(r.consoleErrors, []);
    assert.deepEqual(r.requests, [], 'the report fetches nothing');
    assert.ok(r.charts.length >= 5, `${r.charts.length} charts`);
    for (const c of r.charts) {
      assert.ok(c.series >= 1 && c.points > 0, `${c.title}: ${c.series} series, ${c.points} points`);
      assert.ok(c.colouredPixels > 0, `${c.title}: nothing drawn in colour`);
    }
  });

  it('loadsim report prints the same report from the saved result and writes the other forms', async () => {
    const r = await cli(['report', file('result.json'), '--junit', file('junit-again.xml')]);
    assert.equal(r.code, 0, r.stderr);
    // The run printed its report last; the re-rendered one is the same text.
    const printed = run.stdout.trimEnd().split('\n');
    const again = r.stdout.trimEnd().split('\n');
    const tail = printed.slice(-again.length);
    const i = again.findIndex((l, k) => l !== tail[k]);
    assert.equal(i, -1, `re-rendered report differs at its line ${i + 1}:\n  printed: ${tail[i]}\n  again:   ${again[i]}`);
    assert.equal(readFileSync(file('junit-again.xml'), 'utf8'), readFileSync(file('junit.xml'), 'utf8'));
  });

  it('loadsim compare: a run against itself has no regression (exit 0)', async () => {
    const r = await cli(['compare', file('result.json'), file('result.json')]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /no regression/);
  });

  it('loadsim compare: a run against a testbed slowed by 25 ms is a regression (exit 1) naming the labels', async () => {
    const slow = await startTestbed({ port: 0, users: 20, responseDelayMs: 25 });
    try {
      const base = await cli(['run', ...CONFIG, '--server', tb.url, '--runtime', '12', '--seed', '9', '--quiet', '--json', file('base.json')]);
      assert.equal(base.code, 0, base.stderr);
      const next = await cli(['run', ...CONFIG, '--server', slow.url, '--runtime', '12', '--seed', '9', '--quiet', '--json', file('slow.json')]);
      assert.ok(next.code === 0 || next.code === 1, next.stderr);
    } finally {
      await slow.close();
    }
    const r = await cli(['compare', file('base.json'), file('slow.json'), '--max-regression', '10%']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^PROPFIND\{home\}.*REGRESSED$/m);
    assert.match(r.stdout, /\d+ regressions: .*PROPFIND\{home\} p50/);
  });
});
