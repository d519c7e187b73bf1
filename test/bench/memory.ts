/**
 * Benchmark 3, memory: the generator's RSS per idle client after start-up,
 * at several population sizes (the RSS over a long run is soak.ts).
 *
 * Idle clients: the accelerated mix's "idle" kind (OS X 10.11, no profile
 * but attachment downloads) with its home poll at POLL s instead of 30 s:
 * 50,000 clients polling every 30 s would ask ~1,700 home PROPFINDs a second,
 * and on this machine's two cores the testbed cannot answer that beside the
 * generator, so the clients would not be idle but queued. One client per
 * user, arriving ARRIVALS_PER_SECOND a second; each size is a fresh generator
 * process against one testbed (its own process).
 *
 * When every client is active and an interval has gone by without a
 * start-up request, the run waits for V8's memory reducer: start-ups make
 * garbage faster than V8 collects it, so the heap grows to several times
 * what is live (at 10,000 clients: 550 MB used, 100 MB live), and V8 gives
 * those pages back only in a "Mark-Compact (reduce)", which it runs of itself
 * once the allocation rate has been low for a while (seen 100 s after the
 * start-ups). Until then RSS is the start-up's high-water mark, not what
 * idle clients cost. The wait ends at the first such collection
 * (`--trace-gc`) + 5 s, or after REDUCE_WAIT s without one (then the figure
 * says so). RSS is then read once a second for 5 s; the median is the
 * figure, and the live heap after that collection is kept beside it. A run
 * of 10 clients measured the same way is the baseline (Node, loadsim's
 * modules, the histograms): per idle client = (RSS − baseline) / clients.
 * Between two sizes, the marginal figure (ΔRSS / Δclients) is the one that
 * scales.
 *
 * Connections: the default per-client model, each client holding its own
 * keep-alive connection while idle (keepAliveTimeout KEEP_ALIVE s in the
 * config and on the testbed, longer than the poll), so the figure includes
 * a socket per client. The testbed's open sockets are counted at each
 * measurement to show it. Each process may have at most RLIMIT_NOFILE open
 * files; a size that would not fit (with the generator's reserve) is measured
 * at the most that fits, and the result says so.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { probeOpenFiles, RESERVED_FILES } from '../../lib/simulator/socket-budget.js';
import { r1, rssBytes, startTestbedProcess } from './support/kit.js';
import { readFileSync, writeFileSync } from 'node:fs';
import * as plist from 'plist';
import { generatorNodeArgs, spreadArrival, startGeneratorRun, startupsOver, writeBenchConfig, writeOneKind } from './support/generator-run.js';
import { ACCELERATED_CLIENTS, acceleratedMissing } from './capacity.js';

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
  /** Seconds from the end of start-ups to V8's memory-reducing collection; null when none came within the wait. */
  reducedAfterSeconds: number | null;
  /** Live JS heap after that collection, MB. */
  liveHeapMB: number | null;
  /** Sockets the testbed held open when RSS was read: one per client whose connection is kept. */
  serverSockets: number;
  /** The size asked for, when the open-file limit made this one smaller. */
  asked?: number;
}

export interface MemoryResult {
  benchmark: 'memory';
  clients: string;
  baselineMB: number;
  sizes: SizeFigure[];
}

/** Home poll of the idle clients, s (the accelerated mix ships 30). */
const POLL = 300;
const ARRIVALS_PER_SECOND = 500;
const REDUCE_WAIT = 200;
/** Idle connections are kept this long, s (longer than POLL): each idle client holds its connection. */
const KEEP_ALIVE = 900;
/** Descriptors a generator or testbed process keeps besides its sockets (stdio, libuv, files). */
const PROCESS_FILES = 100;

/** Open sockets of process `pid` (its /proc fd table). */
function socketCount(pid: number): number {
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}
// "[123:0x5f…]  61234 ms: Mark-Compact (reduce) 551.8 (668.6) -> 99.4 (495.8) MB, …"
const REDUCE = /Mark-Compact \(reduce\) [\d.]+ \([\d.]+\) -> ([\d.]+) \(/;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function idleRss(o: MemoryOptions, url: string, testbedPid: number, clients: number, idleClients: string): Promise<{ rssMB: number; startupSeconds: number; complete: boolean; reducedAfterSeconds: number | null; liveHeapMB: number | null; serverSockets: number }> {
  const config = writeBenchConfig(path.join(o.dir, `memory-${clients}.plist`), url, clients, spreadArrival(clients, Math.max(1, Math.round(clients / ARRIVALS_PER_SECOND))), { keepAliveTimeout: KEEP_ALIVE });
  let reducedAt: number | null = null;
  let liveHeapMB: number | null = null;
  let startedUp: number | null = null;
  const run = startGeneratorRun({
    config,
    clients: idleClients,
    runtime: 3600,
    interval: 2,
    series: path.join(o.dir, `memory-${clients}.ndjson`),
    nodeArgs: [...generatorNodeArgs(), '--trace-gc'],
    onStdoutLine: (line) => {
      const m = REDUCE.exec(line);
      if (m && reducedAt === null && startedUp !== null) {
        reducedAt = Date.now();
        liveHeapMB = Number(m[1]);
      }
    },
  });
  const t0 = Date.now();
  try {
    // Start-ups queue behind the testbed: allow ~8 ms of it per client, and a minute.
    const complete = await startupsOver(run, clients, t0 + 60_000 + clients * 8);
    startedUp = Date.now();
    const startupSeconds = Math.round((startedUp - t0) / 1000);
    while (reducedAt === null && Date.now() - startedUp < REDUCE_WAIT * 1000) await new Promise((r) => setTimeout(r, 500));
    const reducedAfterSeconds = reducedAt === null ? null : Math.round((reducedAt - startedUp) / 1000);
    await new Promise((r) => setTimeout(r, 5000));
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) {
      samples.push(rssBytes(run.pid));
      await new Promise((r) => setTimeout(r, 1000));
    }
    return { rssMB: median(samples) / 2 ** 20, startupSeconds, complete, reducedAfterSeconds, liveHeapMB, serverSockets: socketCount(testbedPid) };
  } finally {
    await run.stop();
  }
}

/** The idle kind of the accelerated mix, its home poll at POLL s. */
function writeIdleClients(file: string): string {
  writeOneKind(file, ACCELERATED_CLIENTS, 1);
  const doc = plist.parse(readFileSync(file, 'utf8')) as { clients: { params: Record<string, unknown> }[] };
  doc.clients[0]!.params.calendarHomePollInterval = POLL;
  writeFileSync(file, plist.build(doc as unknown as plist.PlistValue));
  return file;
}

export async function runMemory(o: MemoryOptions): Promise<MemoryResult | { benchmark: 'memory'; skipped: string }> {
  const missing = acceleratedMissing();
  if (missing) return { benchmark: 'memory', skipped: missing };
  const idle = writeIdleClients(path.join(o.dir, 'idle-clients.plist'));
  // Every client holds a socket in the generator and one in the testbed: both processes' limits bound the size.
  const limit = probeOpenFiles().limit;
  const fits = limit === undefined ? Infinity : limit - RESERVED_FILES - PROCESS_FILES;
  const sizes0 = o.sizes.map((asked) => ({ asked, n: Math.min(asked, fits) }));
  const largest = Math.max(...sizes0.map((s) => s.n));
  const tb = await startTestbedProcess({ users: largest, serveArgs: ['--keep-alive', String(KEEP_ALIVE)] });
  try {
    const base = await idleRss(o, tb.url, tb.pid, 10, idle);
    o.log(`memory: baseline (10 idle clients): ${r1(base.rssMB)} MB${base.reducedAfterSeconds === null ? '' : ` (heap reduced ${base.reducedAfterSeconds} s after start-ups)`}`);
    const sizes: SizeFigure[] = [];
    for (const { asked, n } of sizes0) {
      if (n !== asked) o.log(`memory: ${asked} clients need ${asked} sockets in each process, more than the open-file limit (${limit}) allows: measuring ${n}`);
      const m = await idleRss(o, tb.url, tb.pid, n, idle);
      const prev = sizes.at(-1);
      const f: SizeFigure = {
        clients: n,
        rssMB: r1(m.rssMB),
        perClientKB: r1(((m.rssMB - base.rssMB) * 1024) / (n - 10)),
        marginalKB: prev ? r1(((m.rssMB - prev.rssMB) * 1024) / (n - prev.clients)) : null,
        startupSeconds: m.startupSeconds,
        complete: m.complete,
        reducedAfterSeconds: m.reducedAfterSeconds,
        liveHeapMB: m.liveHeapMB,
        serverSockets: m.serverSockets,
        ...(n !== asked ? { asked } : {}),
      };
      sizes.push(f);
      o.log(`memory: ${n} idle clients: RSS ${f.rssMB} MB, ${f.perClientKB} KB per client${f.marginalKB === null ? '' : `, ${f.marginalKB} KB marginal`} (start-ups took ${f.startupSeconds} s${f.complete ? '' : ', NOT all over'}; ${f.reducedAfterSeconds === null ? `no memory-reducing collection within ${REDUCE_WAIT} s` : `V8 reduced its heap ${f.reducedAfterSeconds} s later, ${f.liveHeapMB} MB live`}; the testbed held ${f.serverSockets} sockets)`);
    }
    return { benchmark: 'memory', clients: `the "idle" kind of ${path.basename(ACCELERATED_CLIENTS)} (OS X 10.11), its home poll every ${POLL} s, arriving ${ARRIVALS_PER_SECOND} a second, each holding its own keep-alive connection (per-client, idle connections kept ${KEEP_ALIVE} s)`, baselineMB: r1(base.rssMB), sizes };
  } finally {
    await tb.stop();
  }
}

