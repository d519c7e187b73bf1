import { mkdirSync, rmSync } from 'node:fs';
import { RealClock, type Clock, type Timer } from '../core/clock.js';
import type { LoadsimConfig } from '../config/config-types.js';
import type { SimEvent } from '../core/events.js';
import type { EventReader } from '../core/event-reader.js';
import type { Observer, ReportContext } from '../registry/observer.js';
import { Random } from '../core/random.js';
import type { ObserverDefinition } from '../registry/definitions.js';
import { EventBus } from './event-bus.js';
import { Population } from './population.js';
import { checkSocketBudget, sliceSize } from './socket-budget.js';
import { RequestTracker } from './request-tracker.js';
import { readServerStats } from './server-stats-reader.js';
import { startWebAdmin, type WebAdmin } from '../webadmin/webadmin.js';
import { LiveStatus, type LiveMode } from './live-status.js';
import type { SimExpiredEvent } from '../core/events.js';
import { buildResult } from '../result/build-result.js';
import { resultTablesOf } from '../observers/result-tables.js';
import { LiveMetrics } from '../metrics/live-metrics.js';
import { IntervalRecorder, type IntervalHistograms } from '../report/interval-recorder.js';
import type { IntervalRecord, ResultDocument } from '../result/result-document.js';
import { renderTextReport } from '../report/text-report.js';
import { RequestAccounting, accountingProblems } from '../result/request-accounting.js';

export interface SimulatorOptions {
  config: LoadsimConfig;
  clock?: Clock;
  /** The root seed; a random one is made (and reported) when absent. */
  seed?: string;
  /** Report and live output. */
  out?: (line: string) => void;
  /** Replaces the URI of every enabled pod (`--server`). */
  serverOverride?: string;
  /** How long in-flight requests may finish after the stop, ms. */
  graceMs?: number;
  /** The live status line: redrawn on a TTY, a line every 10 s otherwise, or off (default). */
  live?: LiveMode;
  /** Where the live status goes (standard error by default). */
  liveWrite?: (s: string) => void;
  /** Seconds per time-series interval (default: the config's `reportInterval`, 10). */
  intervalSeconds?: number;
  /** `--timeseries FILE.ndjson`: interval records appended as they close. */
  timeseriesFile?: string;
  /**
   * Keep live metrics (`sim.metrics`) for `--metrics` / `--otlp`: counters and
   * histograms per label, bucketed by the ReportStatistics' and OperationLogger's
   * threshold limits. Off by default: a run nobody watches pays nothing for them.
   */
  liveMetrics?: boolean;
  /** More readers of the event stream that write as the run goes (`--jtl`); closed after the report. */
  sinks?: EventSink[];
  /** Called after each interval closed (a worker sends its snapshot then). */
  onInterval?: () => void;
  /** Each interval record as it closes, the last partial one included, with its histograms (a worker relays them). */
  onIntervalRecord?: (record: IntervalRecord, histograms: IntervalHistograms) => void;
  /** The process's CPU usage (`process.cpuUsage` by default; tests give fixed figures). */
  cpuUsage?: (previous?: NodeJS.CpuUsage) => NodeJS.CpuUsage;
  /** Problems that do not stop the run (a results file that cannot be written); standard error by default. */
  warn?: (line: string) => void;
}

/** Something that reads every event and has files to close at the end. */
export interface EventSink extends EventReader {
  observe(event: SimEvent): void;
  close(): Promise<void> | void;
}

export interface RunOptions {
  /** Stop after this many seconds; absent = until `stop()` or the signal. */
  runtimeSeconds?: number;
  signal?: AbortSignal;
}

export interface RunResult {
  /** The result document (what `--json` writes; `loadsim report` and `compare` read it back). */
  summary: ResultDocument;
  /** The text report as printed. */
  report: string;
  pass: boolean;
  /** 0 PASS, 1 FAIL. */
  exitCode: 0 | 1;
  reasons: string[];
  /** Why the run ended: `runtime`, `stopped`, `interrupted`. */
  endedBy: string;
  seed: string;
}

/**
 * A load simulation: observers first, then the arrival policy adds users
 * over time; clients and profiles run until the runtime expires, `stop()` is
 * called (web admin), or the signal aborts (Ctrl-C). Then: server stats,
 * a grace period for requests in flight, the reports and the verdict.
 */
export class LoadSimulator {
  readonly config: LoadsimConfig;
  readonly clock: Clock;
  readonly random: Random;
  readonly bus = new EventBus();
  readonly tracker = new RequestTracker();
  readonly population: Population;
  readonly observers: Observer[] = [];
  /** Everything that reads the events, in order: one interface, one subscription. */
  private readonly readers: EventReader[] = [];
  private readonly serverStats: SimExpiredEvent[] = [];
  private readonly eventCounts = { requests: 0, responses: 0, exchanges: 0 };
  /** Every request started, by how it ended, per label: the books that must balance. */
  readonly accounting = new RequestAccounting();
  /** Live status; also the run's scheduling-lag histogram. */
  readonly live: LiveStatus;
  private readonly out: (line: string) => void;
  private stopRequested: ((why: string) => void) | undefined;
  private ended = false;
  private arrivalTimer: Timer | undefined;
  private intervalTimer: Timer | undefined;
  /** The time series: one record per interval, overall and per label. */
  readonly intervals: IntervalRecorder;
  /** Live metrics for an exporter (`liveMetrics`), else undefined. */
  readonly metrics: LiveMetrics | undefined;
  readonly intervalSeconds: number;

  constructor(private readonly o: SimulatorOptions) {
    this.config = o.config;
    this.clock = o.clock ?? new RealClock();
    this.random = Random.create(o.seed);
    this.out = o.out ?? ((l) => process.stdout.write(`${l}\n`));
    this.intervalSeconds = o.intervalSeconds ?? o.config.results?.intervalSeconds ?? 10;
    const warn = o.warn ?? ((l: string) => process.stderr.write(`loadsim: ${l}\n`));
    this.intervals = new IntervalRecorder({ intervalSeconds: this.intervalSeconds, ...(o.timeseriesFile ? { file: o.timeseriesFile } : {}), onError: warn, ...(o.onIntervalRecord ? { onClose: o.onIntervalRecord } : {}) });
    const policy = o.config.arrival.policy;
    this.live = new LiveStatus({
      mode: o.live ?? 'off',
      everySeconds: this.intervalSeconds,
      write: o.liveWrite ?? ((t) => process.stderr.write(t)),
      clock: this.clock,
      // A slice simulates the users n with n % workerCount == workerID of all the arrivals.
      ...(policy ? { totalClients: sliceSize(policy.totalUsers, o.config.workerID ?? 0, o.config.workerCount ?? 1) * policy.clientsPerUser } : {}),
    });
    // The run's own readers first, then the result writers; the observers follow as they are made.
    this.readers.push(this.live, this.intervals, this.accounting, ...(o.sinks ?? []), {
      observe: (e) => {
        if (e.type === 'sim-expired') this.serverStats.push(e);
        else if (e.type === 'request') this.eventCounts.requests++;
        else if (e.type === 'response') {
          this.eventCounts.responses++;
          this.eventCounts.exchanges += e.exchanges ?? 1;
        }
      },
    });
    const readers = this.readers;
    this.bus.events$.subscribe((e) => {
      for (const r of readers) r.observe(e);
    });
    // Before anything is sent: a population whose sockets do not fit in the open-file limit is refused.
    checkSocketBudget(o.config);
    this.population = new Population({
      config: o.config,
      clock: this.clock,
      random: this.random,
      emit: this.emit,
      ...(o.serverOverride ? { serverOverride: o.serverOverride } : {}),
      ...(o.config.startupRetry ? { startupRetry: o.config.startupRetry } : {}),
    });
    // Saved client data not to be reused is cleared before anything starts (master's UseOldData false).
    const cds = o.config.clientDataSerialization;
    if (cds) {
      if (!cds.reuseOldData) rmSync(cds.path, { recursive: true, force: true });
      mkdirSync(cds.path, { recursive: true });
    }
    for (const c of o.config.observers) {
      const def: ObserverDefinition = c.plugin.definition;
      const observer = def.create(c.params, { clock: this.clock, out: this.out });
      this.observers.push(observer);
      this.readers.push(observer);
    }
    if (o.liveMetrics) {
      const { requests, operations } = resultTablesOf(this.observers);
      this.metrics = new LiveMetrics({ now: () => this.clock.now(), requestBoundaries: requests.thresholds.limits, operationBoundaries: operations.thresholds.limits });
      this.readers.push(this.metrics);
    }
  }

  /** Clients emit here: tracked at once, delivered to observers later. After the end, late answers are dropped (they were counted as interrupted). */
  readonly emit = (e: SimEvent): void => {
    if (this.ended && (e.type === 'request' || e.type === 'response')) return;
    this.tracker.observe(e);
    this.bus.emit(e);
  };

  /** Ask the run to end now (web admin Stop). */
  stop(why = 'stopped'): void {
    this.stopRequested?.(why);
  }

  async run(options: RunOptions = {}): Promise<RunResult> {
    const startedAt = this.clock.now();
    const t0 = this.clock.monotonic();
    const cpuUsage = this.o.cpuUsage ?? ((p?: NodeJS.CpuUsage) => process.cpuUsage(p));
    const cpu0 = cpuUsage();
    const endedBy = new Promise<string>((resolve) => (this.stopRequested = resolve));
    let runtimeTimer: Timer | undefined;
    if (options.runtimeSeconds !== undefined) runtimeTimer = this.clock.setTimer(options.runtimeSeconds * 1000, () => this.stop('runtime'));
    const onAbort = () => this.stop('interrupted');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) this.stop('interrupted');

    // Rounded to the millisecond here, as the result document keeps them, so
    // the report printed now and the one re-rendered from the saved result
    // agree to the last digit (rounding twice can differ: 1.0349 → 1.035 → "1.04").
    const ms = (x: number) => Math.round(x) / 1000;
    const cpuAt = () => {
      const c = cpuUsage(cpu0);
      return { user: ms(c.user / 1000), system: ms(c.system / 1000) };
    };
    const context = (this.context = (): ReportContext => ({
      startedAt,
      runSeconds: ms(this.clock.monotonic() - t0),
      cpu: cpuAt(),
      users: this.population.simulatedUsers,
      clients: this.population.members.length,
      seed: this.random.seed,
    }));
    let finalReport: string | undefined;
    let admin: WebAdmin | undefined;
    if (this.config.webadmin.enabled) {
      admin = await startWebAdmin({
        port: this.config.webadmin.port,
        report: () => this.renderReport(context()).text,
        stop: () => this.stop('stopped from the web admin'),
        finalReport: () => finalReport,
      });
      this.out(`loadsim: web admin on ${admin.url}`);
    }

    this.metrics?.begin(startedAt);
    this.scheduleArrivals(t0);
    this.scheduleIntervals(t0, startedAt);
    this.live.start(options.runtimeSeconds);
    const why = await endedBy;
    this.live.stop();
    runtimeTimer?.cancel();
    options.signal?.removeEventListener('abort', onAbort);

    // The server's view of the last five minutes, before anything winds down.
    await this.readServerStats();
    this.arrivalTimer?.cancel();
    this.population.stop();
    await this.grace();
    this.ended = true;
    for (const r of this.tracker.interrupt(this.clock.now())) this.bus.emit(r);
    this.checkAccounting();
    this.bus.complete();
    this.intervalTimer?.cancel();
    // The last, partial interval holds what arrived since the last boundary, the grace period and the interrupted requests.
    const lastEnd = this.lastIntervalEnd ?? startedAt;
    const now = this.clock.now();
    if (this.intervals.pending > 0 || now - lastEnd >= 1000) {
      this.intervals.close({ start: lastEnd, end: now, elapsed: (this.clock.monotonic() - t0) / 1000, activeClients: this.population.members.length, inFlight: 0, cachedBytes: this.population.cachedDataBytes() });
    }
    this.intervals.finish();
    this.metrics?.end();

    const ctx = context();
    const { text, reasons } = this.renderReport(ctx);
    finalReport = text;
    this.out(text);
    const summary = this.result(ctx, reasons, why);
    for (const obs of this.observers) await obs.close?.();
    for (const sink of this.o.sinks ?? []) await sink.close();
    await this.population.close();
    await admin?.close();
    return { pass: reasons.length === 0, exitCode: reasons.length ? 1 : 0, reasons, endedBy: why, seed: this.random.seed, summary, report: text };
  }

  private context: (() => ReportContext) | undefined;

  /**
   * The books must balance once every request has ended (request-accounting.ts).
   * A request lost or counted twice is loadsim's bug, not the server's: the
   * run says so as an overall failure, which fails it, rather than print
   * numbers that do not add up. (Dropped events leave holes the run already
   * fails for.)
   */
  private checkAccounting(): void {
    this.bus.flush();
    if (this.bus.dropped) return;
    // The first observer that tabulates requests (ReportStatistics) is checked against the books.
    const tabulating = this.observers.find((o) => o.requestCounts);
    const requests = tabulating?.requestCounts?.();
    const problems = accountingProblems({ accounting: { requests: this.accounting.table() }, events: this.eventCounts, ...(requests ? { requests } : {}) });
    if (problems.length) {
      this.bus.emit({ type: 'sim-failure', reason: `loadsim's request accounting does not balance (a loadsim bug; please report it): ${problems.slice(0, 3).join('; ')}`, at: this.clock.now() });
    }
  }

  /**
   * The result document as things stand, while the run goes on: what a
   * worker sends its manager every interval, so that a worker that dies
   * later loses nothing already sent.
   */
  snapshot(): ResultDocument {
    if (!this.context) throw new Error('snapshot(): the run has not started');
    this.bus.flush();
    const ctx = this.context();
    const reasons = this.observers.flatMap((o) => {
      try {
        return o.failures();
      } catch (e) {
        return [`an observer failed to judge: ${(e as Error).message}`];
      }
    });
    return this.result(ctx, reasons, 'running');
  }

  private result(ctx: ReportContext, reasons: string[], endedBy: string): ResultDocument {
    return buildResult({
      ...resultTablesOf(this.observers),
      reasons,
      endedBy,
      ctx,
      run: {
        config: this.config.files.config,
        clients: this.config.files.clients ?? '',
        servers: this.config.servers.filter((p) => p.enabled).map((p) => this.o.serverOverride ?? p.uri),
      },
      intervalSeconds: this.intervalSeconds,
      events: { ...this.eventCounts, dropped: this.bus.dropped },
      accounting: this.accounting.table(),
      lag: this.live.lag,
      intervals: this.intervals.rows,
      savedIntervals: this.intervals.saved,
      serverStats: this.serverStats,
      ...(this.config.workerCount > 1 ? { worker: { index: this.config.workerID, count: this.config.workerCount } } : {}),
    });
  }

  /** Every observer's report in config order, the interval details, the lag, then the verdict with every reason. */
  renderReport(ctx: ReportContext): { text: string; reasons: string[] } {
    return renderTextReport({ observers: this.observers, ctx, lag: this.live.lag, intervals: this.intervals.rows, intervalSeconds: this.intervalSeconds, dropped: this.bus.dropped });
  }

  private lastIntervalEnd: number | undefined;

  /**
   * Close an interval every `intervalSeconds`, on the run's own schedule
   * (boundaries at t0 + k·S, so a late timer does not shift the ones after).
   * Queued events are delivered first: everything emitted before the
   * boundary lands in the interval that ends there.
   */
  private scheduleIntervals(t0: number, startedAt: number): void {
    const every = this.intervalSeconds * 1000;
    let k = 1;
    this.lastIntervalEnd = startedAt;
    const arm = () => {
      const delay = Math.max(0, t0 + k * every - this.clock.monotonic());
      this.intervalTimer = this.clock.setTimer(delay, () => {
        this.bus.flush();
        const end = startedAt + k * every;
        this.intervals.close({ start: this.lastIntervalEnd!, end, elapsed: (k * every) / 1000, activeClients: this.population.members.length, inFlight: this.tracker.inFlight, cachedBytes: this.population.cachedDataBytes() });
        this.lastIntervalEnd = end;
        this.o.onInterval?.();
        k++;
        arm();
      });
    };
    arm();
  }

  /** Walk the arrival schedule with the clock, one timer at a time. */
  private scheduleArrivals(t0: number): void {
    const policy = this.config.arrival.policy;
    if (!policy) return;
    const it = policy.arrivals(this.random.derive('arrival'))[Symbol.iterator]();
    const next = () => {
      const a = it.next();
      if (a.done) return;
      const delay = Math.max(0, t0 + a.value.at * 1000 - this.clock.monotonic());
      this.arrivalTimer = this.clock.setTimer(delay, () => {
        this.population.add(a.value.users, policy.clientsPerUser);
        next();
      });
    };
    next();
  }

  private async readServerStats(): Promise<void> {
    for (const pod of this.config.servers) {
      if (!pod.enabled || !pod.stats?.enabled) continue;
      const host = new URL(this.o.serverOverride ?? pod.uri).hostname;
      const r = await readServerStats(host, pod.stats.port);
      const at = this.clock.now();
      if ('error' in r) this.bus.emit({ type: 'sim-expired', podID: pod.id, requestsPerSecond: NaN, responseMs: NaN, slots: NaN, cpuPercent: NaN, note: r.error, at });
      else this.bus.emit({ type: 'sim-expired', podID: pod.id, ...r, at });
    }
  }

  /**
   * Wait for requests in flight to finish, up to the grace period. Real time,
   * even under a virtual clock: what is awaited is real I/O.
   */
  private async grace(): Promise<void> {
    const real = new RealClock();
    const until = real.monotonic() + (this.o.graceMs ?? 5000);
    while (this.tracker.inFlight > 0 && real.monotonic() < until) await new Promise<void>((r) => real.setTimer(10, () => r()));
  }
}

/** How many of the users 0 … total−1 are n with n % count == index. */

