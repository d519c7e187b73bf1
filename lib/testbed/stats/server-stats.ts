/**
 * The testbed server's request accounting, kept the way CalendarServer keeps it for its
 * stats socket (calendarserver/accesslog.py; accesslog.py), so that the simulator's
 * end-of-run server statistics (the original's sim.py, server stats) and CalendarServer's own dashboard read the
 * testbed exactly as they read a real server.
 *
 * Per request the HTTP server calls:
 *
 *     const t = stats.requestStarted();          // on arrival
 *     stats.responseWritten(t);                  // optional: response handed to the socket
 *     stats.requestFinished(t, { method, status }); // when the response is complete
 *
 * Each call is O(1) and allocates nothing but the token of requestStarted.
 *
 * Which minute a request counts in: the wall-clock minute in which it FINISHED. That is
 * when CalendarServer counted it (when its access-log line was written, response time
 * known), and it keeps every past minute final: once a minute is over nothing changes it,
 * so `1m`, `5m` and `1h` never change under a reader's feet, and a request that outlives
 * the ring (a 2-hour REPORT) never writes into a recycled minute. A request's `slots`
 * contribution is still measured at its arrival.
 */

import { availableParallelism, totalmem } from 'node:os';
import type { Clock } from '../../core/clock.js';
import { LatencyHistogram } from '../../stats/latency-histogram.js';
import { startProcessCpuSampler, type CpuSampler } from './cpu-sampler.js';
import { WindowAccumulator, type LegacyStatsWindow, type RequestRecord, type StatsWindow } from './stats-window.js';

/** The `system` part of a snapshot (CalendarServer's SystemMonitor items). */
export interface SystemStats {
  'cpu count': number;
  /** The current CPU-use sample, percent (see cpu-sampler.ts for what it measures). */
  'cpu use': number;
  /** Bytes (this process's resident set). */
  'memory used': number;
  /** 'memory used' as a percentage of the machine's memory. */
  'memory percent': number;
  /** When these statistics started, seconds since the epoch (Python's time.time()). */
  'start time': number;
}

/** What `["stats"]` answers (2014+ generation). */
export interface StatsSnapshot {
  system: SystemStats;
  /** The current wall-clock minute, so far. */
  current: StatsWindow;
  /** The previous minute. */
  '1m': StatsWindow;
  /** The 5 minutes before the current one (the current one is not included). */
  '5m': StatsWindow;
  /** The 60 minutes before the current one. */
  '1h': StatsWindow;
}

/** The document the pre-2014 stats socket wrote on connect. */
export interface LegacyStatsSnapshot {
  System: SystemStats;
  Current: LegacyStatsWindow;
  '1 Minute': LegacyStatsWindow;
  '5 Minutes': LegacyStatsWindow;
  '1 Hour': LegacyStatsWindow;
}

export interface ServerStatsOptions {
  /** The one source of time: `now()` places requests in minutes, `monotonic()` times them. */
  clock: Clock;
  /**
   * The current CPU use, percent; called once per finished request and per snapshot, so it
   * must be cheap. Default: this process's CPU, sampled every `cpuSampleIntervalMs`.
   */
  cpuUse?: () => number;
  /** Memory in use (bytes) and its percentage. Default: this process's RSS of total memory. */
  memoryUse?: () => { used: number; percent: number };
  /** Reported as 'cpu count'. Default: os.availableParallelism(). */
  cpuCount?: number;
  /** How often the default CPU sampler samples, ms (CalendarServer: every second). */
  cpuSampleIntervalMs?: number;
  /**
   * The most distinct keys in each per-minute count map (method, uid, user-agent); further
   * keys count under '(other)', so clients cannot grow memory without bound.
   */
  maxKeysPerMap?: number;
}

export const SERVER_STATS_DEFAULTS = {
  cpuSampleIntervalMs: 1_000,
  maxKeysPerMap: 1_000,
} as const;

/** What requestFinished needs to know of a request. */
export interface FinishedRequest {
  /** The method as it should be counted, e.g. 'PROPFIND' or 'REPORT(calendar-multiget)'. */
  method: string;
  status: number;
  /** The authenticated user; '-' (the access log's "nobody") when absent. */
  uid?: string;
  /** The User-Agent header; '-' when absent. */
  userAgent?: string;
}

/**
 * One request in flight, returned by requestStarted. Treat it as opaque. It is the only
 * per-request allocation.
 */
export class RequestToken {
  /** @internal monotonic ms of responseWritten, NaN until then */
  writtenAt = NaN;
  /** @internal set by requestFinished, so a second call (e.g. 'finish' then 'close') is ignored */
  done = false;
  /** @internal */
  constructor(
    readonly startedAt: number,
    readonly slots: number,
  ) {}
}

/** Current minute plus the 60 before it: all that `1h` needs, so memory is flat over days. */
const RING_MINUTES = 61;
const MINUTE_MS = 60_000;

export class ServerStats {
  private readonly clock: Clock;
  private readonly cpuUse: () => number;
  private readonly memoryUse: () => { used: number; percent: number };
  private readonly cpuCount: number;
  private readonly sampler: CpuSampler | undefined;
  private readonly startTime: number;

  // The ring: ringMinutes[i] is the minute number whose window ringWindows[i] holds.
  private readonly ringMinutes: number[] = new Array<number>(RING_MINUTES).fill(-Infinity);
  private readonly ringWindows: WindowAccumulator[];
  private latestMinute = -Infinity;
  // Scratch space for snapshots and for recording, reused so neither allocates per call.
  private readonly empty: WindowAccumulator;
  private readonly merged: WindowAccumulator;
  private readonly scratch: RequestRecord = {
    method: '',
    status: 0,
    t: 0,
    tRespWr: undefined,
    slots: 0,
    cpu: 0,
    uid: '-',
    userAgent: '-',
  };

  private outstandingCount = 0;
  private startedCount = 0;

  constructor(options: ServerStatsOptions) {
    const o = { ...SERVER_STATS_DEFAULTS, ...definedOnly(options) };
    if (!(o.cpuSampleIntervalMs > 0)) throw new RangeError('cpuSampleIntervalMs must be > 0');
    if (!(Number.isInteger(o.maxKeysPerMap) && o.maxKeysPerMap >= 1)) {
      throw new RangeError('maxKeysPerMap must be an integer ≥ 1');
    }
    this.clock = o.clock;
    this.startTime = this.clock.now() / 1000;
    this.cpuCount = o.cpuCount ?? availableParallelism();
    if (o.cpuUse) {
      this.cpuUse = o.cpuUse;
    } else {
      const sampler = startProcessCpuSampler(this.clock, o.cpuSampleIntervalMs);
      this.sampler = sampler;
      this.cpuUse = sampler.read;
    }
    this.memoryUse = o.memoryUse ?? processMemoryUse;
    this.ringWindows = Array.from({ length: RING_MINUTES }, () => new WindowAccumulator(o.maxKeysPerMap));
    this.empty = new WindowAccumulator(o.maxKeysPerMap);
    this.merged = new WindowAccumulator(o.maxKeysPerMap);
  }

  /** Requests started and not yet finished. */
  get outstanding(): number {
    return this.outstandingCount;
  }

  /** Requests started since these statistics began. */
  get totalRequests(): number {
    return this.startedCount;
  }

  /**
   * A request arrived. Its `slots` contribution is the number of requests already in
   * flight (not counting itself), so a strictly sequential client contributes 0.
   */
  requestStarted(): RequestToken {
    const token = new RequestToken(this.clock.monotonic(), this.outstandingCount);
    this.outstandingCount += 1;
    this.startedCount += 1;
    return token;
  }

  /**
   * The response was handed to the socket (call right after `res.end()`). The time from
   * here to requestFinished is the request's `t-resp-wr`: CalendarServer's timing tags are
   * phase durations, and `t-resp-wr` is the write phase, which is why its readers show
   * `t − t-resp-wr` as "Av. Response no write". Optional; the first call counts.
   */
  responseWritten(token: RequestToken): void {
    if (!token.done && Number.isNaN(token.writtenAt)) token.writtenAt = this.clock.monotonic();
  }

  /**
   * The request is over (call on the response's 'finish', and also on 'close' so aborted
   * requests do not stay outstanding; only the first call counts). Records it into the
   * window of the current wall-clock minute.
   */
  requestFinished(token: RequestToken, request: FinishedRequest): void {
    if (token.done) return;
    token.done = true;
    this.outstandingCount = Math.max(0, this.outstandingCount - 1);
    const end = this.clock.monotonic();
    const r = this.scratch;
    r.method = request.method;
    r.status = request.status;
    r.t = Math.max(0, end - token.startedAt);
    this.serviceTimes.record(r.t);
    r.tRespWr = Number.isNaN(token.writtenAt) ? undefined : Math.max(0, end - token.writtenAt);
    r.slots = token.slots;
    r.cpu = this.cpuUse();
    r.uid = request.uid || '-';
    r.userAgent = request.userAgent || '-';
    this.windowToWrite(this.currentMinute()).record(r);
  }

  /**
   * Every request's own time here, arrival to last byte written, ms, since
   * the last `takeServiceTimes`: what a client's recorded latency is compared
   * with (the accuracy benchmark reads it over the stats socket).
   */
  private serviceTimes = new LatencyHistogram();

  /** The service times since the last call, and a fresh histogram from now on. */
  takeServiceTimes(): LatencyHistogram {
    const taken = this.serviceTimes;
    this.serviceTimes = new LatencyHistogram();
    return taken;
  }

  /** The document of `["stats"]`: CalendarServer's getStats(). */
  snapshot(): StatsSnapshot {
    const m = this.currentMinute();
    return {
      system: this.system(),
      current: this.windowToRead(m).toWindow(),
      '1m': this.windowToRead(m - 1).toWindow(),
      '5m': this.mergeMinutes(m - 5, m - 1).toWindow(),
      '1h': this.mergeMinutes(m - 60, m - 1).toWindow(),
    };
  }

  /** The document the pre-2014 socket wrote on connect: same numbers, older names. */
  legacySnapshot(): LegacyStatsSnapshot {
    const m = this.currentMinute();
    return {
      System: this.system(),
      Current: this.windowToRead(m).toLegacyWindow(),
      '1 Minute': this.windowToRead(m - 1).toLegacyWindow(),
      '5 Minutes': this.mergeMinutes(m - 5, m - 1).toLegacyWindow(),
      '1 Hour': this.mergeMinutes(m - 60, m - 1).toLegacyWindow(),
    };
  }

  /** Stop the default CPU sampler's timer. Recording and snapshots keep working. */
  close(): void {
    this.sampler?.close();
  }

  private system(): SystemStats {
    const memory = this.memoryUse();
    return {
      'cpu count': this.cpuCount,
      'cpu use': this.cpuUse(),
      'memory used': memory.used,
      'memory percent': memory.percent,
      'start time': this.startTime,
    };
  }

  /**
   * The wall-clock minute, never earlier than one already used: if the wall clock steps
   * back (NTP), requests keep counting in the latest minute instead of overwriting a ring
   * slot that holds newer data. (The original looped forever in that case.)
   */
  private currentMinute(): number {
    const m = Math.floor(this.clock.now() / MINUTE_MS);
    if (m > this.latestMinute) this.latestMinute = m;
    return this.latestMinute;
  }

  private windowToWrite(minute: number): WindowAccumulator {
    const i = ringIndex(minute);
    const w = this.ringWindows[i]!;
    if (this.ringMinutes[i] !== minute) {
      // The slot held a minute more than an hour old (or nothing): recycle it.
      w.reset();
      this.ringMinutes[i] = minute;
    }
    return w;
  }

  /** A minute's window, or an empty one when nothing was recorded in that minute. */
  private windowToRead(minute: number): WindowAccumulator {
    const i = ringIndex(minute);
    return this.ringMinutes[i] === minute ? this.ringWindows[i]! : this.empty;
  }

  /** Minutes first..last inclusive merged into the (reused) scratch window. */
  private mergeMinutes(first: number, last: number): WindowAccumulator {
    const into = this.merged;
    into.reset();
    for (let m = first; m <= last; m++) {
      const i = ringIndex(m);
      if (this.ringMinutes[i] === m) into.merge(this.ringWindows[i]!);
    }
    return into;
  }
}

function ringIndex(minute: number): number {
  return ((minute % RING_MINUTES) + RING_MINUTES) % RING_MINUTES;
}

function processMemoryUse(): { used: number; percent: number } {
  const used = process.memoryUsage.rss();
  return { used, percent: (100 * used) / totalmem() };
}

/** Drop undefined values so they do not override the defaults when spread. */
function definedOnly<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
