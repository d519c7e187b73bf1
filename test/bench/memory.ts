/**
 * Benchmark 3, memory: the generator's RSS per idle client after start-up,
 * at several population sizes (the RSS over a long run is soak.ts).
 *
 * Idle clients: the accelerated mix's "idle" kind (OS X 10.11, home poll
 * every 30 s, no profile but attachment downloads), one per user, arriving
 * 100 a second. Each size is a fresh generator process against one testbed
 * (its own process). When every client is active and an interval has gone
 * by without a start-up request, the run settles for SETTLE s (time for
 * V8's memory reducer to give back the start-up's garbage), then its RSS
 * is read once a second for 5 s; the median is the figure. A run of 10
 * clients measured the same way is the baseline (Node, loadsim's modules,
 * the histograms): per idle client = (RSS − baseline) / clients. Between two
 * sizes, the marginal figure (ΔRSS / Δclients) is the one that scales.
 */
import path from 'node:path';
import { r1, rssBytes, startTestbedProcess } from './support/kit.js';
import { spreadArrival, startGeneratorRun, startupsOver, writeBenchConfig, writeOneKind } from './support/generator-run.js';
import { ACCELERATED_CLIENTS } from './capacity.js';

export interface MemoryOptions {
  sizes: number[];
  dir: string;
  log: (line: string) => void;
}

export interface SizeFigure {
  clients: number;
  rssMB: number;
  perClientKB: number;
  /** From the previous size: ΔRSS / Δclients. */
  marginalKB: number | null;
  startupSeconds: number;
  complete: boolean;
}

export interface MemoryResult {
  benchmark: 'memory';
  clients: string;
  baselineMB: number;
  sizes: SizeFigure[];
}

const SETTLE = 40;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function idleRss(o: MemoryOptions, url: string, clients: number, idleClients: string): Promise<{ rssMB: number; startupSeconds: number; complete: boolean }> {
  const config = writeBenchConfig(path.join(o.dir, `memory-${clients}.plist`), url, clients, spreadArrival(clients, Math.max(1, Math.round(clients / 100))));
  const run = startGeneratorRun({ config, clients: idleClients, runtime: 3600, interval: 2, series: path.join(o.dir, `memory-${clients}.ndjson`) });
  const t0 = Date.now();
  try {
    // Start-ups queue behind the testbed: allow ~4 ms of it per client, and a minute.
    const complete = await startupsOver(run, clients, t0 + 60_000 + clients * 40);
    const startupSeconds = Math.round((Date.now() - t0) / 1000);
    await new Promise((r) => setTimeout(r, SETTLE * 1000));
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) {
      samples.push(rssBytes(run.pid));
      await new Promise((r) => setTimeout(r, 1000));
    }
    return { rssMB: median(samples) / 2 ** 20, startupSeconds, complete };
  } finally {
    await run.stop();
  }
}

export async function runMemory(o: MemoryOptions): Promise<MemoryResult | { benchmark: 'memory'; skipped: string }> {
  const idle = writeOneKind(path.join(o.dir, 'idle-clients.plist'), ACCELERATED_CLIENTS, 1);
  const largest = Math.max(...o.sizes);
  const tb = await startTestbedProcess({ users: largest });
  try {
    const base = await idleRss(o, tb.url, 10, idle);
    o.log(`memory: baseline (10 idle clients): ${r1(base.rssMB)} MB`);
    const sizes: SizeFigure[] = [];
    for (const n of o.sizes) {
      const m = await idleRss(o, tb.url, n, idle);
      const prev = sizes.at(-1);
      const f: SizeFigure = {
        clients: n,
        rssMB: r1(m.rssMB),
        perClientKB: r1(((m.rssMB - base.rssMB) * 1024) / (n - 10)),
        marginalKB: prev ? r1(((m.rssMB - prev.rssMB) * 1024) / (n - prev.clients)) : null,
        startupSeconds: m.startupSeconds,
        complete: m.complete,
      };
      sizes.push(f);
      o.log(`memory: ${n} idle clients: RSS ${f.rssMB} MB, ${f.perClientKB} KB per client${f.marginalKB === null ? '' : `, ${f.marginalKB} KB marginal`} (start-ups took ${f.startupSeconds} s${f.complete ? '' : ', NOT all over'})`);
    }
    return { benchmark: 'memory', clients: `the "idle" kind of ${path.basename(ACCELERATED_CLIENTS)} (OS X 10.11, home poll every 30 s)`, baselineMB: r1(base.rssMB), sizes };
  } finally {
    await tb.stop();
  }
}

