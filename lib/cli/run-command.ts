import path from 'node:path';
import type { LoadsimConfig } from '../config/config-types.js';
import type { ResultDocument } from '../result/result-document.js';
import { overrideServer } from '../config/override-server.js';
import { OutputError, UsageError } from '../core/errors.js';
import { RealClock } from '../core/clock.js';
import { JtlWriter } from '../report/jtl-writer.js';
import { postRunEnvironment, runPostRun } from '../report/post-run.js';
import { writeFileAtomic } from '../report/atomic-write.js';
import { writeResultFiles } from '../report/result-files.js';
import { loadSqlite, parseResultsDbTarget } from '../report/results-db.js';
import { LoadSimulator, type EventSink } from '../simulator/simulator.js';
import { localLaunches, NoWorkerResultError, runManager, type WorkerLaunch } from '../workers/manager.js';
import { printAndWrite } from './report-command.js';
import { startTestbed } from '../testbed/server.js';
import { EXIT } from './exit-codes.js';
import { checkSocketBudget } from '../simulator/socket-budget.js';
import { parseListen, parseOtlpUrl, type ListenAddress } from '../metrics/listen-address.js';
import type { MetricsExport } from '../metrics/metrics-export.js';
import type { MetricsSnapshot } from '../metrics/live-metrics.js';
import type { RunInfo, SourcedSnapshot } from '../metrics/snapshot-producer.js';
import { loadsimVersion } from '../core/version.js';

export interface RunFlags {
  runtime?: string;
  seed?: string;
  server?: string;
  json?: string;
  quiet?: boolean | string;
  /** Seconds per time-series interval. */
  interval?: string;
  timeseries?: string;
  html?: string;
  junit?: string;
  jtl?: string;
  'results-db'?: string;
  'post-run'?: string;
  'worker-index'?: string;
  'worker-count'?: string;
  /** `--workers N|auto`: a manager of N local worker processes. */
  workers?: string;
  insecure?: boolean | string;
  timeout?: string;
  /** `--metrics HOST:PORT`: serve Prometheus /metrics while the run goes. */
  metrics?: string;
  /** `--otlp URL`: push the metrics over OTLP/HTTP. */
  otlp?: string;
}

/** Where this run's live metrics go: the flags, else the config's `metricsListen` / `metricsOTLP`; checked before any traffic. */
export function metricsTargets(config: LoadsimConfig, flags: RunFlags): { listen?: ListenAddress; otlp?: string } {
  let listen = config.results.metricsListen ?? undefined;
  if (flags.metrics !== undefined) {
    listen = parseListen(flags.metrics);
    if (!listen) throw new UsageError(`--metrics: expected HOST:PORT (or PORT, on 127.0.0.1), got "${flags.metrics}"`);
  }
  let otlp = config.results.metricsOTLP ?? undefined;
  if (flags.otlp !== undefined) {
    otlp = parseOtlpUrl(flags.otlp);
    if (!otlp) throw new UsageError(`--otlp: expected the http:// or https:// URL of an OTLP/HTTP metrics endpoint (e.g. http://127.0.0.1:4318/v1/metrics), got "${flags.otlp}"`);
  }
  return { ...(listen ? { listen } : {}), ...(otlp ? { otlp } : {}) };
}

/**
 * Start serving or pushing the live metrics, when asked for; the OpenTelemetry
 * SDK is loaded only then. A port already taken is an output error before any
 * traffic, naming the flag.
 */
export async function startMetrics(targets: { listen?: ListenAddress; otlp?: string }, source: () => SourcedSnapshot[], info: RunInfo, err: (s: string) => void): Promise<MetricsExport | undefined> {
  if (!targets.listen && !targets.otlp) return undefined;
  const { startMetricsExport } = await import('../metrics/metrics-export.js');
  try {
    const exp = await startMetricsExport({ ...(targets.listen ? { listen: targets.listen } : {}), ...(targets.otlp ? { otlp: { url: targets.otlp } } : {}), source, info, warn: (l) => err(`loadsim: ${l}`) });
    if (exp.url) err(`loadsim: metrics on ${exp.url}`);
    if (targets.otlp) err(`loadsim: pushing metrics over OTLP to ${targets.otlp}`);
    return exp;
  } catch (e) {
    throw new OutputError(`--metrics: cannot listen on ${targets.listen?.host}:${targets.listen?.port}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * The worker processes of this run, when it has any: `--workers N|auto`, or
 * the config's `workers` (a count, "auto", or the original's shell command
 * lines). A slice (`--worker-index`) never has workers of its own.
 */
function workerLaunches(config: LoadsimConfig, flags: RunFlags): WorkerLaunch[] | undefined {
  if (flags['worker-index'] !== undefined) return undefined;
  if (flags.workers !== undefined) {
    if (flags.workers === 'auto') return localLaunches('auto');
    const n = Number(flags.workers);
    if (!/^\d+$/.test(flags.workers) || n < 1 || n > 1024) throw new UsageError(`--workers: expected a number of worker processes from 1 to 1024, or auto, got "${flags.workers}"`);
    return localLaunches(n);
  }
  const w = config.workers;
  if (!w) return undefined;
  return w.mode === 'local' ? localLaunches(w.count) : w.commands.map((command) => ({ kind: 'command' as const, command }));
}

/** `loadsim run` as a manager: the workers simulate, this process merges their snapshots and reports. */
async function managerCommand(config: LoadsimConfig, launches: WorkerLaunch[], flags: RunFlags, out: (s: string) => void, err: (s: string) => void, signal: AbortSignal): Promise<number> {
  const { intervalSeconds } = checkResultFlags(flags);
  if (flags['results-db'] !== undefined) await loadSqlite();
  const seed = flags.seed ?? String(Math.floor(Date.now() % 1e9));
  const runtime = flags.runtime !== undefined ? Number(flags.runtime) : undefined;
  // One endpoint for the whole run: each worker's latest snapshot, labelled with its index.
  const latest = new Map<number, MetricsSnapshot>();
  const targets = metricsTargets(config, flags);
  const exporter = await startMetrics(targets, () => [...latest].sort((a, b) => a[0] - b[0]).map(([i, snapshot]) => ({ worker: String(i), snapshot })), { seed, config: path.basename(config.files.config), version: loadsimVersion() }, err);
  err(`loadsim: ${config.arrival.policy?.describe() ?? 'custom arrival'}; seed ${seed}${runtime ? `; ${runtime} s` : '; until Ctrl-C'}; ${launches.length} workers`);
  let doc: ResultDocument;
  try {
    doc = await runManager({
      config,
      launches,
      seed,
      ...(runtime !== undefined ? { runtimeSeconds: runtime } : {}),
      intervalSeconds: intervalSeconds ?? config.results?.intervalSeconds ?? 10,
      ...(flags.server ? { server: flags.server } : {}),
      insecure: flags.insecure === true || flags.insecure === 'true',
      ...(flags.timeout !== undefined ? { timeoutSeconds: Number(flags.timeout) } : {}),
      signal,
      log: err,
      ...(flags.timeseries ? { timeseriesFile: flags.timeseries } : {}),
      ...(flags.jtl ? { jtlFile: flags.jtl } : {}),
      ...(exporter ? { onMetrics: (i: number, s: MetricsSnapshot) => latest.set(i, s) } : {}),
    });
  } catch (e) {
    if (!(e instanceof NoWorkerResultError)) throw e;
    err(`loadsim: *** FAIL: ${e.message}`);
    return EXIT.fail;
  } finally {
    await exporter?.close();
  }
  const files = { json: flags.json, html: flags.html, junit: flags.junit, resultsDb: flags['results-db'], timeseries: flags.timeseries };
  const code = await printAndWrite(doc, files, out, err);
  const postRun = flags['post-run'] ?? config.results?.postRunScript ?? undefined;
  if (postRun) {
    const r = await runPostRun(postRun, postRunEnvironment({ ...files, jtl: flags.jtl }, doc.verdict, code), { out: (l) => err(`post-run: ${l}`) });
    if (r.exitCode !== 0) err(`loadsim: the post-run command ${r.timedOut ? 'timed out' : `exited with ${r.exitCode ?? r.signal}`}: ${postRun}`);
  }
  return code;
}

/** `--worker-index I --worker-count N`: this process simulates the users n with n % N == I. */
function applySlice(config: LoadsimConfig, flags: RunFlags): void {
  const index = flags['worker-index'];
  const count = flags['worker-count'];
  if (index === undefined && count === undefined) return;
  if (index === undefined || count === undefined) throw new UsageError('--worker-index and --worker-count: give both');
  const n = Number(count);
  // A batch system's index (Kubernetes' JOB_COMPLETION_INDEX) arrives as text: check it as such.
  if (!/^\d+$/.test(count) || !(n >= 1 && n <= 100_000)) throw new UsageError(`--worker-count: expected an integer from 1 to 100000, got "${count}"`);
  const i = Number(index);
  if (!/^\d+$/.test(index) || i >= n) throw new UsageError(`--worker-index: expected an integer from 0 to ${n - 1} (below --worker-count), got "${index}"`);
  config.workerID = i;
  config.workerCount = n;
}

/** Check the result flags before any traffic is sent: a typo found after an hour's run loses the hour. */
function checkResultFlags(flags: RunFlags): { intervalSeconds?: number } {
  let intervalSeconds: number | undefined;
  if (flags.interval !== undefined) {
    intervalSeconds = Number(flags.interval);
    if (!(intervalSeconds > 0 && intervalSeconds <= 86_400)) throw new UsageError(`--interval: expected a number of seconds > 0 and ≤ 86400, got "${flags.interval}"`);
  }
  const db = flags['results-db'];
  if (db !== undefined) parseResultsDbTarget(db); // a UsageError naming the flag
  for (const flag of ['json', 'timeseries', 'html', 'junit', 'jtl'] as const) {
    const v = flags[flag];
    if (v !== undefined && (v === '' || v.endsWith('/'))) throw new UsageError(`--${flag}: expected a file path, got "${v}"`);
  }
  return intervalSeconds !== undefined ? { intervalSeconds } : {};
}

/** `loadsim run`: the simulation, its report and its verdict; the exit code is the verdict. */
export async function runCommand(config: LoadsimConfig, flags: RunFlags, out: (s: string) => void, err: (s: string) => void, signal: AbortSignal): Promise<number> {
  if (flags.server) overrideServer(config, flags.server);
  // Said once, before any traffic, naming the switch: an unverified run against a real server is easy to start by
  // copying a test config, and nothing else in the output would show it.
  if (!config.http.tlsVerify) {
    const how = flags.insecure === true || flags.insecure === 'true' ? '--insecure' : 'tlsVerify is false in the config';
    err(`loadsim: warning: TLS certificate verification is OFF (${how}): any server certificate is accepted`);
  }
  applySlice(config, flags);
  const launches = workerLaunches(config, flags);
  // Local workers share this machine's limit, each a slice: check the largest slice before any starts.
  if (launches?.every((l) => l.kind === 'local')) checkSocketBudget(config, launches.length);
  if (launches) return await managerCommand(config, launches, flags, out, err, signal);
  const { intervalSeconds } = checkResultFlags(flags);
  const metrics = metricsTargets(config, flags);
  // The database module is optional: find out now, not after the run.
  if (flags['results-db'] !== undefined) await loadSqlite();
  const live = flags.quiet ? 'off' : process.stderr.isTTY ? 'tty' : 'lines';
  const warn = (l: string) => err(`loadsim: ${l}`);
  const sinks: EventSink[] = [];
  if (flags.jtl) {
    try {
      // With a clock, rows reach the disk within a second even when the run is quiet.
      sinks.push(JtlWriter.open(flags.jtl, { onError: warn, clock: new RealClock() }));
    } catch (e) {
      throw new OutputError(`--jtl: cannot create ${flags.jtl}: ${(e as Error).message}`, { cause: e });
    }
  }
  let sim: LoadSimulator;
  // With --json, the result as it stands is saved at every interval (whole: temporary file and
  // rename), so a run killed outright (SIGKILL, the OOM killer, a power cut) still leaves its
  // results up to the last interval; the final document replaces it at the end.
  let snapshotFailed = false;
  const saveSnapshot = () => {
    if (!flags.json || snapshotFailed) return;
    try {
      writeFileAtomic(flags.json, `${JSON.stringify(sim.snapshot(), null, 2)}\n`);
    } catch (e) {
      snapshotFailed = true;
      warn(`${(e as Error).message}; the run goes on, and the result is written again at the end`);
    }
  };
  try {
    sim = new LoadSimulator({
      config,
      ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
      out,
      live,
      warn,
      sinks,
      onInterval: saveSnapshot,
      liveMetrics: Boolean(metrics.listen || metrics.otlp),
      ...(intervalSeconds !== undefined ? { intervalSeconds } : {}),
      ...(flags.timeseries ? { timeseriesFile: flags.timeseries } : {}),
    });
  } catch (e) {
    for (const s of sinks) await s.close();
    if (flags.timeseries && (e as NodeJS.ErrnoException).code) throw new OutputError(`--timeseries: cannot create ${flags.timeseries}: ${(e as Error).message}`, { cause: e });
    throw e;
  }
  const runtime = flags.runtime !== undefined ? Number(flags.runtime) : undefined;
  let exporter: MetricsExport | undefined;
  try {
    const live = sim.metrics;
    exporter = live && (await startMetrics(metrics, () => [{ snapshot: live.snapshot() }], { seed: sim.random.seed, config: path.basename(config.files.config), version: loadsimVersion() }, err));
  } catch (e) {
    for (const s of sinks) await s.close();
    throw e;
  }
  err(`loadsim: ${config.arrival.policy?.describe() ?? 'custom arrival'}; seed ${sim.random.seed}${runtime ? `; ${runtime} s` : '; until Ctrl-C'}`);
  let result: Awaited<ReturnType<LoadSimulator['run']>>;
  try {
    result = await withUncaughtErrorsStopping(sim, err, () => sim.run({ ...(runtime !== undefined ? { runtimeSeconds: runtime } : {}), signal }));
  } finally {
    // The last push carries the final totals; a scrape after this finds nothing.
    await exporter?.close();
  }
  const files = { json: flags.json, html: flags.html, junit: flags.junit, resultsDb: flags['results-db'], timeseries: flags.timeseries };
  const { written, errors } = await writeResultFiles(result.summary, files);
  for (const w of written) err(`loadsim: wrote ${w}`);
  for (const e of errors) err(`loadsim: ${e}`);
  let code: number = result.exitCode === 0 ? EXIT.ok : EXIT.fail;
  // A result file that could not be written fails the run: CI reading it would otherwise see nothing, or last week's.
  if (errors.length && code === EXIT.ok) code = EXIT.fail;
  const postRun = flags['post-run'] ?? config.results?.postRunScript ?? undefined;
  if (postRun) {
    const env = postRunEnvironment({ ...files, jtl: flags.jtl }, result.summary.verdict, code);
    const r = await runPostRun(postRun, env, { out: (l) => err(`post-run: ${l}`) });
    if (r.timedOut) err(`loadsim: the post-run command timed out and was stopped: ${postRun}`);
    else if (r.exitCode !== 0) err(`loadsim: the post-run command exited with ${r.exitCode ?? r.signal}: ${postRun}`);
  }
  return code;
}

/**
 * `loadsim demo`: the embedded testbed in this process, our default
 * config/config.plist and clients.plist pointed at it, for `runtime` seconds.
 */
export async function demoCommand(config: LoadsimConfig, runtimeSeconds: number, out: (s: string) => void, err: (s: string) => void, signal: AbortSignal, flags: RunFlags = {}): Promise<number> {
  const tb = await startTestbed({ port: 0, statsPort: 0, users: Math.max(20, config.accounts.records.length) });
  try {
    for (const pod of config.servers) {
      if (!pod.enabled) continue;
      pod.uri = tb.url;
      if (pod.stats) pod.stats.port = tb.statsPort!;
    }
    err(`loadsim demo: testbed on ${tb.url}, running the default simulation for ${runtimeSeconds} s (Ctrl-C stops early and still reports)`);
    return await runCommand(config, { seed: 'demo', ...flags, runtime: String(runtimeSeconds) }, out, err, signal);
  } finally {
    await tb.close();
  }
}

/**
 * While a run goes, an error nothing caught (a user's module throwing in a
 * timer, or a bug of ours) would kill the process and lose the whole run.
 * Instead it is an overall failure with its message, and the run stops
 * there: its report and files cover everything up to that moment. A process
 * whose code just threw outside any handler is not trusted to go on.
 */
export async function withUncaughtErrorsStopping<T>(sim: LoadSimulator, err: (s: string) => void, run: () => Promise<T>): Promise<T> {
  const onError = (e: unknown) => {
    const message = e instanceof Error ? e.message : String(e);
    err(`loadsim: an uncaught error stops the run: ${message}${process.argv.includes('--debug') && e instanceof Error && e.stack ? `\n${e.stack}` : ''}`);
    sim.emit({ type: 'sim-failure', reason: `uncaught error: ${message}`, at: sim.clock.now() });
    sim.stop('uncaught error');
  };
  process.on('uncaughtException', onError).on('unhandledRejection', onError);
  try {
    return await run();
  } finally {
    process.off('uncaughtException', onError).off('unhandledRejection', onError);
  }
}
