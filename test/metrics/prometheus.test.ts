import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ResultDocument } from '../../lib/result/result-document.js';
import { generateRecords } from '../../lib/population/accounts.js';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { spawnCli } from '../helpers/cli.js';
import { REPO } from '../helpers/reference.js';
import { dashboardQueries, readDashboard } from './grafana-dashboard.js';

/**
 * A real Prometheus (Debian's `prometheus`, 2.42 in CI) scrapes a `loadsim run`
 * against the testbed every second, and what it stored is checked against the
 * run's own result JSON through Prometheus' HTTP API: every scrape succeeded and
 * every sample was stored, the request total, a latency quantile per request
 * label from the buckets and from the HDR gauges, the seed on
 * `loadsim_run_info`, no account's name, password or address anywhere, and every
 * query of the Grafana dashboard answered. This is what a user's Prometheus
 * sees, parser included. Everything is on loopback ports of this test's own,
 * and bounded in time.
 *
 * Where no prometheus binary is found the whole block is skipped with one line;
 * with LOADSIM_PROMETHEUS_REQUIRED=1 (.ci/run, which installs it) it fails.
 */

const REQUIRED = process.env.LOADSIM_PROMETHEUS_REQUIRED === '1';
const RUNTIME_SECONDS = 12;
const SEED = 'prometheus-31';
/**
 * The run's accounts, unlike the testbed's default ones (password = uid), so
 * that every secret is a distinct string to look for in what is exposed.
 */
const PATTERNS = { uidPattern: 'pmacct%02d', passwordPattern: 'Pw-%02d-hunter2', namePattern: 'Prom Person %02d', emailPattern: 'pmacct%02d@example.org' };
const ACCOUNTS = generateRecords(20, PATTERNS);

/** LOADSIM_PROMETHEUS, else `prometheus` on the PATH (Debian puts it in /usr/bin). */
function findPrometheus(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), '/usr/bin'];
  const candidates = process.env.LOADSIM_PROMETHEUS ? [process.env.LOADSIM_PROMETHEUS] : dirs.map((d) => path.join(d, 'prometheus'));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // Not there, or not executable: the next one.
    }
  }
  return undefined;
}

const BINARY = findPrometheus();
const MISSING = BINARY
  ? undefined
  : `no prometheus binary (${process.env.LOADSIM_PROMETHEUS ? `LOADSIM_PROMETHEUS=${process.env.LOADSIM_PROMETHEUS} is not executable` : 'not on the PATH; apt-get install prometheus, or set LOADSIM_PROMETHEUS'})`;

/** A loopback port nobody listens on now (closed again at once: Prometheus' config must name the port before the run opens it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** The config/config.plist of the repository with the accounts above in place of user01…user20. */
function configWithAccounts(): string {
  let text = readFileSync(path.join(REPO, 'config/config.plist'), 'utf8');
  for (const [key, value] of Object.entries(PATTERNS)) {
    const re = new RegExp(`(<key>${key}</key>\\s*<string>)[^<]*(</string>)`);
    assert.match(text, re, `config/config.plist has no ${key}`);
    text = text.replace(re, `$1${value}$2`);
  }
  return text;
}

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

interface Series {
  metric: Record<string, string>;
  values: [number, string][];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let dir: string;
let tb: Testbed | undefined;
let prometheus: ChildProcess | undefined;
let prometheusLog = '';
let promUrl: string;
let run: { code: number | null; stdout: string; stderr: string };
let doc: ResultDocument;
/** /metrics as this test scraped it while the run went. */
let scraped: string | undefined;
let scrapeError: string | undefined;
/** When Prometheus last scraped the run successfully, s since the epoch. */
let lastScrape: number;

/** An instant query through Prometheus' HTTP API; its answer must be a success without warnings, of this type. */
async function api<T>(expr: string, type: 'vector' | 'matrix', time?: number): Promise<T[]> {
  const u = new URL('/api/v1/query', promUrl);
  u.searchParams.set('query', expr);
  if (time !== undefined) u.searchParams.set('time', String(time));
  const res = await fetch(u, { signal: AbortSignal.timeout(5000) });
  const body = (await res.json()) as { status: string; data?: { resultType: string; result: T[] }; warnings?: string[]; error?: string };
  assert.equal(body.status, 'success', `${expr}: ${JSON.stringify(body)}`);
  assert.equal(body.warnings, undefined, `${expr}: warnings ${JSON.stringify(body.warnings)}`);
  assert.equal(body.data!.resultType, type, expr);
  return body.data!.result;
}

const query = (expr: string, time?: number) => api<Sample>(expr, 'vector', time);

/**
 * After the run, the target is gone and Prometheus' next failed scrape marks
 * every series stale, so a plain instant query finds nothing: each query takes
 * the last sample of the run with last_over_time (stale markers are no samples).
 */
const last = (selector: string) => `last_over_time(${selector}[10m])`;

const MISSING_LINE = `${MISSING}; set LOADSIM_PROMETHEUS_REQUIRED=1 to make this a failure`;

describe('a real Prometheus scraping a run', { timeout: 120_000, ...(MISSING && !REQUIRED ? { skip: MISSING_LINE } : {}) }, () => {
  before(async () => {
    if (MISSING) assert.fail(`${MISSING} (LOADSIM_PROMETHEUS_REQUIRED=1)`);
    dir = mkdtempSync(path.join(tmpdir(), 'loadsim-prometheus-'));
    const [metricsPort, webPort] = [await freePort(), await freePort()];
    // scrape_timeout may not exceed the interval; 1 s is the issue's interval.
    writeFileSync(
      path.join(dir, 'prometheus.yml'),
      `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: loadsim\n    static_configs:\n      - targets: ['127.0.0.1:${metricsPort}']\n`,
    );
    promUrl = `http://127.0.0.1:${webPort}`;
    prometheus = spawn(BINARY!, [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${webPort}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Kept for the failure messages (the tail only: it logs a line per compaction and so on).
    const keep = (d: Buffer) => (prometheusLog = (prometheusLog + d.toString('utf8')).slice(-20_000));
    prometheus.stdout!.on('data', keep);
    prometheus.stderr!.on('data', keep);
    prometheus.on('error', (e) => (prometheusLog += `\ncannot start ${BINARY}: ${e.message}\n`));
    const deadline = Date.now() + 30_000;
    for (;;) {
      assert.equal(prometheus.exitCode, null, `prometheus exited (${prometheus.exitCode}):\n${prometheusLog}`);
      const ready = await fetch(`${promUrl}/-/ready`, { signal: AbortSignal.timeout(1000) }).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) break;
      assert.ok(Date.now() < deadline, `prometheus not ready within 30 s:\n${prometheusLog}`);
      await sleep(200);
    }

    tb = await startTestbed({ port: 0, accounts: ACCOUNTS });
    writeFileSync(path.join(dir, 'config.plist'), configWithAccounts());
    const json = path.join(dir, 'result.json');
    let scrape: Promise<void> | undefined;
    const config = ['--config', path.join(dir, 'config.plist'), '--clients', path.join(REPO, 'config/clients.plist')];
    const args = ['run', ...config, '--server', tb.url, '--runtime', String(RUNTIME_SECONDS), '--seed', SEED, '--quiet', '--metrics', `127.0.0.1:${metricsPort}`, '--json', json];
    run = await spawnCli(args, {
      guardMs: 60_000,
      onStderr: (text) => {
        // Once it serves, scrape it as Prometheus does, late in the run when every client has logged in.
        const url = /loadsim: metrics on (\S+)/.exec(text)?.[1];
        if (!url || scrape) return;
        scrape = sleep((RUNTIME_SECONDS - 4) * 1000)
          .then(() => fetch(url, { signal: AbortSignal.timeout(5000) }))
          .then(async (r) => {
            scraped = await r.text();
          })
          .catch((e: unknown) => {
            scrapeError = String(e);
          });
      },
    });
    await scrape;
    assert.equal(run.code, 0, `${run.stderr}\n${run.stdout.slice(-3000)}`);
    doc = JSON.parse(readFileSync(json, 'utf8')) as ResultDocument;
  });

  after(async () => {
    const p = prometheus;
    if (p && p.exitCode === null && p.signalCode === null) {
      const exited = new Promise<void>((r) => p.once('exit', () => r()));
      p.kill('SIGTERM');
      // It flushes its head block on TERM; a stuck one is killed after 10 s.
      const t = setTimeout(() => p.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
    await tb?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('scraped the run every second, without a failed scrape while it went, every sample stored', async () => {
    assert.ok(run.stderr.includes('loadsim: metrics on http://127.0.0.1:'), run.stderr);
    // `up`, sample by sample: 0 before the run opens its port and after it closes it, and 1 at every scrape in between.
    const [up] = await api<Series>('up{job="loadsim"}[10m]', 'matrix');
    assert.ok(up, 'no `up` for the job');
    const ups = up.values.map(([, v]) => v).join('');
    assert.match(ups, /^0*1+0*$/, `up, scrape by scrape: ${ups}\n${prometheusLog}`);
    const times = up.values.filter(([, v]) => v === '1').map(([t]) => t);
    assert.ok(times.length >= RUNTIME_SECONDS / 2, `${times.length} successful scrapes in a ${RUNTIME_SECONDS} s run`);
    lastScrape = times.at(-1)!;
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    assert.ok(Math.max(...gaps) < 2.5, `scraped every second: gaps ${gaps.join(', ')} s`);
    // Every sample exposed was stored: nothing dropped by Prometheus' parser.
    const [exposed] = await query(last('scrape_samples_scraped{job="loadsim"}'));
    const [stored] = await query(`count(${last('{__name__=~"loadsim_.+"}')})`);
    assert.ok(exposed && stored, 'scrape_samples_scraped and the stored series');
    assert.equal(Number(stored.value[1]), Number(exposed.value[1]), 'series stored = samples in the last scrape');
  });

  it('sum(loadsim_requests_total) is the result JSON’s request count', async () => {
    const expected = Object.values(doc.requests).reduce((n, l) => n + l.count, 0);
    assert.ok(expected > 100, `${expected} requests`);
    // The final totals come with the scrape the exporter lingers for; allow Prometheus a moment to have committed it.
    let got: number | undefined;
    for (const deadline = Date.now() + 5000; ; await sleep(250)) {
      const r = await query(`sum(${last('loadsim_requests_total')})`);
      got = r.length ? Number(r[0]!.value[1]) : undefined;
      if (got === expected || Date.now() > deadline) break;
    }
    assert.equal(got, expected, 'requests in Prometheus = requests in the result');
    const failures = await query(`sum(${last('loadsim_requests_total{outcome!="success"}')})`);
    const failed = Object.values(doc.requests).reduce((n, l) => n + l.failed, 0);
    assert.equal(Number(failures[0]!.value[1]), failed, 'failures');
    const started = await query(`sum(${last('loadsim_requests_started_total')})`);
    assert.equal(Number(started[0]!.value[1]), expected, 'every request sent has ended');
  });

  it('a p95 from the buckets per request label, and the HDR quantile gauges', async () => {
    const labels = Object.keys(doc.requests).sort();
    const p95 = await query(`histogram_quantile(0.95, sum by (label, le) (${last('loadsim_request_duration_seconds_bucket')}))`);
    assert.deepEqual(p95.map((s) => s.metric.label).sort(), labels, 'one series per request label');
    for (const s of p95) assert.ok(Number.isFinite(Number(s.value[1])) && Number(s.value[1]) > 0, `${s.metric.label}: p95 ${s.value[1]}`);
    const gauges = await query(last('loadsim_request_duration_quantile_seconds{quantile="0.95"}'));
    assert.deepEqual(gauges.map((s) => s.metric.label).sort(), labels, 'one HDR p95 per request label');
    for (const s of gauges) {
      // Both come from HDR histograms of the same requests: the live one's keeps two significant digits or more
      // (within 1 %), the report's three; the result rounds to the µs.
      const json = doc.requests[s.metric.label!]!.p95;
      const got = Number(s.value[1]);
      assert.ok(Math.abs(got - json) <= json * 0.02 + 2e-6, `${s.metric.label}: p95 ${got} s in Prometheus, ${json} s in the result`);
    }
  });

  it('loadsim_run_info carries the seed', async () => {
    const info = await query(last('loadsim_run_info'));
    assert.equal(info.length, 1, JSON.stringify(info));
    assert.equal(info[0]!.metric.seed, SEED);
    assert.equal(doc.seed, SEED);
    // The config's name only: its folders are nobody's business on a dashboard.
    assert.equal(info[0]!.metric.config, 'config.plist');
    assert.equal(info[0]!.value[1], '1');
  });

  it('exposes no account name, password or e-mail address', async () => {
    assert.ok(scraped, `the scrape during the run failed: ${scrapeError}`);
    assert.match(scraped, /^loadsim_requests_total\{/m);
    // And every label value Prometheus stored, through the final scrape.
    const names = ((await (await fetch(`${promUrl}/api/v1/labels`, { signal: AbortSignal.timeout(5000) })).json()) as { data: string[] }).data;
    let values = '';
    for (const n of names) values += `${((await (await fetch(`${promUrl}/api/v1/label/${n}/values`, { signal: AbortSignal.timeout(5000) })).json()) as { data: string[] }).data.join('\n')}\n`;
    assert.match(values, /PROPFIND\{well-known\}/, 'the label values were read');
    for (const a of ACCOUNTS) {
      for (const secret of [a.uid, a.password, a.commonName, a.email]) {
        assert.ok(!scraped.includes(secret), `/metrics shows "${secret}"`);
        assert.ok(!values.includes(secret), `Prometheus stored "${secret}"`);
      }
    }
  });

  it('every query of the Grafana dashboard returns series for the run', async () => {
    assert.ok(lastScrape, 'the first test found when the run was last scraped');
    // As Grafana would send them with this run picked, every request label, a 10 s rate window;
    // at the run's last scrape, when every series is still fresh.
    const vars: Record<string, string> = { run: SEED, label: '.*', __rate_interval: '10s' };
    for (const { panel, target } of dashboardQueries(readDashboard())) {
      const expr = target.expr.replace(/\$(\w+)/g, (all, name: string) => vars[name] ?? all);
      assert.doesNotMatch(expr, /\$/, `panel "${panel.title}": a variable left in ${expr}`);
      const r = await query(expr, lastScrape);
      assert.ok(r.length > 0, `panel "${panel.title}": no series for ${expr}`);
      assert.ok(
        r.some((s) => Number.isFinite(Number(s.value[1]))),
        `panel "${panel.title}": only NaN for ${expr}: ${JSON.stringify(r)}`,
      );
    }
  });
});
