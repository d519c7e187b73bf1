/**
 * The HTML report: self-contained (no URL it could fetch, uPlot inline),
 * escaped (a label from a server cannot inject markup), and, in a real
 * headless Chromium, rendered: every chart drew its data, nothing was
 * requested, nothing logged an error. The screenshot lands in CI's artifacts.
 */

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import { Random } from '../../lib/core/random.js';
import { renderHtml } from '../../lib/report/html.js';
import { PERCENTILE_KEYS, type FullStats, type LabelSummary, type ResultDocument, type SavedLabel } from '../../lib/result/result-document.js';
import { LatencyHistogram } from '../../lib/stats/latency-histogram.js';
import { REPO } from '../helpers/reference.js';
import { browserAvailable, chromiumPath, renderInBrowser } from '../support/browser.js';

const EVIL = '<script>alert("owned")</script>{evil}\u2028&';
const SERVERS = ['https://cal.example.com:8443/'];
const LIMITS = [0.1, 0.5, 1, 3, 5, 10, 30];
const ARTIFACTS = process.env.LOADSIM_ARTIFACTS ?? path.join(REPO, 'artifacts');

/** Log-normal durations around `medianMs` with a long tail, ms. */
function durations(r: Random, n: number, medianMs: number, spread: number): number[] {
  return Array.from({ length: n }, () => Math.exp(Math.log(medianMs) + spread * r.normal()));
}

/** A label's summary and saved histograms from its samples, as the run would have written them. */
function label(samples: number[], failed: number, failReasons: string[], lagMs?: number[]): { summary: LabelSummary; saved: SavedLabel } {
  const all = new LatencyHistogram(LIMITS);
  const ok = new LatencyHistogram(LIMITS);
  samples.forEach((ms, i) => {
    all.record(ms);
    if (i >= failed) ok.record(ms);
  });
  /** ms → seconds, rounded to the microsecond as the summary is. */
  const s = (ms: number) => Math.round(ms * 1000) / 1e6;
  const n = samples.length;
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = all.mean;
  const m = (k: number) => samples.reduce((acc, x) => acc + (x - mean) ** k, 0) / n;
  const percentiles = Object.fromEntries(PERCENTILE_KEYS.map((k) => [k, s(all.percentile(Number(k)))])) as FullStats['percentiles'];
  const stats: FullStats = {
    count: n,
    min: s(all.min),
    max: s(all.max),
    mean: s(mean),
    geometricMean: s(Math.exp(samples.reduce((a, x) => a + Math.log(x), 0) / n)),
    harmonicMean: s((n / samples.reduce((a, x) => a + 1 / x, 0))),
    median: s(sorted[Math.floor(n / 2)]!),
    stddev: s(all.stddev),
    skewness: m(3) / m(2) ** 1.5,
    kurtosis: m(4) / m(2) ** 2 - 3,
    percentiles,
    histogram: { upperBounds: [0.1, 0.5, 1, all.max / 1000], counts: [0.1, 0.5, 1, Infinity].map((b, i, bs) => samples.filter((x) => x / 1000 <= b && (i === 0 || x / 1000 > bs[i - 1]!)).length) },
  };
  let lag: LabelSummary['lag'];
  let lagSaved: string | undefined;
  if (lagMs) {
    const h = new LatencyHistogram();
    lagMs.forEach((x) => h.record(x));
    lag = { p50: h.median(), p99: h.percentile(99), max: h.max, unit: 'ms' };
    lagSaved = h.encode();
  }
  const summary: LabelSummary = {
    count: n,
    failed,
    timeouts: Math.floor(failed / 3),
    failureRate: (failed * 100) / n,
    status: failReasons.length > 0 ? 'FAIL' : 'PASS',
    failReasons,
    mean: stats.mean,
    p50: stats.median,
    p90: percentiles['90'],
    p95: percentiles['95'],
    p99: percentiles['99'],
    'p99.9': percentiles['99.9'],
    max: stats.max,
    stats,
    ...(lag ? { lag } : {}),
  };
  return { summary, saved: { all: all.encode(), successful: ok.encode(), failures: failed, timeouts: Math.floor(failed / 3), ...(lagSaved ? { lag: lagSaved } : {}) } };
}

/** A ten-minute-ish run of 12 intervals: four request labels (one failing, one hostile), two operations, two pods. */
function fixture(): ResultDocument {
  const r = new Random('html-report');
  const requests = {
    'PROPFIND{home}': label(durations(r, 4000, 35, 0.6), 0, []),
    'REPORT{sync}': label(durations(r, 2500, 80, 0.8), 3, []),
    'PUT{event}': label(durations(r, 900, 400, 1.1), 60, ['failures 6.67 % > 1 % (failCutoff)', '3.1 % of durations > 3 s, allowed 1 %']),
    [EVIL]: label(durations(r, 120, 20, 0.4), 0, []),
  };
  const operations = {
    poll: label(durations(r, 1500, 150, 0.7), 2, [], durations(r, 1500, 2, 1)),
    invite: label(durations(r, 300, 900, 0.9), 12, ['failures 4 % > 1 % (failCutoff)'], durations(r, 300, 3, 1.2)),
  };
  const startedAt = Date.UTC(2025, 2, 14, 9, 30, 0);
  const intervals: ResultDocument['intervals'] = Array.from({ length: 12 }, (_, i) => {
    const count = 500 + Math.round(300 * Math.sin(i / 2)) + r.integer(0, 100);
    const p50 = 40 + 10 * r.next() + (i > 8 ? 30 : 0);
    return {
      type: 'interval',
      index: i,
      start: startedAt + i * 10_000,
      end: startedAt + (i + 1) * 10_000,
      elapsed: (i + 1) * 10,
      count,
      rate: count / 10,
      failures: i === 7 ? 40 : r.integer(0, 4),
      min: 2 + r.next(),
      mean: p50 * 1.3,
      p50,
      p80: p50 * 1.8,
      p90: p50 * 2.6,
      p95: p50 * 3.4,
      p99: p50 * 6 + 40 * r.next(),
      max: p50 * 12 + 400 * r.next(),
      bytesIn: count * 2100,
      bytesOut: count * 800,
      lagP99: i === 0 ? null : 1 + 4 * r.next(),
      activeClients: Math.min(100, (i + 1) * 12),
    };
  });
  type Built = Record<string, { summary: LabelSummary; saved: SavedLabel }>;
  const summaries = (o: Built) => Object.fromEntries(Object.entries(o).map(([n, v]) => [n, v.summary]));
  const saved = (o: Built) => Object.fromEntries(Object.entries(o).map(([n, v]) => [n, v.saved]));
  const lag = new LatencyHistogram();
  durations(r, 1800, 2, 1).forEach((x) => lag.record(x));
  return {
    format: 'loadsim-result',
    version: 1,
    verdict: 'FAIL',
    reasons: ['PUT{event}: failures 6.67 % > 1 % (failCutoff)', `${EVIL}: made up to test escaping`],
    seed: 'html-report',
    endedBy: 'runtime',
    startedAt,
    runSeconds: 120.4,
    users: 100,
    clients: 100,
    cpu: { user: 14.2, system: 2.9 },
    environment: { loadsim: '0.1.0', node: 'v20.19.0', platform: 'linux x64', cpus: 8, cpuModel: 'Test CPU @ 3.0GHz', hostname: 'ci-<host>' },
    run: { config: 'config/config.plist', clients: 'config/clients.plist', servers: SERVERS, intervalSeconds: 10 },
    events: { requests: 7520, responses: 7520, dropped: 0 },
    requests: summaries(requests),
    operations: summaries(operations),
    lag: { count: lag.count, p50: lag.median(), p99: lag.percentile(99), max: lag.max },
    server: {
      'pod-a': { requestsPerSecond: 61.5, responseMs: 38.2, slots: 50, cpuPercent: 42.7 },
      'pod-b': { note: 'stats socket refused the connection <ECONNREFUSED>' },
    },
    intervals,
    // Why they failed: each label's kinds add up to its failed count.
    errors: {
      'PUT{event}': { 'HTTP 412 Precondition Failed': 48, timeout: 10, [`HTTP 502: ${EVIL}`]: 2 },
      'REPORT{sync}': { 'malformed multistatus (xml)': 3 },
    },
    operationErrors: { invite: { 'PUT{event}: unexpected status 412 (expected 201 or 204)': 12 }, poll: { 'REPORT{sync}: timeout (expected 207)': 2 } },
    clientFailures: { 'PUT{event}: 412 Precondition Failed': 48 },
    simFailures: { 'invite: attendee <b>missing</b>': 12 },
    saved: {
      requests: { thresholds: { limits: LIMITS, thresholds: { default: [100, 100, 100, 5, 5, 5, 5] } }, failCutoff: 1, labels: saved(requests), benchmarks: {}, seen: { users: 100, clients: 100 } },
      operations: { thresholds: { limits: LIMITS, thresholds: { default: [100, 100, 100, 5, 5, 5, 5] } }, failCutoff: 1, labels: saved(operations), lagCutoff: 1000 },
      lag: lag.encode(),
    },
  };
}

/** A run that ended before anything happened. */
function emptyFixture(): ResultDocument {
  const doc = fixture();
  return {
    ...doc,
    verdict: 'PASS',
    reasons: [],
    runSeconds: 0,
    events: { requests: 0, responses: 0, dropped: 0 },
    requests: {},
    operations: {},
    lag: { count: 0, p50: NaN, p99: NaN, max: NaN },
    server: {},
    intervals: [],
    errors: {},
    operationErrors: {},
    clientFailures: {},
    simFailures: {},
    saved: { ...doc.saved, requests: { ...doc.saved.requests, labels: {} }, operations: { ...doc.saved.operations, labels: {} } },
  };
}

const escapeText = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The contents of the JSON data element. */
function dataOf(html: string): string {
  const m = /<script type="application\/json" id="loadsim-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m, 'the data element is present');
  return m[1]!;
}

/** Skip, or fail when CI says the browser must be there. */
function needBrowser(t: TestContext): boolean {
  if (browserAvailable()) return true;
  const why = `Chromium not found at ${chromiumPath} (install Debian's chromium, or set LOADSIM_CHROMIUM)`;
  if (process.env.LOADSIM_BROWSER_REQUIRED === '1') assert.fail(`${why}; LOADSIM_BROWSER_REQUIRED=1`);
  t.skip(`${why}: browser rendering not checked`);
  return false;
}

describe('HTML report', () => {
  const doc = fixture();
  const html = renderHtml(doc);
  const work = mkdtempSync(path.join(tmpdir(), 'loadsim-html-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  it('refers to nothing outside itself', () => {
    // The server URIs are shown as text (what was tested); no other URL is in the file.
    const shown = `<dd>${escapeText(SERVERS.join(', '))}</dd>`;
    assert.equal(html.split(shown).length, 2, 'the servers are listed once, as text');
    assert.doesNotMatch(html.replace(shown, ''), /https?:|\/\/[a-z0-9.-]+\.[a-z]{2,}/i);
    assert.doesNotMatch(html, /\s(src|href|srcset|action|poster)\s*=/i, 'no attribute that loads something');
    assert.doesNotMatch(html, /url\(|@import|<link|<img|<iframe|<object|<embed/i);
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;;/);
  });

  it('carries uPlot inline', () => {
    const require = createRequire(import.meta.url);
    const js = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
    const css = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
    const code = js.slice(js.indexOf('var uPlot='));
    assert.ok(code.length > 10_000 && html.includes(code), 'the whole uPlot build is inline');
    assert.ok(html.includes(css), 'uPlot CSS is inline');
    assert.match(html, /Copyright \(c\) \d{4} Leon Sorokin/, 'with its licence');
  });

  it('escapes what the document says', () => {
    assert.equal(html.match(/<script/gi)?.length, 3, 'the data, uPlot and the charts script; nothing from a label');
    assert.ok(!html.includes('alert("owned")</script>'), 'the hostile label is not markup');
    assert.ok(html.includes(escapeText(EVIL)), 'the hostile label is shown as text');
    assert.ok(html.includes('ci-&#60;host&#62;') && html.includes('&#60;ECONNREFUSED&#62;') && html.includes('attendee &#60;b&#62;missing'));
    const data = dataOf(html);
    assert.doesNotMatch(data, /[<>\u2028\u2029]/, 'no character in the JSON that a parser could mistake');
    const parsed = JSON.parse(data) as { distribution: { series: { label: string }[] } };
    assert.deepEqual(parsed.distribution.series.map((s) => s.label), Object.keys(doc.requests), 'labels round-trip through the JSON');
  });

  it('shows the verdict, every label with its status, and the server', () => {
    assert.match(html, /<div class="verdict fail">FAIL<\/div>/);
    for (const name of [...Object.keys(doc.requests), ...Object.keys(doc.operations)]) assert.ok(html.includes(`<th scope="row">${escapeText(name)}</th>`), name);
    assert.match(html, /<td class="status fail" title="failures 6\.67 % &#62; 1 % \(failCutoff\)\n3\.1 % of durations &#62; 3 s, allowed 1 %">FAIL<\/td>/);
    assert.equal(html.match(/<td class="status pass">PASS<\/td>/g)?.length, 4);
    assert.match(html, /<th scope="row">pod-a<\/th><td class="num">61\.5<\/td>/);
    assert.ok(html.includes('stats socket refused the connection &#60;ECONNREFUSED&#62;'));
  });

  it('an Errors section: each label’s kinds with counts and shares, escaped', () => {
    const section = /<section><h2>Errors<\/h2>([\s\S]*?)<\/section>/.exec(html)?.[1];
    assert.ok(section, 'the section is there');
    assert.match(section, /<th scope="row" rowspan="3">PUT\{event\}<\/th><td class="kind">HTTP 412 Precondition Failed<\/td><td class="num">48<\/td><td class="num">5\.33<\/td>/);
    assert.ok(section.includes(`<td class="kind">HTTP 502: ${escapeText(EVIL)}</td>`), 'a kind from a server is text');
    assert.match(section, /<h3>Operations<\/h3>[\s\S]*<th scope="row">invite<\/th>/);
    assert.doesNotMatch(renderHtml(emptyFixture()), /<h2>Errors<\/h2>/, 'none when nothing failed');
  });

  it('distribution points come from the histograms', () => {
    const data = JSON.parse(dataOf(html)) as { distribution: { nines: number[]; series: { label: string; values: (number | null)[] }[] } };
    const { nines, series } = data.distribution;
    assert.equal(nines[0], 0);
    assert.ok(Math.abs(nines.at(-1)! - Math.log10(4000)) < 0.05, 'as far as the largest count resolves');
    const put = series.find((s) => s.label === 'PUT{event}')!;
    const h = LatencyHistogram.decode(doc.saved.requests.labels['PUT{event}']!.all);
    const at99 = nines.indexOf(2);
    assert.ok(Math.abs(put.values[at99]! - h.percentile(99)) < 0.001, 'p99 on the curve is the histogram p99');
    assert.equal(put.values.at(-1), null, '900 samples say nothing about 99.99 %');
    for (const s of series) {
      const vs = s.values.filter((v): v is number => v != null);
      assert.ok(vs.every((v, i) => i === 0 || v >= vs[i - 1]!), `${s.label} rises with the percentile`);
    }
  });

  it('renders in Chromium: every chart drawn, no errors, no requests', { timeout: 120_000 }, async (t) => {
    if (!needBrowser(t)) return;
    const file = path.join(work, 'report.html');
    writeFileSync(file, html);
    mkdirSync(ARTIFACTS, { recursive: true });
    const screenshot = path.join(ARTIFACTS, 'report.png');
    const result = await renderInBrowser(file, screenshot);
    t.diagnostic(`screenshot: ${screenshot}`);
    assert.deepEqual(result.consoleErrors, []);
    assert.deepEqual(result.requests, []);
    assert.deepEqual(
      result.charts.map((c) => c.title),
      ['Latency percentiles over time (ms)', 'Throughput and failures over time', 'Active clients over time', 'Scheduling lag p99 over time (ms)', 'Latency by percentile, per request label (ms)'],
    );
    const expectSeries = [5, 2, 1, 1, 4];
    result.charts.forEach((c, i) => {
      assert.equal(c.series, expectSeries[i], `${c.title}: series`);
      assert.ok(c.points > 0, `${c.title}: points`);
      assert.ok(c.nonBlankPixels > 0, `${c.title}: something drawn`);
      assert.ok(c.colouredPixels > 100, `${c.title}: data drawn (${c.colouredPixels} coloured pixels)`);
    });
    assert.equal(result.charts[0]!.points, 5 * 12);
    assert.equal(result.charts[3]!.points, 11, 'the interval without operations is a gap');
    assert.ok(readFileSync(screenshot).subarray(1, 4).toString() === 'PNG', 'a PNG screenshot');
  });

  it('renders an empty run with "no data" notes and no errors', { timeout: 120_000 }, async (t) => {
    const empty = renderHtml(emptyFixture());
    assert.equal(empty.match(/No data:/g)?.length, 5, 'each chart says why it is missing');
    assert.match(empty, /No requests were recorded/);
    assert.match(empty, /No server stats were read/);
    if (!needBrowser(t)) return;
    const file = path.join(work, 'empty.html');
    writeFileSync(file, empty);
    const result = await renderInBrowser(file, path.join(ARTIFACTS, 'report-empty.png'));
    assert.deepEqual(result.consoleErrors, []);
    assert.deepEqual(result.requests, []);
    assert.deepEqual(result.charts, []);
  });

  it('renders a run of one interval and one sample without errors', { timeout: 120_000 }, async (t) => {
    const one = new LatencyHistogram(LIMITS);
    one.record(0);
    const base = fixture();
    const tiny: ResultDocument = {
      ...base,
      intervals: base.intervals.slice(0, 1).map((row) => ({ ...row, lagP99: null })),
      requests: { 'GET{event}': base.requests['PUT{event}']! },
      saved: { ...base.saved, requests: { ...base.saved.requests, labels: { 'GET{event}': { all: one.encode(), successful: one.encode(), failures: 0, timeouts: 0 }, broken: { all: 'not a histogram', successful: '', failures: 0, timeouts: 0 } } } },
    };
    const page = renderHtml(tiny);
    assert.match(page, /The durations of broken could not be read/, 'an unreadable histogram is said, not dropped silently');
    assert.match(page, /Scheduling lag p99 over time \(ms\)<\/h3><p class="no-data">No data: no operation was started\.<\/p>/, 'an all-gap chart says why');
    if (!needBrowser(t)) return;
    const file = path.join(work, 'tiny.html');
    writeFileSync(file, page);
    const result = await renderInBrowser(file);
    assert.deepEqual(result.consoleErrors, []);
    assert.deepEqual(result.requests, []);
    assert.deepEqual(result.charts.map((c) => [c.series, c.points]), [[5, 5], [2, 2], [1, 1], [1, 1]]);
  });
});
