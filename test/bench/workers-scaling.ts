/**
 * Benchmark (`npm run bench`): the generator's capacity with one process, with
 * a manager and one worker, and with a manager and two workers (issue #9),
 * against the embedded testbed (`loadsim serve`) in a process of its own.
 *
 * Not a node:test file: it registers no tests. Its name matches none of
 * `node --test`'s patterns, but Node 20 given a folder (`npm test` runs
 * `node --test dist/test/`) takes every .js under a folder named `test` as a
 * test file, this one included; it runs each in a child process with
 * NODE_TEST_CONTEXT set, and there this file does nothing (see the end).
 *
 * What "capacity" means here: the responses per second a configuration sends
 * when it is offered more than it can send, measured in the steady state.
 * Every configuration gets the same population: USERS clients of our default
 * mix (config/clients.plist: 2 Macs to 1 iPhone, their profiles as they are)
 * with the home poll every POLL s on the Macs and 2·POLL s on the iPhones,
 * all arriving in the first ARRIVE s, against a fresh testbed. The window is
 * the whole intervals from SETTLE s to the end of the run, after every
 * start-up (a client's discovery is some twenty requests: checked in the time
 * series where one can be written). A light run first (a fifth of the users,
 * one process) measures what one client of this mix asks for, responses/s,
 * when nothing holds it back; USERS of them offer about four times what one
 * process sends. A configuration is saturated when its timers run late
 * (scheduling lag p99 over LAG_SLO_MS ms in the window) or it sends less than
 * 80 % of what its clients ask for: it then sends what the machine lets it,
 * and that rate is its capacity; "≈ clients" is that rate over the light
 * run's per-client rate. One that is not saturated kept up with everything
 * offered: its figure is a lower bound, marked "≥".
 *
 * Why not "the most clients held at lag p99 ≤ 10 ms": that takes a run per
 * step per configuration (each with its own start-up wave), a dozen runs at a
 * useful resolution, well over the five minutes this benchmark may take.
 * Throughput at saturation is the same limit seen from above, one run each.
 *
 * Conditions recorded: Node version, CPU model and count. The testbed runs on
 * the same machine: with two cores it competes with the workers for them, so
 * the CPU each side used in the window is measured from /proc (utime + stime
 * of the testbed; of the run process and every process under it; of the
 * manager alone), with the machine's busy and stolen cores from /proc/stat
 * (anything else that ran shows as "other").
 *
 * Takes about four minutes. Writes test/bench/results/workers-scaling.json
 * and prints one line per configuration, the capacities and the ratio
 * 2 workers / 1 process. LOADSIM_BENCH_USERS, LOADSIM_BENCH_RUNTIME and
 * LOADSIM_BENCH_POLL change the defaults; LOADSIM_BENCH_ONLY=1,3 runs only
 * those configurations (by index, no results file); LOADSIM_BENCH_KEEP=1
 * keeps the temporary folder with each run's files.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as plist from 'plist';
import type { ResultDocument } from '../../lib/result/result-document.js';
import { LatencyHistogram } from '../../lib/stats/latency-histogram.js';
import { CLI, REPO, RESULTS_DIR, childrenCpuSeconds, cpuSeconds, machineSeconds, numberFromEnv, processTree, r1, r2, r3, startTestbedProcess } from './support/kit.js';

const RESULTS = path.join(RESULTS_DIR, 'workers-scaling.json');

/** Users (one client each); the testbed gets as many accounts. */
const USERS = numberFromEnv('LOADSIM_BENCH_USERS', 2000);
/** Seconds each run lasts. */
const RUNTIME = numberFromEnv('LOADSIM_BENCH_RUNTIME', 60);
/** Home poll interval of the Macs, s (the iPhones poll at twice this). */
const POLL = numberFromEnv('LOADSIM_BENCH_POLL', 1);
/** Every user has arrived by this many seconds (groups of USERS/ARRIVE/10 every 0.1 s). */
const ARRIVE = 10;
/** The measured window starts here, s after the run's start, and ends at RUNTIME. */
const SETTLE = 20;
/** Seconds per interval of the time series (the window is made of whole intervals). */
const INTERVAL = 5;
/** The light (calibration) run has USERS / LIGHT_SHARE users. */
const LIGHT_SHARE = 5;
/** Scheduling lag p99 above which a configuration counts as saturated, ms. */
const LAG_SLO_MS = 10;

interface Configuration {
  name: string;
  args: string[];
  /** Users of this run (default USERS). */
  users?: number;
  /** Seconds it lasts (default RUNTIME). */
  runtime?: number;
  /** Its window starts here (default SETTLE). */
  settle?: number;
}

/** In this order; the names are the keys of the results. */
const CONFIGURATIONS: Configuration[] = [
  // A fifth of the users start in 10 s and are done starting by about 12 s: a short run does.
  { name: '1 process, light load', args: [], users: Math.round(USERS / LIGHT_SHARE), runtime: 30, settle: 15 },
  { name: '1 process', args: [] },
  { name: 'manager + 1 worker', args: ['--workers', '1'] },
  { name: 'manager + 2 workers', args: ['--workers', '2'] },
];

interface Sample {
  at: number;
  server: number;
  /** The run process and every process under it. */
  generator: number;
  /** The run process alone (with workers: the manager). */
  manager: number;
  machineBusy: number;
  steal: number;
}

/** Samples CPU every 250 ms while a run goes: the testbed, the run's process tree, the machine. */
class CpuSampler {
  readonly samples: Sample[] = [];
  private readonly timer: NodeJS.Timeout;
  /** The last CPU seen per pid of the tree: a worker that exits keeps its due. */
  private readonly seen = new Map<number, number>();
  constructor(
    private readonly serverPid: number,
    private readonly runPid: number,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), 250);
  }
  sample(): void {
    for (const pid of processTree(this.runPid)) {
      const s = cpuSeconds(pid);
      if (s > 0) this.seen.set(pid, s);
    }
    let generator = 0;
    for (const s of this.seen.values()) generator += s;
    const m = machineSeconds();
    this.samples.push({ at: Date.now(), server: cpuSeconds(this.serverPid), generator, manager: this.seen.get(this.runPid) ?? 0, machineBusy: m.busy, steal: m.steal });
  }
  stop(): void {
    clearInterval(this.timer);
  }
  /** Each figure at time `at` (epoch ms), interpolated between the samples around it. */
  at(at: number): Sample {
    const s = this.samples;
    if (s.length === 0) throw new Error('no CPU samples');
    if (at <= s[0]!.at) return s[0]!;
    for (let i = 1; i < s.length; i++) {
      if (s[i]!.at >= at) {
        const a = s[i - 1]!;
        const b = s[i]!;
        const k = (at - a.at) / (b.at - a.at || 1);
        const mix = (x: number, y: number) => x + (y - x) * k;
        return { at, server: mix(a.server, b.server), generator: mix(a.generator, b.generator), manager: mix(a.manager, b.manager), machineBusy: mix(a.machineBusy, b.machineBusy), steal: mix(a.steal, b.steal) };
      }
    }
    return s[s.length - 1]!;
  }
}

/** About `users` users in groups every 0.1 s over ARRIVE s; `total` is how many exactly. */
function arrivalFor(users: number): { groups: number; groupSize: number; total: number } {
  const groupSize = Math.max(1, Math.round(users / (ARRIVE * 10)));
  const groups = Math.max(1, Math.round(users / groupSize));
  return { groups, groupSize, total: groups * groupSize };
}

/**
 * The config and clients files of the benchmark, derived from config/config.plist
 * and config/clients.plist: the testbed's URL and as many accounts as users, the
 * arrival, no stats socket; the clients' home polls sped up so the most frequent
 * one is every POLL s, the others in proportion (Macs 15 s → POLL, iPhones 30 s → 2·POLL).
 */
function writeInputs(dir: string, url: string, users: number): { config: string; clients: string } {
  const { groups, groupSize, total } = arrivalFor(users);
  const cfg = plist.parse(readFileSync(path.join(REPO, 'config/config.plist'), 'utf8')) as Record<string, any>;
  cfg.servers.PodA.uri = url;
  cfg.servers.PodA.stats.enabled = false;
  cfg.accounts.params.count = total;
  cfg.arrival = { factory: 'SmoothRampUp', params: { groups, groupSize, interval: 0.1, clientsPerUser: 1 } };
  const cl = plist.parse(readFileSync(path.join(REPO, 'config/clients.plist'), 'utf8')) as Record<string, any>;
  const fastest = Math.min(...cl.clients.map((k: any) => k.params.calendarHomePollInterval as number));
  for (const kind of cl.clients) kind.params.calendarHomePollInterval = (kind.params.calendarHomePollInterval * POLL) / fastest;
  const config = path.join(dir, `config-${users}.plist`);
  const clients = path.join(dir, `clients-${users}.plist`);
  writeFileSync(config, plist.build(cfg));
  writeFileSync(clients, plist.build(cl));
  return { config, clients };
}

interface Measured {
  configuration: string;
  command: string;
  exitCode: number | null;
  verdict: string;
  clients: number;
  startupsCompleted: number;
  window: {
    /** Seconds after the run's start: [from, to]. */
    range: [number, number];
    seconds: number;
    responses: number;
    responsesPerSecond: number;
    responsesPerClientPerSecond: number;
    failures: number;
    operationsTimed: number;
    lagMs: { p50: number; p99: number; max: number };
    responseMs: { p50: number; p99: number };
    /** Cores busy over the window (CPU seconds / wall seconds). */
    cores: { generator: number; manager: number | null; testbed: number; machine: number; other: number; stolen: number };
    responsesPerGeneratorCpuSecond: number;
    responsesPerTestbedCpuSecond: number;
    /** Start-up-only requests (discovery) answered in the window; null where no time series could be written (a manager). */
    startupRequestsInWindow: number | null;
  };
  /** What it sent over what its clients asked for (clients × the light run's per-client rate); null for the light run. */
  sentShareOfOffered: number | null;
  /** Lag p99 over LAG_SLO_MS, or under 80 % of the offered load sent. */
  saturated: boolean;
  whole: { wallSeconds: number; generatorCpuSeconds: number; workersCpuSeconds: number; testbedCpuSeconds: number; responses: number; failures: number };
}

/** Labels only a client's start-up sends: any of them in the window means start-ups were still going on. */
const STARTUP_LABELS = ['PROPFIND{well-known}', 'PROPFIND{principal}'];

async function runOne(c: Configuration, dir: string, perClient: number | undefined): Promise<Measured> {
  const users = c.users ?? USERS;
  const runtime = c.runtime ?? RUNTIME;
  const settle = c.settle ?? SETTLE;
  // A fresh testbed for every configuration: each starts from the same (empty) server.
  const testbed = await startTestbedProcess({ users: arrivalFor(users).total });
  const inputs = writeInputs(dir, testbed.url, users);
  const base = c.name.replace(/\W+/g, '-');
  const json = path.join(dir, `${base}.json`);
  const timeseries = c.args.includes('--workers') ? undefined : path.join(dir, `${base}.ndjson`);
  const args = ['run', '--config', inputs.config, '--clients', inputs.clients, '--server', testbed.url, '--runtime', String(runtime), '--seed', '1', '--quiet', '--interval', String(INTERVAL), '--json', json, ...(timeseries ? ['--timeseries', timeseries] : []), ...c.args];
  let doc: ResultDocument;
  let exitCode: number | null;
  let wallSeconds: number;
  let generatorCpuSeconds: number;
  let testbedCpuSeconds: number;
  let sampler: CpuSampler;
  try {
    const children0 = childrenCpuSeconds();
    const server0 = cpuSeconds(testbed.pid);
    const t0 = Date.now();
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    sampler = new CpuSampler(testbed.pid, child.pid!);
    const guard = setTimeout(() => child.kill('SIGKILL'), (runtime + 120) * 1000);
    exitCode = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    clearTimeout(guard);
    sampler.stop();
    wallSeconds = (Date.now() - t0) / 1000;
    generatorCpuSeconds = childrenCpuSeconds() - children0;
    testbedCpuSeconds = cpuSeconds(testbed.pid) - server0;
    try {
      doc = JSON.parse(readFileSync(json, 'utf8')) as ResultDocument;
    } catch {
      throw new Error(`${c.name}: no result (exit ${exitCode}):\n${stderr.split('\n').slice(-20).join('\n')}`);
    }
  } finally {
    await testbed.stop();
  }

  // The window: whole intervals from `settle` s after the run's start to `runtime` s.
  const runStart = doc.intervals.length ? doc.intervals[0]!.start : doc.startedAt;
  const from = runStart + settle * 1000;
  const to = runStart + runtime * 1000;
  const rows = doc.intervals.map((row, i) => ({ row, i })).filter(({ row }) => row.start >= from - 1 && row.end <= to + 1 && row.end - row.start >= INTERVAL * 1000 - 1);
  if (rows.length === 0) throw new Error(`${c.name}: no whole interval between ${settle} s and ${runtime} s`);
  const lag = new LatencyHistogram();
  const latency = new LatencyHistogram();
  for (const { i } of rows) {
    const saved = doc.saved.intervals?.[i];
    if (!saved) throw new Error(`${c.name}: the result has no saved interval histograms`);
    lag.merge(LatencyHistogram.decode(saved.lag));
    latency.merge(LatencyHistogram.decode(saved.latency));
  }
  const wStart = rows[0]!.row.start;
  const wEnd = rows[rows.length - 1]!.row.end;
  const seconds = (wEnd - wStart) / 1000;
  const responses = rows.reduce((a, { row }) => a + row.count, 0);
  const failures = rows.reduce((a, { row }) => a + row.failures, 0);
  const a = sampler.at(wStart);
  const b = sampler.at(wEnd);
  const generator = (b.generator - a.generator) / seconds;
  const testbedCores = (b.server - a.server) / seconds;
  const machine = (b.machineBusy - a.machineBusy) / seconds;
  const lagP99 = lag.count ? lag.percentile(99) : NaN;
  const share = perClient ? responses / seconds / (doc.clients * perClient) : null;
  let startupRequestsInWindow: number | null = null;
  if (timeseries) {
    startupRequestsInWindow = 0;
    for (const text of readFileSync(timeseries, 'utf8').split('\n')) {
      if (!text) continue;
      const rec = JSON.parse(text) as { start: number; end: number; labels: Record<string, { count: number }> };
      if (rec.start < wStart - 1 || rec.end > wEnd + 1) continue;
      for (const l of STARTUP_LABELS) startupRequestsInWindow += rec.labels[l]?.count ?? 0;
    }
  }
  return {
    configuration: c.name,
    command: `loadsim ${args.join(' ')}`.replaceAll(dir + path.sep, '').replace(testbed.url, 'http://127.0.0.1:PORT'),
    exitCode,
    verdict: doc.verdict,
    clients: doc.clients,
    startupsCompleted: doc.operations.startup?.count ?? 0,
    window: {
      range: [settle, runtime],
      seconds,
      responses,
      responsesPerSecond: r1(responses / seconds),
      responsesPerClientPerSecond: r3(responses / seconds / doc.clients),
      failures,
      operationsTimed: lag.count,
      lagMs: { p50: r1(lag.count ? lag.percentile(50) : NaN), p99: r1(lagP99), max: r1(lag.count ? lag.max : NaN) },
      responseMs: { p50: r1(latency.percentile(50)), p99: r1(latency.percentile(99)) },
      cores: { generator: r2(generator), manager: c.args.includes('--workers') ? r2((b.manager - a.manager) / seconds) : null, testbed: r2(testbedCores), machine: r2(machine), other: r2(Math.max(0, machine - generator - testbedCores)), stolen: r2((b.steal - a.steal) / seconds) },
      responsesPerGeneratorCpuSecond: Math.round(responses / (generator * seconds)),
      responsesPerTestbedCpuSecond: Math.round(responses / (testbedCores * seconds)),
      startupRequestsInWindow,
    },
    sentShareOfOffered: share === null ? null : r3(share),
    saturated: !(lagP99 <= LAG_SLO_MS) || (share !== null && share < 0.8),
    whole: {
      wallSeconds: r1(wallSeconds),
      generatorCpuSeconds: r1(generatorCpuSeconds),
      workersCpuSeconds: r1(doc.cpu.user + doc.cpu.system),
      testbedCpuSeconds: r1(testbedCpuSeconds),
      responses: doc.events.responses,
      failures: Object.values(doc.requests).reduce((x, l) => x + l.failed, 0),
    },
  };
}

/** The table: one row per configuration. */
const COLUMNS: Array<[string, (m: Measured) => string]> = [
  ['configuration', (m) => m.configuration],
  ['clients', (m) => String(m.clients)],
  ['responses/s', (m) => m.window.responsesPerSecond.toFixed(0)],
  ['of offered', (m) => (m.sentShareOfOffered === null ? '-' : `${Math.round(m.sentShareOfOffered * 100)} %`)],
  ['lag p50/p99 ms', (m) => `${m.window.lagMs.p50.toFixed(1)}/${m.window.lagMs.p99.toFixed(1)}`],
  ['saturated', (m) => (m.saturated ? 'yes' : 'no')],
  ['response p50/p99 ms', (m) => `${m.window.responseMs.p50.toFixed(1)}/${m.window.responseMs.p99.toFixed(1)}`],
  ['failures', (m) => String(m.window.failures)],
  ['generator cores', (m) => m.window.cores.generator.toFixed(2) + (m.window.cores.manager === null ? '' : ` (mgr ${m.window.cores.manager.toFixed(2)})`)],
  ['testbed cores', (m) => m.window.cores.testbed.toFixed(2)],
  ['other', (m) => m.window.cores.other.toFixed(2) + (m.window.cores.stolen >= 0.05 ? ` +${m.window.cores.stolen.toFixed(2)} stolen` : '')],
  ['responses per CPU-s: generator', (m) => String(m.window.responsesPerGeneratorCpuSecond)],
  ['testbed', (m) => String(m.window.responsesPerTestbedCpuSecond)],
];

function table(rows: Measured[]): string {
  const cells = [COLUMNS.map(([h]) => h), ...rows.map((m) => COLUMNS.map(([, f]) => f(m)))];
  const widths = COLUMNS.map((_, j) => Math.max(...cells.map((r) => r[j]!.length)));
  return cells.map((r) => r.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  ')).join('\n');
}

async function main(): Promise<void> {
  const cpus = os.cpus();
  const conditions = {
    date: new Date().toISOString(),
    node: process.version,
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    platform: `${os.platform()} ${os.release()}`,
    memoryGB: r1(os.totalmem() / 2 ** 30),
    server: 'embedded testbed (loadsim serve), a fresh one per configuration, in its own process on the same machine, sharing its cores with the generator',
    users: USERS,
    clientsPerUser: 1,
    mix: `config/clients.plist (2 Macs : 1 iPhone, profiles as they are), home poll every ${POLL} s (Mac) / ${2 * POLL} s (iPhone)`,
    arrival: `every user within the first ${ARRIVE} s`,
    runtimeSeconds: RUNTIME,
    windowSeconds: [SETTLE, RUNTIME],
    lightRun: `${Math.round(USERS / LIGHT_SHARE)} users, 30 s, window 15–30 s`,
    lagSloMs: LAG_SLO_MS,
  };
  console.log(`workers-scaling: Node ${conditions.node}, ${conditions.cpuModel}, ${conditions.cores} cores; ${USERS} clients, poll ${POLL}/${2 * POLL} s, ${RUNTIME} s per run, window ${SETTLE}–${RUNTIME} s`);
  const only = process.env.LOADSIM_BENCH_ONLY?.split(',').map(Number);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'loadsim-bench-'));
  try {
    const measured = new Map<string, Measured>();
    // What one client of the mix asks for, from the light run (when it kept up).
    let perClient: number | undefined;
    for (const [i, c] of CONFIGURATIONS.entries()) {
      if (only && !only.includes(i)) continue;
      const m = await runOne(c, dir, i === 0 ? undefined : perClient);
      measured.set(c.name, m);
      console.log(`workers-scaling: ${c.name}: ${m.window.responsesPerSecond.toFixed(0)} responses/s, lag p99 ${m.window.lagMs.p99.toFixed(1)} ms (run took ${m.whole.wallSeconds.toFixed(0)} s)`);
      if (i === 0 && !m.saturated) perClient = m.window.responsesPerClientPerSecond;
    }
    console.log('');
    console.log(table([...measured.values()]));
    console.log('');
    const single = measured.get(CONFIGURATIONS[1]!.name);
    const oneWorker = measured.get(CONFIGURATIONS[2]!.name);
    const two = measured.get(CONFIGURATIONS[3]!.name);
    const capacity = (m: Measured) => ({
      configuration: m.configuration,
      responsesPerSecond: m.window.responsesPerSecond,
      lowerBound: !m.saturated,
      clientsOfThisMix: perClient ? Math.round(m.window.responsesPerSecond / perClient) : null,
    });
    const capacities = [single, oneWorker, two].filter((m): m is Measured => m !== undefined).map(capacity);
    for (const k of capacities) {
      console.log(`capacity ${k.configuration.padEnd(20)} ${k.lowerBound ? '≥ ' : ''}${k.responsesPerSecond.toFixed(0)} responses/s${k.clientsOfThisMix ? ` ≈ ${k.clientsOfThisMix} clients of this mix (${perClient} responses/s each, from the light run)` : ''}`);
    }
    let ratio: { twoWorkersOverOneProcess: number; lowerBound: boolean; oneWorkerOverOneProcess: number | null } | null = null;
    if (single && two) {
      const r = two.window.responsesPerSecond / single.window.responsesPerSecond;
      const overhead = oneWorker ? oneWorker.window.responsesPerSecond / single.window.responsesPerSecond : null;
      ratio = { twoWorkersOverOneProcess: r3(r), lowerBound: !two.saturated, oneWorkerOverOneProcess: overhead === null ? null : r3(overhead) };
      console.log(
        `ratio 2 workers / 1 process: ${!two.saturated ? '≥ ' : ''}${r.toFixed(2)}${!single.saturated ? ' (but 1 process kept up: raise LOADSIM_BENCH_USERS)' : ''}` +
          (overhead === null ? '' : `; manager + 1 worker / 1 process: ${overhead.toFixed(2)}`),
      );
    }
    for (const m of measured.values()) {
      if (m.window.startupRequestsInWindow) console.log(`note: ${m.configuration}: ${m.window.startupRequestsInWindow} start-up requests inside the window (start-ups not over when the window began)`);
      if (m.window.cores.other > 0.1) console.log(`note: ${m.configuration}: something else used ${m.window.cores.other.toFixed(2)} cores during the window`);
    }
    if (only) return;
    mkdirSync(path.dirname(RESULTS), { recursive: true });
    writeFileSync(
      RESULTS,
      JSON.stringify(
        {
          benchmark: 'workers-scaling',
          definition:
            'capacity = responses/s sent over the steady-state window by a configuration offered more than it can send (saturated: scheduling lag p99 > lagSloMs ms, or under 80 % of the offered load sent); one that kept up gives a lower bound. In clients of the mix: capacity / the light run\'s responses per client per second',
          conditions,
          results: [...measured.values()],
          capacities,
          ratio,
        },
        null,
        2,
      ) + '\n',
    );
    console.log(`workers-scaling: wrote ${path.relative(process.cwd(), RESULTS) || RESULTS}`);
  } finally {
    if (process.env.LOADSIM_BENCH_KEEP) console.log(`workers-scaling: kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

// Node 20's `node --test dist/test/` runs every .js under a folder named test, whatever its
// name, each in a child with NODE_TEST_CONTEXT set: there this file does nothing.
if (process.env.NODE_TEST_CONTEXT === undefined) {
  main().catch((e: unknown) => {
    console.error(`workers-scaling: ${(e as Error).stack ?? String(e)}`);
    process.exitCode = 1;
  });
}
