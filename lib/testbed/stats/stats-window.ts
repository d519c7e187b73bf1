/**
 * One window of request statistics, as CalendarServer's access-log observer keeps them
 * (calendarserver/accesslog.py, `initStats`/`updateStats`/`mergeStats`; accesslog.py):
 * one per wall-clock minute, and merges of several minutes for the `5m` and `1h` windows.
 *
 * `WindowAccumulator` is the mutable, allocation-light form that requests are recorded
 * into; `toWindow()`/`toLegacyWindow()` produce the plain JSON documents readers expect.
 * All durations are milliseconds, as in the original.
 */

/** The response-time histogram bins, in the original's order. */
export const TIME_BINS = [
  '<10ms',
  '10ms<->100ms',
  '100ms<->1s',
  '1s<->10s',
  '10s<->30s',
  '30s<->60s',
  '>60s',
  'Over 1s',
  'Over 10s',
] as const;

export type TimeBin = (typeof TIME_BINS)[number];
export type TimeHistogram = Record<TimeBin, number>;

/** A window as the stats socket reports it (the 2014+ dashboard generation). */
export interface StatsWindow {
  requests: number;
  method: Record<string, number>;
  'method-t': Record<string, number>;
  /** Requests per authenticated user; '-' counts unauthenticated ones (as in the access log). */
  uid: Record<string, number>;
  'user-agent': Record<string, number>;
  /** Responses with status ≥ 500. */
  '500': number;
  /** Responses with status 401. */
  '401': number;
  /** Total response time, ms. */
  t: number;
  /** Total time spent writing responses, ms (see ServerStats.responseWritten). */
  't-resp-wr': number;
  /** Sum over requests of the requests already outstanding when each arrived. */
  slots: number;
  /** The largest single `slots` contribution in the window. */
  'max-slots': number;
  T: TimeHistogram;
  'T-RESP-WR': TimeHistogram;
  /** Longest response time, ms. */
  'T-MAX': number;
  /** Sum over requests of the CPU-use sample (%) current when each finished. */
  cpu: number;
}

/** A window of the pre-2014 document: no `401`, no `max-slots`. */
export type LegacyStatsWindow = Omit<StatsWindow, '401' | 'max-slots'>;

// Histogram slots: 0..6 are the exclusive ranges, 7 and 8 the cumulative "Over" counts.
const OVER_1S = 7;
const OVER_10S = 8;

/** Which exclusive bin a duration falls into (the original's thresholds, lower bound inclusive). */
function binIndex(ms: number): number {
  if (ms >= 60_000) return 6;
  if (ms >= 30_000) return 5;
  if (ms >= 10_000) return 4;
  if (ms >= 1_000) return 3;
  if (ms >= 100) return 2;
  if (ms >= 10) return 1;
  return 0;
}

/**
 * Count one duration. "Over 1s" and "Over 10s" are cumulative and independent of each
 * other. (The original tested `Over 10s` in an `elif` after `Over 1s`, so it was never
 * counted; we count it, since a bin that is always 0 tells a reader nothing.)
 */
function countDuration(hist: number[], ms: number): void {
  hist[binIndex(ms)]! += 1;
  if (ms >= 1_000) hist[OVER_1S]! += 1;
  if (ms >= 10_000) hist[OVER_10S]! += 1;
}

function histogramToJSON(hist: readonly number[]): TimeHistogram {
  const out = {} as TimeHistogram;
  TIME_BINS.forEach((name, i) => (out[name] = hist[i]!));
  return out;
}

/**
 * Map keys come from clients (user agents, user ids), so both how many there are and how
 * long each is are bounded: a hostile or buggy client cannot grow a minute's memory without
 * limit. Keys beyond the cap are counted under OTHER_KEY.
 */
export const OTHER_KEY = '(other)';
const MAX_KEY_LENGTH = 256;

function bump(map: Map<string, number>, key: string, by: number, maxKeys: number): void {
  if (key.length > MAX_KEY_LENGTH) key = key.slice(0, MAX_KEY_LENGTH);
  const had = map.get(key);
  if (had !== undefined) {
    map.set(key, had + by);
  } else if (map.size < maxKeys) {
    map.set(key, by);
  } else {
    map.set(OTHER_KEY, (map.get(OTHER_KEY) ?? 0) + by);
  }
}

// Object.fromEntries defines own properties, so a key such as "__proto__" stays a key.
function mapToJSON(map: Map<string, number>): Record<string, number> {
  return Object.fromEntries(map);
}

/** What one finished request contributes to its window. */
export interface RequestRecord {
  method: string;
  status: number;
  /** Response time, ms. */
  t: number;
  /** Time spent writing the response, ms, or undefined when not measured. */
  tRespWr: number | undefined;
  slots: number;
  cpu: number;
  uid: string;
  userAgent: string;
}

/** The mutable form of a window. Recording a request allocates nothing once its keys exist. */
export class WindowAccumulator {
  requests = 0;
  readonly method = new Map<string, number>();
  readonly methodT = new Map<string, number>();
  readonly uid = new Map<string, number>();
  readonly userAgent = new Map<string, number>();
  s500 = 0;
  s401 = 0;
  t = 0;
  tRespWr = 0;
  slots = 0;
  maxSlots = 0;
  readonly T: number[] = new Array<number>(TIME_BINS.length).fill(0);
  readonly TRespWr: number[] = new Array<number>(TIME_BINS.length).fill(0);
  tMax = 0;
  cpu = 0;

  /** @param maxKeys the most distinct keys kept in each count map */
  constructor(private readonly maxKeys: number) {}

  /** Empty the window for reuse (the ring recycles accumulators minute after minute). */
  reset(): void {
    this.requests = 0;
    this.method.clear();
    this.methodT.clear();
    this.uid.clear();
    this.userAgent.clear();
    this.s500 = this.s401 = 0;
    this.t = this.tRespWr = 0;
    this.slots = this.maxSlots = 0;
    this.T.fill(0);
    this.TRespWr.fill(0);
    this.tMax = 0;
    this.cpu = 0;
  }

  record(r: RequestRecord): void {
    this.requests += 1;
    bump(this.method, r.method, 1, this.maxKeys);
    bump(this.methodT, r.method, r.t, this.maxKeys);
    bump(this.uid, r.uid, 1, this.maxKeys);
    bump(this.userAgent, r.userAgent, 1, this.maxKeys);
    // As the original: a 5xx is not also looked at for 401.
    if (r.status >= 500) this.s500 += 1;
    else if (r.status === 401) this.s401 += 1;
    this.t += r.t;
    this.slots += r.slots;
    if (r.slots > this.maxSlots) this.maxSlots = r.slots;
    this.cpu += r.cpu;
    countDuration(this.T, r.t);
    if (r.t > this.tMax) this.tMax = r.t;
    // The original adds 0 and leaves the histogram alone when the write time is unknown.
    if (r.tRespWr !== undefined) {
      this.tRespWr += r.tRespWr;
      countDuration(this.TRespWr, r.tRespWr);
    }
  }

  /** Add `other` into this window: counts and totals add, maxima take the larger. */
  merge(other: WindowAccumulator): void {
    this.requests += other.requests;
    for (const [k, v] of other.method) bump(this.method, k, v, this.maxKeys);
    for (const [k, v] of other.methodT) bump(this.methodT, k, v, this.maxKeys);
    for (const [k, v] of other.uid) bump(this.uid, k, v, this.maxKeys);
    for (const [k, v] of other.userAgent) bump(this.userAgent, k, v, this.maxKeys);
    this.s500 += other.s500;
    this.s401 += other.s401;
    this.t += other.t;
    this.tRespWr += other.tRespWr;
    this.slots += other.slots;
    this.maxSlots = Math.max(this.maxSlots, other.maxSlots);
    for (let i = 0; i < this.T.length; i++) {
      this.T[i]! += other.T[i]!;
      this.TRespWr[i]! += other.TRespWr[i]!;
    }
    this.tMax = Math.max(this.tMax, other.tMax);
    this.cpu += other.cpu;
  }

  /** The window as a fresh plain object (the socket's readers may keep or mutate it). */
  toWindow(): StatsWindow {
    return {
      requests: this.requests,
      method: mapToJSON(this.method),
      'method-t': mapToJSON(this.methodT),
      uid: mapToJSON(this.uid),
      'user-agent': mapToJSON(this.userAgent),
      '500': this.s500,
      '401': this.s401,
      t: this.t,
      't-resp-wr': this.tRespWr,
      slots: this.slots,
      'max-slots': this.maxSlots,
      T: histogramToJSON(this.T),
      'T-RESP-WR': histogramToJSON(this.TRespWr),
      'T-MAX': this.tMax,
      cpu: this.cpu,
    };
  }

  /** The window in the pre-2014 shape. */
  toLegacyWindow(): LegacyStatsWindow {
    const { '401': _401, 'max-slots': _maxSlots, ...legacy } = this.toWindow();
    return legacy;
  }
}
