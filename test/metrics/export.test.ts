import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ResultDocument } from '../../lib/result/result-document.js';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { spawnCli } from '../helpers/cli.js';

/**
 * The live metrics as a user meets them: a run through the CLI against the
 * testbed, `/metrics` scraped while it goes and once more after its end (the
 * endpoint waits for that scrape), and the last scrape compared with the
 * result document the same run wrote: every request counted once, per label.
 */

const dir = mkdtempSync(path.join(tmpdir(), 'loadsim-metrics-'));
let tb: Testbed;
before(async () => {
  tb = await startTestbed({ port: 0, users: 20 });
});
after(async () => {
  await tb.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Samples of one metric in Prometheus text: labels (as an object) and value. */
function samples(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, '$1');
    out.push({ labels, value: Number(m[3]) });
  }
  return out;
}

/** Sum of a metric's samples per request label. */
function perLabel(text: string, name: string, where: (l: Record<string, string>) => boolean = () => true): Map<string, number> {
  const m = new Map<string, number>();
  for (const s of samples(text, name)) if (where(s.labels)) m.set(s.labels.label!, (m.get(s.labels.label!) ?? 0) + s.value);
  return m;
}

/** Run through the CLI with `--metrics 127.0.0.1:0`, scraping every 300 ms until it exits; the last scrape and the result. */
async function scrapedRun(name: string, extra: string[]): Promise<{ last: string; scrapes: number; doc: ResultDocument; code: number | null; stderr: string }> {
  const json = path.join(dir, `${name}.json`);
  let url: string | undefined;
  let last = '';
  let scrapes = 0;
  let done = false;
  const scraping = (async () => {
    while (!done) {
      if (url) {
        try {
          const r = await fetch(url);
          if (r.ok) {
            last = await r.text();
            scrapes++;
          }
        } catch {
          // Not up yet, or gone: the run decides.
        }
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  })();
  const run = await spawnCli(['run', '--server', tb.url, '--runtime', '8', '--seed', '11', '--quiet', '--metrics', '127.0.0.1:0', '--json', json, ...extra], {
    guardMs: 90_000,
    onStderr: (text) => {
      url ??= /metrics on (http:\S+)/.exec(text)?.[1];
    },
  });
  done = true;
  await scraping;
  return { last, scrapes, doc: JSON.parse(readFileSync(json, 'utf8')) as ResultDocument, code: run.code, stderr: `${run.stderr}\n${run.stdout.split('\n').slice(-8).join('\n')}` };
}

function assertTotalsMatch(last: string, doc: ResultDocument): void {
  const ended = perLabel(last, 'loadsim_requests_total');
  const failed = perLabel(last, 'loadsim_requests_total', (l) => l.outcome !== 'success');
  const started = perLabel(last, 'loadsim_requests_started_total');
  const labels = Object.keys(doc.requests).sort();
  assert.ok(labels.length > 5, `labels: ${labels.join(', ')}`);
  assert.deepEqual([...ended.keys()].sort(), labels);
  for (const label of labels) {
    assert.equal(ended.get(label), doc.requests[label]!.count, `${label}: ended`);
    assert.equal(started.get(label), doc.requests[label]!.count, `${label}: started`);
    assert.equal(failed.get(label), doc.requests[label]!.failed, `${label}: failed`);
  }
  // The histogram counts every response too.
  const counted = perLabel(last, 'loadsim_request_duration_seconds_count');
  for (const label of labels) assert.equal(counted.get(label), doc.requests[label]!.count, `${label}: histogram count`);
  assert.deepEqual(samples(last, 'loadsim_requests_in_flight'), [{ labels: {}, value: 0 }]);
}

describe('--metrics: Prometheus /metrics of a run', () => {
  it('single process: the last scrape equals the result, per label; types and run info; no account in sight', async () => {
    const r = await scrapedRun('single', []);
    // PASS or FAIL alike (a loaded machine can fail a lag rule): the metrics must match the result either way.
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    assert.ok(r.scrapes >= 3, `scrapes: ${r.scrapes}`);
    assertTotalsMatch(r.last, r.doc);
    assert.match(r.last, /^# TYPE loadsim_requests_total counter$/m);
    assert.match(r.last, /^# TYPE loadsim_request_duration_seconds histogram$/m);
    assert.match(r.last, /^# TYPE loadsim_request_duration_quantile_seconds gauge$/m);
    assert.equal(samples(r.last, 'loadsim_run_info')[0]?.labels.seed, '11');
    // Labels are request and operation labels, the seed, the config's path, the version: no user, no password.
    assert.doesNotMatch(r.last, /user\d\d|password/);
    // Percentiles for every label, from the HDR histograms.
    const q = perLabel(r.last, 'loadsim_request_duration_quantile_seconds', (l) => l.quantile === '0.99');
    assert.deepEqual([...q.keys()].sort(), Object.keys(r.doc.requests).sort());
  });

  it('workers: one endpoint for the run, each worker labelled, adding up to the merged result', async () => {
    const r = await scrapedRun('workers', ['--workers', '2']);
    // PASS or FAIL alike (a loaded machine can fail a lag rule): the metrics must match the result either way.
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    const workers = new Set(samples(r.last, 'loadsim_requests_total').map((s) => s.labels.worker));
    assert.deepEqual([...workers].sort(), ['0', '1']);
    assertTotalsMatch(r.last, r.doc);
  });

  it('a taken port or a bad address is refused before any traffic, naming the flag', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const taken = await spawnCli(['run', '--server', tb.url, '--runtime', '5', '--metrics', `127.0.0.1:${port}`], { guardMs: 30_000 });
      assert.notEqual(taken.code, 0);
      assert.match(taken.stderr, /--metrics: cannot listen on 127\.0\.0\.1:\d+/);
      assert.doesNotMatch(taken.stderr, /seed \d+; 5 s/);
    } finally {
      blocker.close();
    }
    const bad = await spawnCli(['run', '--server', tb.url, '--metrics', 'nowhere:x'], { guardMs: 30_000 });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--metrics: expected HOST:PORT/);
    const badOtlp = await spawnCli(['run', '--server', tb.url, '--otlp', 'ftp://x'], { guardMs: 30_000 });
    assert.equal(badOtlp.code, 2);
    assert.match(badOtlp.stderr, /--otlp: expected the http/);
  });
});

interface OtlpNumberPoint {
  attributes?: { key: string; value: { stringValue?: string } }[];
  asDouble?: number;
  asInt?: string | number;
}
interface OtlpMetric {
  name: string;
  sum?: { dataPoints: OtlpNumberPoint[] };
  gauge?: { dataPoints: OtlpNumberPoint[] };
}
interface OtlpRequest {
  resourceMetrics: { scopeMetrics: { metrics: OtlpMetric[] }[] }[];
}

describe('--otlp: the same metrics pushed over OTLP/HTTP', () => {
  /** A run pushing to a receiver on loopback: every request body it got (OTLP JSON), and the run's result. */
  async function pushedRun(name: string, seed: string, extra: string[]): Promise<{ bodies: OtlpRequest[]; contentTypes: Set<string>; doc: ResultDocument }> {
    const bodies: OtlpRequest[] = [];
    const contentTypes = new Set<string>();
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        contentTypes.add(String(req.headers['content-type']));
        bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpRequest);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v1/metrics`;
    const json = path.join(dir, `${name}.json`);
    try {
      const run = await spawnCli(['run', '--server', tb.url, '--runtime', '7', '--seed', seed, '--quiet', '--otlp', url, '--json', json, ...extra], { guardMs: 90_000 });
      assert.ok(run.code === 0 || run.code === 1, run.stderr);
    } finally {
      receiver.close();
    }
    return { bodies, contentTypes, doc: JSON.parse(readFileSync(json, 'utf8')) as ResultDocument };
  }

  /** The last push's totals per label equal the result's; run_info carries the seed. */
  function assertLastPushMatches(bodies: OtlpRequest[], doc: ResultDocument, seed: string): void {
    const metrics = bodies.at(-1)!.resourceMetrics.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics));
    const attr = (p: OtlpNumberPoint, key: string) => p.attributes?.find((a) => a.key === key)?.value.stringValue;
    const value = (p: OtlpNumberPoint) => Number(p.asDouble ?? p.asInt ?? 0);
    const ended = new Map<string, number>();
    for (const p of metrics.find((m) => m.name === 'loadsim_requests_total')?.sum?.dataPoints ?? []) ended.set(attr(p, 'label')!, (ended.get(attr(p, 'label')!) ?? 0) + value(p));
    assert.deepEqual([...ended.keys()].sort(), Object.keys(doc.requests).sort());
    for (const [label, n] of ended) assert.equal(n, doc.requests[label]!.count, label);
    const info = metrics.find((m) => m.name === 'loadsim_run_info')?.gauge?.dataPoints[0];
    assert.equal(info && attr(info, 'seed'), seed);
  }

  it('a receiver gets the final totals, equal to the result', async () => {
    const { bodies, contentTypes, doc } = await pushedRun('otlp', '12', []);
    assert.ok(bodies.length >= 2, `pushes: ${bodies.length}`);
    assert.deepEqual([...contentTypes], ['application/json']);
    assertLastPushMatches(bodies, doc, '12');
  });

  it('with workers: the manager pushes the whole run, equal to the merged result', async () => {
    const { bodies, doc } = await pushedRun('otlp-workers', '13', ['--workers', '2']);
    assert.ok(bodies.length >= 2, `pushes: ${bodies.length}`);
    assertLastPushMatches(bodies, doc, '13');
  });

  it('a push nobody takes is said once, and the run goes on', async () => {
    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    const run = await spawnCli(['run', '--server', tb.url, '--runtime', '4', '--quiet', '--otlp', 'http://127.0.0.1:1/v1/metrics'], { guardMs: 60_000 });
    assert.ok(run.code === 0 || run.code === 1, run.stderr);
    assert.equal(run.stderr.match(/--otlp: a push to http:\/\/127\.0\.0\.1:1\/v1\/metrics failed/g)?.length, 1, run.stderr);
  });
});
