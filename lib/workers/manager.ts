import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { RealClock, type Clock } from '../core/clock.js';
import type { LoadsimConfig } from '../config/config-types.js';
import type { ResultDocument } from '../result/result-document.js';
import type { MetricsSnapshot } from '../metrics/live-metrics.js';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { IntervalMerger } from '../report/interval-merger.js';
import { reportText } from '../report/text-report.js';
import { startWebAdmin, type WebAdmin } from '../webadmin/webadmin.js';
import { mergeResults } from '../result/merge-results.js';
import { workerNodeArgs } from './worker-node-args.js';
import { lineReader, PROTOCOL_VERSION, type FromWorker, type StartMessage } from './protocol.js';

/** Every worker died (or could not start) before sending anything: there is nothing to report. */
export class NoWorkerResultError extends Error {}

/** How a worker process is started: `loadsim worker` here, or a shell command line (ssh, ip netns exec, …). */
export type WorkerLaunch = { kind: 'local' } | { kind: 'command'; command: string };

export interface ManagerOptions {
  config: LoadsimConfig;
  launches: WorkerLaunch[];
  seed: string;
  runtimeSeconds?: number;
  intervalSeconds: number;
  server?: string;
  insecure?: boolean;
  timeoutSeconds?: number;
  /** Ctrl-C: every worker is told to stop. */
  signal: AbortSignal;
  log: (line: string) => void;
  clock?: Clock;
  /** How long after the stop a worker may take to send its final snapshot before SIGTERM (then SIGKILL 30 s later), ms. */
  graceMs?: number;
  /** How long before the common start the workers get to load their config, ms (default 3000). */
  startDelayMs?: number;
  /** `--timeseries`: the merged intervals, written as every worker's arrive. */
  timeseriesFile?: string;
  /** `--jtl`: each worker writes FILE.<index>; local ones are joined into FILE at the end. */
  jtlFile?: string;
  /** `--metrics` / `--otlp`: each worker's live metrics as they arrive (every second), by worker index. */
  onMetrics?: (workerIndex: number, snapshot: MetricsSnapshot) => void;
}

/** One worker as the manager sees it. */
interface WorkerState {
  index: number;
  describe: string;
  /** Started as a process group (a command line): signals go to the whole group. */
  group: boolean;
  child: ChildProcess;
  pid: number | undefined;
  last: ResultDocument | undefined;
  final: boolean;
  error: string | undefined;
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exit?: { code: number | null; signal: NodeJS.Signals | null };
}

const MAIN = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const STDERR_LINES = 10;

/** `--workers N` / `workers: auto` → that many local launches. */
export function localLaunches(count: number | 'auto'): WorkerLaunch[] {
  const n = count === 'auto' ? Math.max(1, os.availableParallelism()) : count;
  return Array.from({ length: n }, () => ({ kind: 'local' as const }));
}

/**
 * The manager of a multi-process run: it starts the workers, sends each the
 * config and clients texts and the accounts (passwords of its own users
 * only), its slice (workerIndex of workerCount), the seed and a common
 * start time; keeps each worker's latest snapshot; relays a stop; and at the
 * end merges the snapshots (merge-results.ts), so the report, time series and
 * verdict are those of one process over the same requests. It simulates
 * nothing itself.
 *
 * A worker that dies is reported (which, its exit, its last stderr lines);
 * what it had sent is kept; its users count as failed clients and the run
 * FAILs, while the other workers carry on to the end.
 */
export async function runManager(o: ManagerOptions): Promise<ResultDocument> {
  const clock = o.clock ?? new RealClock();
  const count = o.launches.length;
  const startAt = clock.now() + (o.startDelayMs ?? 3000);
  // The files as loaded here; a worker on another host loads these texts, not its own copies.
  const texts = {
    config: { path: o.config.files.config, text: readFileSync(o.config.files.config, 'utf8') },
    clients: o.config.files.clients ? { path: o.config.files.clients, text: readFileSync(o.config.files.clients, 'utf8') } : null,
  };
  const series = o.timeseriesFile ? new IntervalMerger(o.timeseriesFile, count, (m) => o.log(`loadsim: ${m}`)) : undefined;
  const workers: WorkerState[] = o.launches.map((launch, index) => {
    const child =
      launch.kind === 'local'
        ? spawn(process.execPath, [...workerNodeArgs(), MAIN, 'worker'], { stdio: ['pipe', 'pipe', 'pipe'] })
        : // Its own process group: a command line without `exec` leaves /bin/sh as the
          // child, and SIGTERM to the shell alone would not reach ssh or the worker.
          spawn('/bin/sh', ['-c', launch.command], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const w: WorkerState = {
      index,
      group: launch.kind === 'command',
      describe: launch.kind === 'local' ? `worker ${index}` : `worker ${index} (${launch.command})`,
      child,
      pid: child.pid,
      last: undefined,
      final: false,
      error: undefined,
      stderr: [],
      exited: new Promise((resolve) =>
        child.on('exit', (code, signal) => {
          series?.ended(index);
          resolve((w.exit = { code, signal }));
        }),
      ),
    };
    child.on('error', (e) => (w.error ??= `could not be started: ${e.message}`));
    child.stdout!.setEncoding('utf8').on(
      'data',
      lineReader((text) => {
        let m: FromWorker;
        try {
          m = JSON.parse(text) as FromWorker;
        } catch {
          w.stderr.push(`(not protocol) ${text.slice(0, 200)}`);
          return;
        }
        if (m.type === 'snapshot') {
          w.last = m.doc;
          w.final ||= m.final;
          if (m.final) series?.ended(index);
        } else if (m.type === 'interval') series?.add(index, m.record, m.histograms);
        else if (m.type === 'metrics') o.onMetrics?.(index, m.snapshot);
        else if (m.type === 'error') w.error = m.message;
        else if (m.type === 'ready') o.log(`loadsim: ${w.describe} ready, pid ${m.pid}`);
      }),
    );
    child.stderr!.setEncoding('utf8').on(
      'data',
      lineReader((text) => {
        w.stderr.push(text);
        if (w.stderr.length > STDERR_LINES) w.stderr.shift();
      }),
    );
    // A worker gone before reading its start message must not crash the manager with EPIPE.
    child.stdin!.on('error', () => {});
    const start: StartMessage = {
      type: 'start',
      protocol: PROTOCOL_VERSION,
      config: texts.config,
      clients: texts.clients,
      // Passwords only for the users this worker simulates.
      accounts: o.config.accounts.records.map((r, n) => [r.uid, n % count === index ? r.password : '', r.commonName, r.email, r.guid, r.podID]),
      workerIndex: index,
      workerCount: count,
      seed: o.seed,
      startAt,
      runtimeSeconds: o.runtimeSeconds ?? null,
      intervalSeconds: o.intervalSeconds,
      server: o.server ?? null,
      insecure: o.insecure ?? false,
      timeoutSeconds: o.timeoutSeconds ?? null,
      jtl: o.jtlFile ? path.resolve(o.jtlFile) : null,
      ...(o.onMetrics ? { metrics: true } : {}),
      generation: o.config.generation,
    };
    child.stdin!.write(`${JSON.stringify(start)}\n`);
    return w;
  });
  o.log(`loadsim: ${count} workers started (pids ${workers.map((w) => w.pid).join(', ')}); common start in ${Math.round((startAt - clock.now()) / 1000)} s`);

  // Stop: told to every worker; after the grace period SIGTERM, 30 s later SIGKILL (as the original did).
  const send = (w: WorkerState, line: object) => {
    if (w.exit || !w.child.stdin!.writable) return;
    w.child.stdin!.write(`${JSON.stringify(line)}\n`);
  };
  const signal = (w: WorkerState, sig: NodeJS.Signals) => {
    try {
      if (w.group && w.pid) process.kill(-w.pid, sig);
      else w.child.kill(sig);
    } catch {
      w.child.kill(sig); // the group is gone already
    }
  };
  let stopping = false;
  let kill: { cancel(): void } | undefined;
  const timers: { cancel(): void }[] = [];
  const stopAll = (reason: string) => {
    if (stopping) return;
    stopping = true;
    for (const w of workers) send(w, { type: 'stop', reason });
    const term = clock.setTimer(o.graceMs ?? 15_000, () => {
      for (const w of workers) if (!w.exit) signal(w, 'SIGTERM');
      kill = clock.setTimer(30_000, () => {
        for (const w of workers) if (!w.exit) signal(w, 'SIGKILL');
      });
    });
    timers.push(term);
  };
  // The web admin (webadmin.enabled): the merged report of the latest snapshots, and Stop for every worker.
  let finalReport: string | undefined;
  let admin: WebAdmin | undefined;
  if (o.config.webadmin.enabled) {
    admin = await startWebAdmin({
      port: o.config.webadmin.port,
      report: () => {
        const inputs = workers.filter((w) => w.last).map((w) => ({ file: w.describe, doc: w.last! }));
        if (inputs.length === 0) return 'No snapshot from the workers yet: they send one every interval.';
        try {
          return reportText(mergeResults(inputs));
        } catch (e) {
          return `The workers' snapshots cannot be merged: ${(e as Error).message}`;
        }
      },
      stop: () => stopAll('stopped from the web admin'),
      finalReport: () => finalReport,
    });
    o.log(`loadsim: web admin on ${admin.url}`);
  }
  const onAbort = () => stopAll('interrupted');
  o.signal.addEventListener('abort', onAbort, { once: true });
  // The runtime is the workers' own; this only bounds a worker that does not end by itself.
  if (o.runtimeSeconds !== undefined) timers.push(clock.setTimer(startAt - clock.now() + o.runtimeSeconds * 1000 + 10_000, () => stopAll('runtime')));

  await Promise.all(workers.map((w) => w.exited));
  o.signal.removeEventListener('abort', onAbort);
  for (const t of timers) t.cancel();
  kill?.cancel();
  series?.finish();
  if (o.jtlFile) joinJtlParts(path.resolve(o.jtlFile), count, o.log);

  // What every worker sent, merged; the dead ones named.
  const reasons: string[] = [];
  const lostClients: Record<string, number> = {};
  for (const w of workers) {
    const ok = w.final && w.exit?.code === 0;
    if (ok) continue;
    const how = w.error ?? (w.exit?.signal ? `was killed by ${w.exit.signal}` : `exited with code ${w.exit?.code}`);
    const tail = w.stderr.length ? `; its last stderr: ${w.stderr.slice(-3).join(' | ')}` : '';
    reasons.push(`${w.describe}, pid ${w.pid}, ${w.final ? 'ended badly' : 'died before the end'}: ${how}${tail}`);
    const clients = w.last?.clients ?? 0;
    lostClients[`${w.describe} died: its clients stopped`] = Math.max(1, clients);
  }
  const inputs = workers.filter((w) => w.last).map((w) => ({ file: w.describe, doc: w.last! }));
  if (inputs.length === 0) {
    await admin?.close();
    throw new NoWorkerResultError(`no worker sent a result: ${reasons.join('; ')}`);
  }
  const doc = mergeResults(inputs);
  if (reasons.length) {
    for (const [reason, n] of Object.entries(lostClients)) doc.clientFailures[reason] = (doc.clientFailures[reason] ?? 0) + n;
    doc.reasons.push(...reasons, `Client failures: ${Object.values(lostClients).reduce((a, b) => a + b, 0)} clients of dead workers`);
    doc.verdict = 'FAIL';
  }
  doc.endedBy = o.signal.aborted ? 'interrupted' : doc.endedBy;
  finalReport = reportText(doc);
  await admin?.close();
  return doc;
}

/**
 * The workers' JTL parts (FILE.0, FILE.1, …) joined into FILE with one
 * header line. Parts written on other hosts are not here: those stay where
 * their worker ran, and the log says which are missing.
 */
function joinJtlParts(file: string, count: number, log: (line: string) => void): void {
  const fd = openSync(file, 'w');
  const missing: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const part = `${file}.${i}`;
      if (!existsSync(part)) {
        missing.push(i);
        continue;
      }
      const text = readFileSync(part, 'utf8');
      // Every part starts with the header; keep the first one only.
      const body = i === 0 || missing.length === i ? text : text.slice(text.indexOf('\n') + 1);
      writeSync(fd, body);
      rmSync(part);
    }
  } finally {
    closeSync(fd);
  }
  if (missing.length) log(`loadsim: --jtl: no part from worker ${missing.join(', ')} on this host (a remote worker keeps FILE.<index> where it ran)`);
}
