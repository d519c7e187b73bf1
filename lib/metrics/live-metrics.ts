import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { EventReader } from '../core/event-reader.js';
import type { ResponseEvent, SimEvent } from '../core/events.js';
import { QuantileHistogram } from './quantile-histogram.js';
import { DEFAULT_LIMITS } from '../stats/thresholds.js';

/**
 * What a failed request is, in a handful of words a dashboard can group by
 * (the report's error table keeps the full kinds; a Prometheus label must
 * stay few-valued): the server answered an unexpected status, the request
 * timed out, the connection failed (refused, reset, closed), the body could
 * not be read (a malformed multistatus, a body too large), or the run ended
 * before the answer came.
 */
export type FailureClass = 'status' | 'timeout' | 'connection' | 'malformed' | 'interrupted';
export const FAILURE_CLASSES: readonly FailureClass[] = ['status', 'timeout', 'connection', 'malformed', 'interrupted'];

export function failureClass(e: Pick<ResponseEvent, 'status' | 'error'>): FailureClass {
  if (e.error === 'timeout') return 'timeout';
  if (e.error === 'interrupted') return 'interrupted';
  if (e.status <= 0) return 'connection';
  if (e.error === undefined || e.error === `unexpected status ${e.status}`) return 'status';
  return 'malformed';
}

/** One request label, from the run's start. Latency in seconds: the Prometheus base unit. */
export interface RequestLabelMetrics {
  started: number;
  succeeded: number;
  failed: Record<FailureClass, number>;
  bytesIn: number;
  bytesOut: number;
  /** Responses at or under each boundary of `requestBoundaries` (not cumulative), then the ones above the last. */
  buckets: number[];
  /** Seconds, all responses. */
  sum: number;
  /** p50, p95 and p99 of the responses' latency so far, s (QUANTILES). */
  quantiles: number[];
  /** The HDR histogram of the latency, encoded, in a worker's snapshot: the manager merges them for the run's percentiles. */
  latency?: string;
}

/** The request percentiles shown as gauges. */
export const QUANTILES = [0.5, 0.95, 0.99] as const;
/** The scheduling-lag percentiles shown per operation label. */
export const LAG_QUANTILES = [0.5, 0.99] as const;

/** One operation label, from the run's start. */
export interface OperationLabelMetrics {
  ended: number;
  failed: number;
  buckets: number[];
  sum: number;
  /** p50 and p99 of the lag of the timers that started these operations, s (LAG_QUANTILES); [] when none carried one. */
  lagQuantiles: number[];
  /** That lag's HDR histogram, encoded, in a worker's snapshot. */
  lag?: string;
}

/**
 * Everything a metrics endpoint shows of one generator process at one moment:
 * plain numbers and encoded histograms, cumulative from the run's start, so
 * a worker can send it to its manager as one JSON line and the manager can
 * add workers together exactly.
 */
export interface MetricsSnapshot {
  /** Epoch ms of the run's start and of this snapshot. */
  startedAt: number;
  at: number;
  /** Upper bounds (s) of the latency buckets: the thresholds' limits. */
  requestBoundaries: number[];
  operationBoundaries: number[];
  requests: Record<string, RequestLabelMetrics>;
  operations: Record<string, OperationLabelMetrics>;
  clients: { arrived: number; started: number; active: number; failed: number };
  requestsInFlight: number;
  /** p99 of this process's event-loop delay over the last second, s. */
  eventLoopLagP99: number;
  /** This process's CPU (user + system) since it started, s, and its resident memory, bytes. */
  cpuSeconds: number;
  rssBytes: number;
}

export interface LiveMetricsOptions {
  now?: () => number;
  /** The thresholds' limits, s (default: the original's, 0.1 … 30): bucket bounds, with FINE_BOUNDARIES. */
  requestBoundaries?: readonly number[];
  operationBoundaries?: readonly number[];
}

/**
 * Bucket bounds (s) beside the thresholds' limits: a CalDAV server on a LAN
 * answers most requests in milliseconds, and with the original's limits alone
 * (0.1 s and up) every response falls in the first bucket and
 * `histogram_quantile` can only say "under 0.1 s".
 */
export const FINE_BOUNDARIES: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The thresholds' limits and the fine bounds, ascending, each once: a threshold can still be read off `le`. */
function boundaries(limits: readonly number[]): number[] {
  return [...new Set([...FINE_BOUNDARIES, ...limits])].sort((a, b) => a - b);
}

/** A label's counts as kept while the run goes: the snapshot's, with the histogram itself in place of its percentiles. */
type RequestState = Omit<RequestLabelMetrics, 'quantiles' | 'latency'> & { latency: QuantileHistogram };
type OperationState = Omit<OperationLabelMetrics, 'lagQuantiles' | 'lag'> & { lag: QuantileHistogram };

/** The bucket of `seconds` among `bounds` (Prometheus' `le`: a value on a bound belongs to it). */
function bucketOf(bounds: readonly number[], seconds: number): number {
  let i = 0;
  while (i < bounds.length && seconds > bounds[i]!) i++;
  return i;
}

/**
 * The run's live metrics, read from its events: per request label (started,
 * succeeded, failed by class, bytes, latency), per operation label (count,
 * failures, duration, scheduling lag), the clients, and the process itself.
 * Recording is a few additions per event on the event bus's turn, never on a
 * client's; the exposition (Prometheus, OTLP) reads `snapshot()` when it is
 * asked, so a scrape costs the clients nothing.
 */
export class LiveMetrics implements EventReader {
  readonly requestBoundaries: number[];
  readonly operationBoundaries: number[];
  private readonly requests = new Map<string, RequestState>();
  private readonly operations = new Map<string, OperationState>();
  private readonly clients = { arrived: 0, started: 0, failed: 0 };
  private inFlight = 0;
  private readonly now: () => number;
  private startedAt: number;
  private loopDelay: IntervalHistogram | undefined;
  private loopTimer: NodeJS.Timeout | undefined;
  private lastLoopP99 = 0;

  constructor(o: LiveMetricsOptions) {
    this.now = o.now ?? Date.now;
    this.startedAt = this.now();
    this.requestBoundaries = boundaries(o.requestBoundaries ?? DEFAULT_LIMITS);
    this.operationBoundaries = boundaries(o.operationBoundaries ?? DEFAULT_LIMITS);
  }

  /**
   * The run starts now (epoch ms): the metrics' start time. From here on this
   * process's event-loop delay is measured (node's own monitor, 10 ms
   * resolution) one second at a time: the gauge shows the last second's p99,
   * which is what a dashboard wants next to the request rate.
   */
  begin(startedAt: number): void {
    this.startedAt = startedAt;
    if (this.loopDelay) return;
    const h = (this.loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS }));
    h.enable();
    this.loopTimer = setInterval(() => {
      // node's figures are the time between two of its timer's turns, the resolution included: an idle
      // loop reads 10 ms. The delay is what is beyond it.
      this.lastLoopP99 = h.count > 0 ? Math.max(0, h.percentile(99) / 1e6 - LOOP_RESOLUTION_MS) / 1000 : 0;
      h.reset();
    }, 1000);
    this.loopTimer.unref();
  }

  /** The run is over: the event-loop monitor stops (the counts stay, for the last scrape). */
  end(): void {
    if (this.loopTimer) clearInterval(this.loopTimer);
    this.loopDelay?.disable();
    this.loopTimer = undefined;
    this.loopDelay = undefined;
  }

  observe(e: SimEvent): void {
    switch (e.type) {
      case 'request':
        this.request(e.label).started++;
        this.inFlight++;
        break;
      case 'response': {
        const r = this.request(e.label);
        if (e.success) r.succeeded++;
        else r.failed[failureClass(e)]++;
        r.bytesIn += e.bytesIn;
        r.bytesOut += e.bytesOut;
        const s = Math.max(0, e.durationMs) / 1000;
        r.buckets[bucketOf(this.requestBoundaries, s)]!++;
        r.sum += s;
        r.latency.record(Math.max(0, e.durationMs));
        this.inFlight = Math.max(0, this.inFlight - 1);
        break;
      }
      case 'operation':
        if (e.phase === 'start') {
          if (e.lagMs !== undefined) this.operation(e.label).lag.record(Math.max(0, e.lagMs));
        } else if (e.phase === 'end') {
          const o = this.operation(e.label);
          o.ended++;
          if (e.success === false) o.failed++;
          const s = Math.max(0, e.durationMs ?? 0) / 1000;
          o.buckets[bucketOf(this.operationBoundaries, s)]!++;
          o.sum += s;
          if (e.label === 'startup' && e.success !== false) this.clients.started++;
        }
        break;
      case 'status':
        this.clients.arrived = Math.max(this.clients.arrived, e.clientCount);
        break;
      case 'client-failure':
        this.clients.failed++;
        break;
    }
  }

  /**
   * The metrics now (see MetricsSnapshot). `mergeable` adds the encoded
   * histograms a manager needs to merge workers' percentiles; a single
   * process only needs its own percentiles, which are cached per label until
   * the label records again.
   */
  snapshot(o: { mergeable?: boolean } = {}): MetricsSnapshot {
    const requests: Record<string, RequestLabelMetrics> = {};
    for (const [label, r] of this.requests) {
      requests[label] = { started: r.started, succeeded: r.succeeded, failed: { ...r.failed }, bytesIn: r.bytesIn, bytesOut: r.bytesOut, buckets: [...r.buckets], sum: roundUs(r.sum), quantiles: [...r.latency.quantiles(QUANTILES)], ...(o.mergeable ? { latency: r.latency.encode() } : {}) };
    }
    const operations: Record<string, OperationLabelMetrics> = {};
    for (const [label, op] of this.operations) {
      operations[label] = { ended: op.ended, failed: op.failed, buckets: [...op.buckets], sum: roundUs(op.sum), lagQuantiles: [...op.lag.quantiles(LAG_QUANTILES)], ...(o.mergeable ? { lag: op.lag.encode() } : {}) };
    }
    const cpu = process.cpuUsage();
    return {
      startedAt: this.startedAt,
      at: this.now(),
      requestBoundaries: [...this.requestBoundaries],
      operationBoundaries: [...this.operationBoundaries],
      requests,
      operations,
      // A client that failed has stopped: the others are still at work.
      clients: { ...this.clients, active: Math.max(0, this.clients.arrived - this.clients.failed) },
      requestsInFlight: this.inFlight,
      eventLoopLagP99: this.lastLoopP99,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      rssBytes: process.memoryUsage.rss(),
    };
  }

  private request(label: string): RequestState {
    let r = this.requests.get(label);
    if (!r) {
      r = { started: 0, succeeded: 0, failed: { status: 0, timeout: 0, connection: 0, malformed: 0, interrupted: 0 }, bytesIn: 0, bytesOut: 0, buckets: new Array(this.requestBoundaries.length + 1).fill(0), sum: 0, latency: new QuantileHistogram() };
      this.requests.set(label, r);
    }
    return r;
  }

  private operation(label: string): OperationState {
    let o = this.operations.get(label);
    if (!o) {
      o = { ended: 0, failed: 0, buckets: new Array(this.operationBoundaries.length + 1).fill(0), sum: 0, lag: new QuantileHistogram() };
      this.operations.set(label, o);
    }
    return o;
  }
}

/** How often node's event-loop monitor samples, ms. */
const LOOP_RESOLUTION_MS = 10;

/** Seconds to the microsecond: a sum of many float durations carries noise no reader wants in the 17th digit. */
const roundUs = (s: number) => Math.round(s * 1e6) / 1e6;
