/**
 * Benchmark 4, timing accuracy: at half the capacity benchmark 1 found, how
 * late the generator's timers run (scheduling lag p50, p99, max) and how far
 * the latency it records is from the testbed's own time for the same
 * requests.
 *
 * The accelerated mix, `clients` clients arriving 100 a second; once every
 * start-up is over, a WINDOW s window. The testbed's service times (each
 * request's arrival to its last byte written, from its stats socket's
 * `loadsim_service_times`) are cleared at the window's start and read at its
 * end; loadsim's latency and lag are the saved histograms of the time-series
 * intervals wholly inside the window, merged. Each loadsim request is one
 * HTTP exchange here (an unauthenticated first try is a request of its own),
 * so both sides see the same requests; the difference of each quantile is
 * what the generator adds: loopback, its event loop, undici.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ResultDocument } from '../../lib/result/result-document.js';
import { LatencyHistogram } from '../../lib/stats/latency-histogram.js';
import { freePort, r2, startTestbedProcess } from './support/kit.js';
import { spreadArrival, startGeneratorRun, startupsOver, takeServiceTimes, writeBenchConfig } from './support/generator-run.js';
import { ACCELERATED_CLIENTS } from './capacity.js';

export interface AccuracyOptions {
  clients: number;
  window: number;
  dir: string;
  log: (line: string) => void;
  /**
   * Serve `--metrics` and scrape it every second from this process, as a
   * Prometheus would, the whole run long: the lag with and without says
   * whether a scrape slows the clients.
   */
  scrapeMetrics?: boolean;
  /** Names this run's files (default `accuracy`). */
  name?: string;
}

interface Quantiles {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export interface AccuracyResult {
  benchmark: 'accuracy';
  clients: number;
  windowSeconds: number;
  lagMs: Quantiles;
  recordedMs: Quantiles;
  testbedMs: Quantiles;
  /** recorded − testbed, per quantile, ms. */
  differenceMs: { p50: number; p99: number };
  /** With `scrapeMetrics`: the scrapes answered during the run. */
  scrapes?: number;
}

const q = (h: LatencyHistogram): Quantiles => ({ count: h.count, p50: r2(h.count ? h.median() : 0), p99: r2(h.count ? h.percentile(99) : 0), max: r2(h.count ? h.max : 0) });

export async function runAccuracy(o: AccuracyOptions): Promise<AccuracyResult> {
  const tb = await startTestbedProcess({ users: o.clients, statsSocket: true });
  // 100 users a second, one at a time (support/generator-run.ts says why).
  const name = o.name ?? 'accuracy';
  const config = writeBenchConfig(path.join(o.dir, `${name}.plist`), tb.url, o.clients, spreadArrival(o.clients, Math.max(1, Math.round(o.clients / 100))));
  const json = path.join(o.dir, `${name}.json`);
  const interval = 5;
  const metricsPort = o.scrapeMetrics ? await freePort() : undefined;
  const run = startGeneratorRun({ config, clients: ACCELERATED_CLIENTS, runtime: 3600, interval, series: path.join(o.dir, `${name}.ndjson`), json, ...(metricsPort ? { extraArgs: ['--metrics', `127.0.0.1:${metricsPort}`] } : {}) });
  const t0 = Date.now();
  // A scraper in this process (on the testbed's core, not the generator's), every second, as Prometheus with a 1 s interval.
  let scrapes = 0;
  let scraping = Boolean(metricsPort);
  const scraper = (async () => {
    while (scraping) {
      try {
        const r = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
        await r.text();
        if (r.ok) scrapes++;
      } catch {
        // Not up yet.
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  let windowFrom = 0;
  let windowTo = 0;
  let server: LatencyHistogram;
  try {
    const over = await startupsOver(run, o.clients, t0 + 60_000 + o.clients * 40);
    if (!over) o.log('accuracy: the start-ups were not over in time; measuring anyway');
    // Start on an interval boundary, so that whole intervals make the window.
    const elapsed = (Date.now() - t0) / 1000;
    const boundary = Math.ceil(elapsed / interval) * interval + 0.2;
    await new Promise((r) => setTimeout(r, (boundary - elapsed) * 1000));
    await takeServiceTimes(tb.statsPort!);
    windowFrom = (run.records().at(-1)?.elapsed ?? 0);
    await new Promise((r) => setTimeout(r, Math.ceil(o.window / interval) * interval * 1000));
    server = await takeServiceTimes(tb.statsPort!);
    windowTo = run.records().at(-1)?.elapsed ?? 0;
  } finally {
    scraping = false;
    await run.stop();
    await scraper;
    await tb.stop();
  }
  const doc = JSON.parse(readFileSync(json, 'utf8')) as ResultDocument;
  const lag = new LatencyHistogram();
  const recorded = new LatencyHistogram();
  doc.intervals.forEach((row, i) => {
    if (row.elapsed <= windowFrom + 0.01 || row.elapsed > windowTo + 0.01) return;
    const saved = doc.saved.intervals?.[i];
    if (!saved) return;
    lag.merge(LatencyHistogram.decode(saved.lag));
    recorded.merge(LatencyHistogram.decode(saved.latency));
  });
  const recordedQ = q(recorded);
  const testbedQ = q(server!);
  return {
    benchmark: 'accuracy',
    clients: o.clients,
    windowSeconds: r2(windowTo - windowFrom),
    lagMs: q(lag),
    recordedMs: recordedQ,
    testbedMs: testbedQ,
    differenceMs: { p50: r2(recordedQ.p50 - testbedQ.p50), p99: r2(recordedQ.p99 - testbedQ.p99) },
    ...(metricsPort ? { scrapes } : {}),
  };
}
