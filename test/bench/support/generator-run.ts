/**
 * A `loadsim run` in a child process for the benchmarks: its config derived
 * from our config/config.plist (the testbed's URL, N generated accounts, an
 * arrival), its time series read as it is written, its CPU and
 * RSS read from /proc, and a stop (SIGINT: the run writes its report and
 * files, as Ctrl-C does).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as plist from 'plist';
import type { IntervalRecord } from '../../../lib/result/result-document.js';
import { LatencyHistogram } from '../../../lib/stats/latency-histogram.js';
import { YOUNG_GENERATION_FLAG } from '../../../lib/workers/worker-node-args.js';
import { CLI, pinned, REPO } from './kit.js';

const STEP_RAMP = fileURLToPath(new URL('./step-ramp.js', import.meta.url));

/**
 * `users` arriving one at a time, evenly over `spread` s: the benchmarks'
 * arrival. Users arriving together (SmoothRampUp's groups) start their
 * profiles' timers together, so every one of their operations falls due in
 * the same millisecond; the generator serializes such a burst, which shows
 * as lag that a spread population does not have.
 */
export function spreadArrival(users: number, spread: number): Record<string, unknown> {
  return { factory: `${STEP_RAMP}#StepRamp`, params: { steps: 1, stepSize: users, period: spread + 1, spread, groupSize: 1 } };
}

/** config.plist for a benchmark run: our own, with the testbed, `users` accounts and `arrival` (a plist arrival entry), observers added after ours; no stats socket. */
export function writeBenchConfig(file: string, url: string, users: number, arrival: Record<string, unknown>, keys: Record<string, unknown> = {}, extraObservers: Record<string, unknown>[] = []): string {
  const cfg = plist.parse(readFileSync(path.join(REPO, 'config/config.plist'), 'utf8')) as Record<string, any>;
  cfg.observers = [...(cfg.observers ?? []), ...extraObservers];
  cfg.servers.PodA.uri = url;
  cfg.servers.PodA.stats.enabled = false;
  cfg.accounts.params.count = users;
  cfg.arrival = arrival;
  Object.assign(cfg, keys);
  writeFileSync(file, plist.build(cfg));
  return file;
}

/** A clients.plist holding only kind `index` of `source`, weight 1 (e.g. the accelerated mix's "idle" clients). */
export function writeOneKind(file: string, source: string, index: number): string {
  const cl = plist.parse(readFileSync(source, 'utf8')) as { clients: Record<string, unknown>[] };
  writeFileSync(file, plist.build({ clients: [{ ...cl.clients[index]!, weight: 1 }] } as plist.PlistValue));
  return file;
}

/** Labels only a client's start-up sends. */
export const STARTUP_LABELS = ['PROPFIND{well-known}', 'PROPFIND{principal}'];

export interface GeneratorRun {
  child: ChildProcess;
  pid: number;
  /** The time-series records written so far. */
  records(): IntervalRecord[];
  exited: Promise<number | null>;
  /** SIGINT, and wait for the exit (SIGKILL after 60 s). */
  stop(): Promise<number | null>;
  stderr(): string;
}

/**
 * Node flags of the generator processes the benchmarks start: the young
 * generation docs/performance-notes.md recommends for thousands of clients (and its
 * manager gives its workers), or LOADSIM_BENCH_GENERATOR_NODE_ARGS (e.g.
 * "--cpu-prof --cpu-prof-dir=/tmp/p"; "" for node's defaults).
 */
export function generatorNodeArgs(): string[] {
  const given = process.env.LOADSIM_BENCH_GENERATOR_NODE_ARGS;
  return given === undefined ? [YOUNG_GENERATION_FLAG] : given.split(' ').filter(Boolean);
}

export function startGeneratorRun(o: {
  config: string;
  clients: string;
  runtime: number;
  interval: number;
  series: string;
  json?: string;
  seed?: string;
  nodeArgs?: string[];
  /** Each line the generator writes to stdout (default: stdout is dropped). */
  onStdoutLine?: (line: string) => void;
  /** Or: stdout into this file (written synchronously, as to /dev/null when dropped; a pipe costs the generator more). */
  stdoutFile?: string;
  /** More `loadsim run` flags (e.g. `--metrics`). */
  extraArgs?: string[];
}): GeneratorRun {
  const args = [...(o.nodeArgs ?? generatorNodeArgs()), CLI, 'run', '--config', o.config, '--clients', o.clients, '--runtime', String(o.runtime), '--seed', o.seed ?? '10', '--quiet', '--interval', String(o.interval), '--timeseries', o.series, ...(o.json ? ['--json', o.json] : []), ...(o.extraArgs ?? [])];
  const stdoutFd = o.stdoutFile ? openSync(o.stdoutFile, 'w') : undefined;
  const child = spawn(...pinned('generator', process.execPath, args), { stdio: ['ignore', stdoutFd ?? (o.onStdoutLine ? 'pipe' : 'ignore'), 'pipe'] });
  if (stdoutFd !== undefined) closeSync(stdoutFd);
  if (o.onStdoutLine) {
    let partial = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      const lines = (partial + d).split('\n');
      partial = lines.pop()!;
      for (const l of lines) o.onStdoutLine!(l);
    });
  }
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const kill = () => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL');
  process.once('exit', kill);
  return {
    child,
    pid: child.pid!,
    // The last line is left out until its newline is there: the run may be writing it now.
    records: () =>
      existsSync(o.series)
        ? readFileSync(o.series, 'utf8')
            .split('\n')
            .slice(0, -1)
            .filter((l) => l.trim())
            .map((l) => JSON.parse(l) as IntervalRecord)
        : [],
    exited,
    stderr: () => stderr,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      const guard = setTimeout(kill, 60_000);
      const code = await exited;
      clearTimeout(guard);
      process.removeListener('exit', kill);
      return code;
    },
  };
}

/**
 * Wait until `clients` clients are active and an interval has passed with no
 * start-up request in it (every start-up is over), or until `deadline` (epoch ms).
 */
export async function startupsOver(run: GeneratorRun, clients: number, deadline: number): Promise<boolean> {
  while (Date.now() < deadline && run.child.exitCode === null) {
    const last = run.records().at(-1);
    if (last && last.activeClients >= clients && STARTUP_LABELS.every((l) => !last.labels[l]?.count)) return true;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return false;
}

/** The testbed's service times since the last asking (its stats socket's `loadsim_service_times`). */
export function takeServiceTimes(port: number): Promise<LatencyHistogram> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let text = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      text += d;
      const nl = text.indexOf('\n');
      if (nl < 0) return;
      s.destroy();
      try {
        const a = JSON.parse(text.slice(0, nl)) as { loadsim_service_times: { encoded: string } };
        resolve(LatencyHistogram.decode(a.loadsim_service_times.encoded));
      } catch (e) {
        reject(e as Error);
      }
    });
    s.on('error', reject);
    s.write('["loadsim_service_times"]\r\n');
  });
}
