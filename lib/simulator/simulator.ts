import { mkdirSync, rmSync } from 'node:fs';
import { RealClock, type Clock, type Timer } from '../clock.js';
import type { LoadsimConfig } from '../config/config-types.js';
import type { SimEvent } from '../events.js';
import type { Observer, ReportContext } from '../observers/observer.js';
import { Random } from '../random.js';
import type { ObserverDefinition } from '../registry/definitions.js';
import { unimplementedPlugins } from '../registry/implemented.js';
import { EventBus } from './event-bus.js';
import { Population } from './population.js';
import { RequestTracker } from './request-tracker.js';
import { readServerStats } from './server-stats-reader.js';
import { startWebAdmin, type WebAdmin } from '../webadmin/webadmin.js';
import { LiveStatus, type LiveMode } from './live-status.js';
import { runSummary, type RunSummary } from '../report/json-summary.js';
import type { SimExpiredEvent } from '../events.js';

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
}

export interface RunOptions {
  /** Stop after this many seconds; absent = until `stop()` or the signal. */
  runtimeSeconds?: number;
  signal?: AbortSignal;
}

export interface RunResult {
  /** The machine-readable summary (what `--json` writes). */
  summary: RunSummary;
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
  private readonly serverStats: SimExpiredEvent[] = [];
  private readonly eventCounts = { requests: 0, responses: 0 };
  /** Live status; also the run's scheduling-lag histogram. */
  readonly live: LiveStatus;
  private readonly out: (line: string) => void;
  private stopRequested: ((why: string) => void) | undefined;
  private ended = false;
  private arrivalTimer: Timer | undefined;

  constructor(private readonly o: SimulatorOptions) {
    this.config = o.config;
    this.clock = o.clock ?? new RealClock();
    this.random = Random.create(o.seed);
    this.out = o.out ?? ((l) => process.stdout.write(`${l}\n`));
    this.live = new LiveStatus({ mode: o.live ?? 'off', everySeconds: 10, write: o.liveWrite ?? ((t) => process.stderr.write(t)), clock: this.clock });
    this.bus.events$.subscribe((e) => {
      this.live.observe(e);
      if (e.type === 'sim-expired') this.serverStats.push(e);
      else if (e.type === 'request') this.eventCounts.requests++;
      else if (e.type === 'response') this.eventCounts.responses++;
    });
    this.population = new Population({ config: o.config, clock: this.clock, random: this.random, emit: this.emit, ...(o.serverOverride ? { serverOverride: o.serverOverride } : {}) });
    // Saved client data not to be reused is cleared before anything starts (master's UseOldData false).
    const cds = o.config.clientDataSerialization;
    if (cds) {
      if (!cds.reuseOldData) rmSync(cds.path, { recursive: true, force: true });
      mkdirSync(cds.path, { recursive: true });
    }
    const unimplemented = unimplementedPlugins(o.config);
    if (unimplemented.length) throw unimplemented[0];
    for (const c of o.config.observers) {
      if (c.plugin.source !== 'builtin') throw new Error(`observer ${c.plugin.written}: only built-in observers can run`);
      const def: ObserverDefinition & { create?: (v: typeof c.params, ctx: { clock: Clock; out: (l: string) => void }) => Observer } = c.plugin.definition;
      if (!def.create) throw new Error(`observer ${def.name} cannot be made`);
      const observer = def.create(c.params, { clock: this.clock, out: this.out });
      this.observers.push(observer);
      this.bus.events$.subscribe((e) => observer.observe(e));
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
    const cpu0 = process.cpuUsage();
    const endedBy = new Promise<string>((resolve) => (this.stopRequested = resolve));
    let runtimeTimer: Timer | undefined;
    if (options.runtimeSeconds !== undefined) runtimeTimer = this.clock.setTimer(options.runtimeSeconds * 1000, () => this.stop('runtime'));
    const onAbort = () => this.stop('interrupted');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) this.stop('interrupted');

    const cpuAt = () => {
      const c = process.cpuUsage(cpu0);
      return { user: c.user / 1e6, system: c.system / 1e6 };
    };
    const context = (): ReportContext => ({
      startedAt,
      runSeconds: (this.clock.monotonic() - t0) / 1000,
      cpu: cpuAt(),
      users: this.population.users,
      clients: this.population.members.length,
      seed: this.random.seed,
    });
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

    this.scheduleArrivals(t0);
    this.live.start();
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
    this.bus.complete();

    const ctx = context();
    const { text, reasons } = this.renderReport(ctx);
    finalReport = text;
    this.out(text);
    const summary = runSummary({ observers: this.observers, pass: reasons.length === 0, reasons, seed: this.random.seed, endedBy: why, runSeconds: ctx.runSeconds, users: ctx.users, clients: ctx.clients, events: { ...this.eventCounts, dropped: this.bus.dropped }, serverStats: this.serverStats });
    for (const obs of this.observers) await obs.close?.();
    await this.population.close();
    await admin?.close();
    return { pass: reasons.length === 0, exitCode: reasons.length ? 1 : 0, reasons, endedBy: why, seed: this.random.seed, summary };
  }

  /** Every observer's report in config order, then the verdict with every reason. */
  renderReport(ctx: ReportContext): { text: string; reasons: string[] } {
    const lines: string[] = [];
    const reasons: string[] = [];
    for (const obs of this.observers) {
      // One observer's bug must not lose the others' reports; it fails the run instead.
      try {
        obs.report((l) => lines.push(l), ctx);
        reasons.push(...obs.failures());
      } catch (e) {
        reasons.push(`an observer failed to report: ${(e as Error).message}`);
      }
    }
    const lag = this.live.lag;
    if (lag.count) {
      lines.push('', '* Scheduling lag (how late timers ran: the generator\'s own health)');
      lines.push(`  p50 ${lag.median().toFixed(1)} ms   p99 ${lag.percentile(99).toFixed(1)} ms   max ${lag.max.toFixed(1)} ms   (${lag.count} timed operations)`);
      if (lag.percentile(99) > 100) lines.push('  WARNING: lag p99 is over 100 ms: the load generator, not the server, is the bottleneck; these results understate the server.');
    }
    if (this.bus.dropped) reasons.push(`${this.bus.dropped} events were dropped: the observers could not keep up, so these results are incomplete`);
    lines.push(reasons.length ? `\n*** FAIL\n${reasons.join('\n')}` : '\n*** PASS');
    return { text: lines.join('\n'), reasons };
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
