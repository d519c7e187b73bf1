import type { FailureCounts } from '../stats/failure-table.js';
/**
 * The saved result of a run (`--json FILE`): what people read, what CI
 * parses, and what `loadsim report`, `loadsim compare` and `loadsim merge`
 * read back. It carries the summary figures and, under `saved`, the encoded
 * histograms and the rules they were judged by, so a result can be
 * re-rendered or merged later without loss.
 *
 * Units: durations in the summary are seconds, as the text report prints them
 * (rounded to the microsecond); `lag` figures and interval rows are
 * milliseconds, as their names say. Schema changes bump `version`.
 */

/** The full statistics of one label's durations, seconds. */
export interface FullStats {
  count: number;
  min: number;
  max: number;
  /** Arithmetic mean (exact). */
  mean: number;
  /** Geometric mean (durations under 1 µs count as 1 µs). */
  geometricMean: number;
  /** Harmonic mean (durations under 1 µs count as 1 µs). */
  harmonicMean: number;
  /** The original's median rule: the element at index ⌊n/2⌋ of the sorted samples. */
  median: number;
  /** Population standard deviation (exact). */
  stddev: number;
  /** Sample skewness g1 = m3 / m2^1.5 (exact); 0 when stddev is 0. */
  skewness: number;
  /** Excess kurtosis g2 = m4 / m2² − 3 (exact); 0 when stddev is 0. */
  kurtosis: number;
  /** Nearest-rank percentiles from the HDR histogram (3 significant digits). */
  percentiles: Record<PercentileKey, number>;
  /** A bucketed histogram: `counts[i]` durations ≤ `upperBounds[i]` s and above the previous bound; the last bound is the max. */
  histogram: { upperBounds: number[]; counts: number[] };
}

export const PERCENTILE_KEYS = ['50', '75', '90', '95', '99', '99.9', '99.99'] as const;
export type PercentileKey = (typeof PERCENTILE_KEYS)[number];

/** One label in the summary (a request label such as `PROPFIND{home}`, or an operation). */
export interface LabelSummary {
  count: number;
  /** Samples that failed (a timeout is also a failure). */
  failed: number;
  /** Failures whose reason was a timeout. */
  timeouts: number;
  /** Failed × 100 / count. */
  failureRate: number;
  /** PASS or FAIL against the thresholds and failCutoff, with the rules broken. */
  status: 'PASS' | 'FAIL';
  failReasons: string[];
  /** Shorthands of `stats`, seconds (kept from the first version of the summary). */
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  'p99.9': number;
  max: number;
  stats: FullStats;
  /** Time to open a connection, for the requests that opened one, seconds. */
  connect?: { count: number; mean: number; p50: number; p95: number; p99: number; max: number };
  /** Operations: how late the timers that started them ran, ms. */
  lag?: { p50: number; p99: number; max: number; unit: 'ms' };
}

/** One interval of the time series, overall or for one label. Durations ms. */
export interface IntervalFigures {
  count: number;
  /** Responses per second over the interval. */
  rate: number;
  failures: number;
  min: number;
  mean: number;
  p50: number;
  p80: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
  bytesIn: number;
  bytesOut: number;
}

/** One line of `--timeseries FILE.ndjson`. */
export interface IntervalRecord extends IntervalFigures {
  type: 'interval';
  /** 0, 1, 2, … */
  index: number;
  /** Epoch ms of the interval's start and end (the last one may be shorter). */
  start: number;
  end: number;
  /** Seconds since the run started, at the interval's end. */
  elapsed: number;
  /** Scheduling lag p99 of the operations started in the interval, ms (null when none). */
  lagP99: number | null;
  /** Clients active at the interval's end. */
  activeClients: number;
  /**
   * Requests started in the interval, and requests open at its end (absent in
   * results of older versions). Over the intervals so far, started − responses
   * = inFlight: the accounting holds at every interval, not only at the end.
   */
  started?: number;
  inFlight?: number;
  /**
   * Bytes of calendar data the simulated clients held at the interval's end:
   * their caches, which grow with the server's data as real clients' do. A
   * generator whose memory grows by about this much is not leaking.
   */
  cachedBytes?: number;
  /** Per request label; labels with no response in the interval are absent. */
  labels: Record<string, IntervalFigures>;
}

/** What the server's stats socket said at the end. */
export type ServerSummary = { requestsPerSecond: number; responseMs: number; slots: number; cpuPercent: number } | { note: string };

/** A thresholds section as thresholds.json writes it. */
export interface SavedThresholds {
  limits: number[];
  thresholds: Record<string, number[]>;
}

/** One label's encoded histograms (`LatencyHistogram.encode()`), for re-rendering and merging. */
export interface SavedLabel {
  all: string;
  successful: string;
  failures: number;
  timeouts: number;
  /** Connect times (requests). */
  connect?: string;
  /** Scheduling lag (operations). */
  lag?: string;
}

export interface SavedInterval {
  latency: string;
  lag: string;
}

export interface SavedSection {
  thresholds: SavedThresholds;
  failCutoff: number;
  labels: Record<string, SavedLabel>;
}

/** One label's requests, by how they ended. */
export interface RequestCounts {
  /** Request events: requests the clients started. */
  started: number;
  /** Responses with an expected status and a body read in full. */
  succeeded: number;
  /** Responses that failed: a wrong status, a timeout, a reset, a malformed body. */
  failed: number;
  /** Requests still open when the run ended (after the grace period), counted as failed in the report. */
  interrupted: number;
}

export interface ResultDocument {
  format: 'loadsim-result';
  version: 1;
  verdict: 'PASS' | 'FAIL';
  reasons: string[];
  seed: string;
  /** Why the run ended: `runtime`, `stopped`, `interrupted`, … */
  endedBy: string;
  /** Epoch ms. */
  startedAt: number;
  runSeconds: number;
  users: number;
  clients: number;
  /** Generator CPU seconds over the run. */
  cpu: { user: number; system: number };
  /** Where and how it ran. */
  environment: { loadsim: string; node: string; platform: string; cpus: number; cpuModel: string; hostname: string };
  /** The inputs: config and clients files, the servers' URIs (never credentials), interval seconds. */
  run: {
    config: string;
    clients: string;
    servers: string[];
    intervalSeconds: number;
    /** The slice of the users this run simulated (users n with n % count == index); absent for a whole run. */
    worker?: { index: number; count: number };
    /** A merged result: the results it was made from, in order. */
    mergedFrom?: string[];
    /** A merged result: what each slice contributed (its users n with n % count == index). */
    slices?: { index: number; users: number; clients: number; responses: number }[];
  };
  /** Request and response events of the run: equal, since every request started is answered or counted as interrupted. */
  events: {
    requests: number;
    responses: number;
    dropped: number;
    /** HTTP exchanges behind the responses (auth challenges and retries included): what the server itself counted. */
    exchanges?: number;
  };
  requests: Record<string, LabelSummary>;
  /** Per request label: started = succeeded + failed + interrupted (request-accounting.ts); absent in results of older versions. */
  accounting?: { requests: Record<string, RequestCounts> };
  operations: Record<string, LabelSummary>;
  /**
   * Why requests failed: request label → failure kind → count, kinds most
   * frequent first (lib/stats/failure-table.ts, failure-kind.ts). Kinds read
   * `HTTP 500 Internal Server Error`, `HTTP 404 Not Found`, `timeout`,
   * `connection reset`, `connection refused`, `malformed multistatus (xml)`,
   * `HTTP 200: body too large`, `interrupted`, … A label's counts add up to
   * its `failed`; labels without failures are absent. At most 50 kinds per
   * label: the rest are counted under `(other kinds)`. Absent in results of
   * older versions; merged with newer slices, their failures are
   * `(not recorded)`.
   */
  errors?: FailureCounts;
  /** Why operations failed, likewise: operation label → the failed operations' reasons → count. */
  operationErrors?: FailureCounts;
  /** Scheduling lag over the whole run, ms. */
  lag: { count: number; p50: number; p99: number; max: number };
  /** Per pod. */
  server: Record<string, ServerSummary>;
  /** Overall interval rows (no per-label figures: those are in the NDJSON file). */
  intervals: Omit<IntervalRecord, 'labels'>[];
  /** Client failures and failed operations: reason → count. */
  clientFailures: Record<string, number>;
  /**
   * What clients learnt about the server and act on from then on (a discovery fallback taken,
   * a feature refused and no longer asked for): notice → how many clients learnt it. Absent in
   * results of older versions.
   */
  notices?: Record<string, number>;
  simFailures: Record<string, number>;
  /** Everything needed to re-render and merge. */
  saved: {
    requests: SavedSection & { benchmarks: Record<string, { mean: number; weight: number }>; seen: { users: number; clients: number } };
    operations: SavedSection & { lagCutoff: number };
    /** Scheduling lag of the whole run, encoded. */
    lag: string;
    /** Per interval (same order as `intervals`): its overall latency and lag histograms, encoded, so merged intervals are exact. */
    intervals?: SavedInterval[];
  };
}
