/**
 * The soak (issues #10 and #11): 2,000 clients (LOADSIM_BENCH_SOAK_MIX: the
 * accelerated mix's "idle" kind, or the whole mix) for LOADSIM_BENCH_SOAK_MINUTES (30 is the issues' figure; 0, the default,
 * skips it), against the testbed in its own process behind the fault proxy
 * injecting LOADSIM_BENCH_SOAK_FAULTS of requests (default 0.01: 1 %,
 * spread over eight kinds of fault; 0 for a clean constant-load soak).
 *
 * Every 10 s: the generator's RSS, and from its time series the lag p99,
 * the requests open and the calendar data the clients hold. Judged:
 * - memory: growth of RSS from the first minute after warm-up (a sixth of
 *   the soak, at least 2 minutes) to the last minute (medians), < 5 %, net
 *   of the clients' caches. The accelerated mix's data only grows: events
 *   and invitations accumulate on the server (its "idle" users never answer
 *   or delete anything), and every client caches its calendars' events as a
 *   real one does, so RSS grows with the data set in any faithful simulator.
 *   What must stay flat is the rest: a leak shows there. Both are reported.
 *   Also the live JS heap: V8's own figure after each full (mark-compact)
 *   collection, read from `--trace-gc`, from the first after warm-up to the
 *   last. RSS also holds memory the allocator keeps after a collection; the
 *   live heap after a full collection is what a leak in loadsim would grow.
 * - lag: p99 of the last half's intervals against the first half's (after warm-up);
 * - accounting: started − answered = open at every interval, and per label
 *   started = succeeded + failed + interrupted in the final result.
 */
import path from 'node:path';
import { readResultDocument } from '../../lib/result/read-result.js';
import { accountingProblems, intervalAccountingProblems } from '../../lib/result/request-accounting.js';
import { FaultProxy, type FaultKind } from '../support/fault-proxy.js';
import { ACCELERATED_CLIENTS } from './capacity.js';
import { generatorNodeArgs, spreadArrival, startGeneratorRun, writeBenchConfig, writeOneKind } from './support/generator-run.js';
import { r1, rssBytes, startTestbedProcess } from './support/kit.js';

export interface SoakOptions {
  minutes: number;
  /**
   * `idle` (default): the accelerated mix's "idle" kind only (home poll every
   * 30 s): a constant load on a data set that does not grow, so that memory
   * can be judged flat or not. `accelerated`: the whole mix, whose data set
   * grows all the time (see above); on 2 shared cores it saturates the
   * machine after about ten minutes at 2,000 clients.
   */
  mix?: 'idle' | 'accelerated';
  /** Fraction of requests that get a fault, 0–1. */
  faultRate: number;
  clients?: number;
  dir: string;
  log: (line: string) => void;
}

export interface SoakResult {
  benchmark: 'soak';
  mix: 'idle' | 'accelerated';
  minutes: number;
  clients: number;
  faultRate: number;
  faultKinds: FaultKind[];
  injected: Record<string, number>;
  samples: { atMinutes: number; rssMB: number; cachedMB: number | null; lagP99Ms: number | null; inFlight: number | null; responses: number }[];
  /** Live JS heap after each full collection (`--trace-gc`), by minute of the soak. */
  fullGcs: { atMinutes: number; liveMB: number }[];
  /** The first full collection after warm-up and the last: live heap, MB, and its growth. */
  liveHeap: { warmMB: number; endMB: number; growthPercent: number; collections: number } | null;
  /** RSS, medians of the first minute after warm-up and of the last minute. */
  warmMB: number;
  endMB: number;
  rawGrowthPercent: number;
  /** The clients' cached calendar data at the same moments. */
  cachedWarmMB: number;
  cachedEndMB: number;
  /** RSS − cached data: what must stay flat. */
  growthPercent: number;
  lagP99Ms: { firstHalf: number; lastHalf: number };
  maxInFlight: number;
  accounting: { intervalsChecked: number; problems: string[] };
  responses: number;
  failed: number;
}

/** The faults of the soak: those a failing server produces. The 10 MB answer is left out: its parsing would dominate the memory figure it is meant to leave alone. */
const SOAK_FAULTS: FaultKind[] = ['latency', 'stall', 'reset', 'close-mid-body', 'status-500', 'status-503', 'garbage', 'truncated-xml'];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const clients = o.clients ?? 2000;
  const tb = await startTestbedProcess({ users: clients });
  const proxy = await FaultProxy.start({
    target: tb.url,
    seed: 'soak',
    rules: o.faultRate > 0 ? SOAK_FAULTS.map((kind) => ({ kind, rate: o.faultRate / SOAK_FAULTS.length, latencyMs: 500 })) : [],
  });
  const json = path.join(o.dir, 'soak.json');
  const config = writeBenchConfig(path.join(o.dir, 'soak.plist'), proxy.url, clients, spreadArrival(clients, 20));
  const mix = o.mix ?? 'idle';
  const clientsFile = mix === 'idle' ? writeOneKind(path.join(o.dir, 'soak-idle-clients.plist'), ACCELERATED_CLIENTS, 1) : ACCELERATED_CLIENTS;
  const fullGcs: SoakResult['fullGcs'] = [];
  // e.g. "[123:0x5f…]   61234 ms: Mark-Compact 61.2 (70.1) -> 40.3 (71.0) MB, …": ms since the process started.
  const MARK_COMPACT = /\s(\d+) ms: Mark-Compact(?: \(reduce\))? [\d.]+ \([\d.]+\) -> ([\d.]+) \(/;
  const t0 = Date.now();
  const run = startGeneratorRun({
    config,
    clients: clientsFile,
    runtime: o.minutes * 60 + 30,
    interval: 10,
    series: path.join(o.dir, 'soak.ndjson'),
    json,
    nodeArgs: [...generatorNodeArgs(), '--trace-gc'],
    onStdoutLine: (line) => {
      const m = MARK_COMPACT.exec(line);
      // The process started with t0, within milliseconds.
      if (m) fullGcs.push({ atMinutes: r1(Number(m[1]) / 60_000), liveMB: Number(m[2]) });
    },
  });
  const samples: SoakResult['samples'] = [];
  try {
    while (Date.now() - t0 < o.minutes * 60_000 && run.child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 10_000));
      const last = run.records().at(-1);
      samples.push({ atMinutes: r1((Date.now() - t0) / 60_000), rssMB: r1(rssBytes(run.pid) / 2 ** 20), cachedMB: last?.cachedBytes !== undefined ? r1(last.cachedBytes / 2 ** 20) : null, lagP99Ms: last?.lagP99 ?? null, inFlight: last?.inFlight ?? null, responses: last?.count ?? 0 });
      if (samples.length % 6 === 0) {
        const s = samples.at(-1)!;
        o.log(`soak ${s.atMinutes} min: RSS ${s.rssMB} MB (clients' cached data ${s.cachedMB ?? '-'} MB), lag p99 ${s.lagP99Ms ?? '-'} ms, ${s.inFlight ?? '-'} open, ${s.responses} responses in the last 10 s`);
      }
    }
  } finally {
    await run.stop();
    await proxy.close();
    await tb.stop();
  }
  const records = run.records();
  const problems = intervalAccountingProblems(records);
  try {
    problems.push(...accountingProblems(readResultDocument(json)));
  } catch (e) {
    problems.push(`the final result could not be read: ${(e as Error).message}`);
  }
  const warmUp = Math.max(2, o.minutes / 6);
  const warmSamples = samples.filter((s) => s.atMinutes >= warmUp && s.atMinutes < warmUp + 1);
  const endSamples = samples.filter((s) => s.atMinutes >= o.minutes - 1);
  const warm = median(warmSamples.map((s) => s.rssMB));
  const end = median(endSamples.map((s) => s.rssMB));
  const cachedWarm = median(warmSamples.map((s) => s.cachedMB ?? 0));
  const cachedEnd = median(endSamples.map((s) => s.cachedMB ?? 0));
  const netWarm = median(warmSamples.map((s) => s.rssMB - (s.cachedMB ?? 0)));
  const netEnd = median(endSamples.map((s) => s.rssMB - (s.cachedMB ?? 0)));
  const gcsAfter = fullGcs.filter((g) => g.atMinutes >= warmUp);
  const liveHeap =
    gcsAfter.length >= 2
      ? { warmMB: gcsAfter[0]!.liveMB, endMB: gcsAfter.at(-1)!.liveMB, growthPercent: r1(((gcsAfter.at(-1)!.liveMB - gcsAfter[0]!.liveMB) / gcsAfter[0]!.liveMB) * 100), collections: gcsAfter.length }
      : null;
  const after = records.filter((r) => r.elapsed >= warmUp * 60);
  const half = Math.floor(after.length / 2);
  const lag = (rs: typeof records) => r1(median(rs.map((r) => r.lagP99 ?? 0)));
  return {
    benchmark: 'soak',
    mix,
    minutes: o.minutes,
    clients,
    faultRate: o.faultRate,
    faultKinds: o.faultRate > 0 ? SOAK_FAULTS : [],
    injected: Object.fromEntries(Object.entries(proxy.counts.injected).filter(([, n]) => n > 0)),
    samples,
    fullGcs,
    liveHeap,
    warmMB: warm,
    endMB: end,
    rawGrowthPercent: warm > 0 ? r1(((end - warm) / warm) * 100) : 0,
    cachedWarmMB: r1(cachedWarm),
    cachedEndMB: r1(cachedEnd),
    growthPercent: netWarm > 0 ? r1(((netEnd - netWarm) / netWarm) * 100) : 0,
    lagP99Ms: { firstHalf: lag(after.slice(0, half)), lastHalf: lag(after.slice(half)) },
    maxInFlight: Math.max(0, ...records.map((r) => r.inFlight ?? 0)),
    accounting: { intervalsChecked: records.length, problems },
    responses: records.reduce((a, r) => a + r.count, 0),
    failed: records.reduce((a, r) => a + r.failures, 0),
  };
}
