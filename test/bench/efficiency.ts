/**
 * Benchmark 2, efficiency: generator CPU-seconds per 1,000 requests for one
 * fixed mix (support/mix.ts: home PROPFIND Depth 1, sync-collection REPORT,
 * calendar-multiget, event PUT), sent by loadsim's client layer, wrk,
 * Locust (FastHttpUser) and Tsung in turn, against the same testbed (its own
 * process), with the same number of keep-alive connections, as fast as the
 * testbed answers. Only the generator's CPU counts: each tool's process tree,
 * read from /proc when its sending starts and when it ends. The testbed is
 * warmed up first, and the tools run twice, in mirrored order (A B C D D C B
 * A), so that neither a cold server nor a drift of the machine favours one.
 *
 * What each side does per response differs, and the figures say so rather
 * than hide it: loadsim parses every 207 into a multistatus and records the
 * latency into HDR histograms per label; Locust reads the body and keeps its
 * statistics; Tsung keeps its statistics; wrk parses nothing.
 *
 * Every generator shares the two cores with the testbed: a saturated testbed
 * is the ceiling for all of them alike, and CPU per request, not requests per
 * second, is what is compared.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { prepareMix } from './support/mix.js';
import { generatorNodeArgs } from './support/generator-run.js';
import { cpuSeconds, pinned, r2, r3, startTestbedProcess, treeCpuSeconds } from './support/kit.js';
import type { PeerOptions, PeerResult } from './peers/peer.js';
import { runWrk } from './peers/wrk.js';
import { runLocust } from './peers/locust.js';
import { runTsung } from './peers/tsung.js';

const DRIVER = fileURLToPath(new URL('./drivers/loadsim-mix.js', import.meta.url));

export interface EfficiencyOptions {
  users: number;
  connections: number;
  seconds: number;
  dir: string;
  log: (line: string) => void;
}

/** One generator's figures: a peer's result (peers/peer.ts), loadsim's too, with the per-1,000 figures. */
export interface GeneratorFigure extends Omit<PeerResult, 'tool' | 'cpuMsPerRequest'> {
  tool: 'loadsim' | PeerResult['tool'];
  requestsPerSecond: number;
  /** Generator CPU-seconds per 1,000 requests (= CPU ms per request). */
  cpuSecondsPer1000: number;
  /** The testbed's CPU per 1,000 requests meanwhile: the same for every tool if the mix is the same. */
  testbedCpuSecondsPer1000: number;
  /** CPU-s per 1,000 of each round (the figure is both together). */
  rounds?: number[];
}

export interface EfficiencyResult {
  benchmark: 'efficiency';
  mix: string;
  connections: number;
  users: number;
  seconds: number;
  figures: GeneratorFigure[];
  /** loadsim's CPU per request over each peer's: below 1 is less CPU than the peer. */
  ratios: { wrk: number | null; locust: number | null; tsung: number | null };
}

/** What one generator's run measured, before the per-1,000 figures. */
type Measured = Omit<GeneratorFigure, 'testbedCpuSecondsPer1000' | 'requestsPerSecond' | 'cpuSecondsPer1000'>;

/** loadsim's client layer in a child process (drivers/loadsim-mix.ts). */
function runLoadsim(o: PeerOptions & { pauseMs?: number; warmupSeconds?: number }): Promise<Measured> {
  return new Promise((resolve) => {
    const args = { url: o.url, users: o.users, connections: o.connections, seconds: o.seconds, ...(o.pauseMs ? { pauseMs: o.pauseMs, warmupSeconds: o.warmupSeconds } : {}) };
    const child = spawn(...pinned('generator', process.execPath, [...generatorNodeArgs(), DRIVER, JSON.stringify(args)]), { stdio: ['ignore', 'pipe', 'pipe'] });
    let cpuAtStart = 0;
    let stderr = '';
    let buffered = '';
    let settled = false;
    const guard = setTimeout(() => child.kill('SIGKILL'), (o.seconds + (o.warmupSeconds ?? 2) + 30) * 1000);
    const finish = (r: Measured) => {
      if (settled) return;
      settled = true;
      resolve(r);
    };
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buffered += d;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const m = JSON.parse(line) as { type: string; requests: number; failures: number; wallSeconds: number };
        if (m.type === 'sending') cpuAtStart = cpuSeconds(child.pid!);
        if (m.type === 'done') {
          const cpu = cpuSeconds(child.pid!) - cpuAtStart;
          finish({
            tool: 'loadsim',
            version: `loadsim (DavHttp over undici, Node ${process.version})`,
            available: true,
            requests: m.requests,
            failures: m.failures,
            wallSeconds: m.wallSeconds,
            cpuSeconds: cpu,
            notes: ['parses every 207 (parseMultistatus) and records every latency into HDR histograms per label', `${o.connections} clients, one loop each, over one DavHttp pool of ${o.connections} connections`],
          });
        }
      }
    });
    child.on('exit', (code) => {
      clearTimeout(guard);
      finish({ tool: 'loadsim', version: 'loadsim', available: false, reason: `the driver exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`, requests: 0, failures: 0, wallSeconds: 0, cpuSeconds: 0, notes: [] });
    });
  });
}

export async function runEfficiency(o: EfficiencyOptions): Promise<EfficiencyResult> {
  const tb = await startTestbedProcess({ users: o.users });
  const figures: GeneratorFigure[] = [];
  try {
    await prepareMix(tb.url, o.users);
    const peer: PeerOptions = { url: tb.url, users: o.users, connections: o.connections, seconds: o.seconds, dir: o.dir, log: o.log };
    const runners: [string, () => Promise<Measured>][] = [
      ['loadsim', () => runLoadsim(peer)],
      ['wrk', () => runWrk(peer)],
      ['locust', () => runLocust(peer)],
      ['tsung', () => runTsung(peer)],
    ];
    // Warm the testbed up first (its JIT, its connections' buffers): the first tool would otherwise
    // meet a slower server, and a client waiting longer pays more wake-ups per request.
    o.log('efficiency: warming the testbed up (loadsim, 5 s, not counted) …');
    await runLoadsim({ ...peer, seconds: 5 });
    // Two rounds in mirrored order (A B C D D C B A): a drift of the machine over the minutes
    // (another tenant, thermal) weighs on every tool alike. Each tool's figure is the two rounds together.
    const order = [...runners, ...[...runners].reverse()];
    const rounds = new Map<string, Measured[]>();
    const testbedCpu = new Map<string, number>();
    for (const [name, run] of order) {
      o.log(`efficiency: ${name}, ${o.connections} connections, ${o.seconds} s …`);
      const tb0 = treeCpuSeconds(tb.pid);
      const r = await run();
      testbedCpu.set(name, (testbedCpu.get(name) ?? 0) + treeCpuSeconds(tb.pid) - tb0);
      rounds.set(name, [...(rounds.get(name) ?? []), r]);
      o.log(
        r.available
          ? `efficiency: ${name}: ${r.requests} requests (${r.failures} failed) in ${r2(r.wallSeconds)} s; ${r.requests > 0 ? r3((r.cpuSeconds * 1000) / r.requests) : 0} CPU-s per 1,000`
          : `efficiency: ${name}: not run: ${r.reason}`,
      );
    }
    for (const [name] of runners) {
      const rs = rounds.get(name)!;
      const ok = rs.every((r) => r.available);
      const requests = rs.reduce((n, r) => n + r.requests, 0);
      const cpu = rs.reduce((n, r) => n + r.cpuSeconds, 0);
      const wall = rs.reduce((n, r) => n + r.wallSeconds, 0);
      const per1000 = (x: number) => (requests > 0 ? r3((x * 1000) / requests) : 0);
      const first = rs.find((r) => !r.available) ?? rs[0]!;
      figures.push({
        ...first,
        available: ok,
        requests,
        failures: rs.reduce((n, r) => n + r.failures, 0),
        wallSeconds: r2(wall),
        requestsPerSecond: wall > 0 ? Math.round(requests / wall) : 0,
        cpuSeconds: r3(cpu),
        cpuSecondsPer1000: per1000(cpu),
        // The testbed's CPU covers the tool's start-up and wind-down too: an upper bound, for context.
        testbedCpuSecondsPer1000: per1000(testbedCpu.get(name) ?? 0),
        rounds: rs.map((r) => (r.requests > 0 ? r3((r.cpuSeconds * 1000) / r.requests) : 0)),
      });
    }
  } finally {
    await tb.stop();
  }
  const ours = figures.find((f) => f.tool === 'loadsim');
  const ratio = (tool: string) => {
    const p = figures.find((f) => f.tool === tool);
    return ours?.available && p?.available && p.cpuSecondsPer1000 > 0 && p.failures === 0 ? r2(ours.cpuSecondsPer1000 / p.cpuSecondsPer1000) : null;
  };
  return {
    benchmark: 'efficiency',
    mix: 'per user, in turn: PROPFIND Depth 1 on the calendar home, REPORT sync-collection, REPORT calendar-multiget of 4 events, PUT of one of them (204); Basic auth',
    connections: o.connections,
    users: o.users,
    seconds: o.seconds,
    figures,
    ratios: { wrk: ratio('wrk'), locust: ratio('locust'), tsung: ratio('tsung') },
  };
}

export interface PacedDriverFigure {
  connections: number;
  /** The rate asked for, and the one measured. */
  targetPerSecond: number;
  requestsPerSecond: number;
  requests: number;
  failures: number;
  /** The driver's CPU per request, from /proc over its counted seconds. */
  cpuUsPerRequest: number;
  testbedUsPerRequest: number;
}

/**
 * The client layer alone (the efficiency benchmark's driver and mix), paced like a
 * population: `connections` loops, each waiting on average connections / rate s
 * before each request, for about `rate` requests a second in all. At the capacity
 * benchmark's rates each response then arrives alone, in an event-loop turn of its
 * own, and costs the driver several times what it does when 50 connections answer
 * back to back: this is the client layer's cost at the same shape as a step of the
 * simulation, so the generator's cost over it is what the simulation adds.
 */
export async function runPacedDriver(o: { connections: number; rate: number; seconds: number; users: number; dir: string; log: (line: string) => void }): Promise<PacedDriverFigure> {
  const tb = await startTestbedProcess({ users: o.users });
  try {
    await prepareMix(tb.url, o.users);
    const pauseMs = Math.round((o.connections / o.rate) * 1000);
    // Every connection opened before counting starts: the first request of each falls within twice the pause.
    const warmupSeconds = Math.ceil((2 * pauseMs) / 1000) + 2;
    o.log(`capacity: the client-layer driver paced: ${o.connections} connections, ~${o.rate} requests/s, ${warmupSeconds} s warm-up, ${o.seconds} s counted …`);
    const tb0 = treeCpuSeconds(tb.pid);
    const r = await runLoadsim({ url: tb.url, users: o.users, connections: o.connections, seconds: o.seconds, dir: o.dir, log: o.log, pauseMs, warmupSeconds });
    const tbCpu = treeCpuSeconds(tb.pid) - tb0;
    if (!r.available) throw new Error(r.reason ?? 'the paced driver did not run');
    return {
      connections: o.connections,
      targetPerSecond: o.rate,
      requestsPerSecond: Math.round(r.requests / r.wallSeconds),
      requests: r.requests,
      failures: r.failures,
      cpuUsPerRequest: Math.round((r.cpuSeconds / r.requests) * 1e6),
      // Its warm-up and wind-down included: an upper bound, for context.
      testbedUsPerRequest: Math.round((tbCpu / r.requests) * 1e6),
    };
  } finally {
    await tb.stop();
  }
}
