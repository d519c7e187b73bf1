/**
 * The one source of time. Nothing else in loadsim calls Date.now(), setTimeout or
 * performance.now(): that is what lets schedules run in virtual time in tests and
 * lets every timed callback measure how late it ran (scheduling lag).
 */

export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Wall-clock time, milliseconds since the epoch (for dates in iCalendar data). */
  now(): number;
  /** Monotonic milliseconds, for durations; unrelated to the epoch. */
  monotonic(): number;
  /**
   * Run `fn` after `delayMs`. It receives its lag: how many milliseconds after the
   * intended time it actually ran (0 in virtual time).
   */
  setTimer(delayMs: number, fn: (lagMs: number) => void): Timer;
}

/** Real time, from the Node.js event loop. */
export class RealClock implements Clock {
  now(): number {
    return Date.now();
  }
  monotonic(): number {
    return performance.now();
  }
  setTimer(delayMs: number, fn: (lagMs: number) => void): Timer {
    const due = performance.now() + Math.max(0, delayMs);
    // setTimeout fires a delay over 2³¹−1 ms (24.8 days) after 1 ms instead, with a warning; a
    // sampled delay can be that long (a distribution's tail), so long waits are made in steps.
    // libuv measures a timer from its loop time, cached when the loop iteration began: set late in
    // a busy iteration, a timer fires up to a few ms early by performance.now(). A timeout that ends
    // a request early would report a duration under the limit, so an early firing waits the rest.
    const check = () => {
      const left = due - performance.now();
      if (left > EARLY_MS) handle = setTimeout(check, Math.min(left, MAX_TIMEOUT_MS));
      else fn(Math.max(0, -left));
    };
    let handle = setTimeout(check, Math.min(Math.max(0, delayMs), MAX_TIMEOUT_MS));
    return { cancel: () => clearTimeout(handle) };
  }
}

/** The longest delay setTimeout takes as it is. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
/** Early by at most this much, a timer is taken as due. */
const EARLY_MS = 0.25;

interface Pending {
  due: number;
  seq: number;
  fn: (lagMs: number) => void;
  cancelled: boolean;
}

/**
 * Virtual time: nothing happens until `advance()` is called, then every timer due
 * in that span runs in due order (ties in the order they were set). Deterministic,
 * and a 24-hour schedule is checked in milliseconds.
 */
export class VirtualClock implements Clock {
  private current: number;
  private readonly startEpoch: number;
  private readonly heap: Pending[] = [];
  private seq = 0;

  /** @param epochMs the wall-clock time at virtual time zero */
  constructor(epochMs = Date.UTC(2026, 0, 5, 9, 0, 0)) {
    this.startEpoch = epochMs;
    this.current = 0;
  }

  now(): number {
    return this.startEpoch + this.current;
  }
  monotonic(): number {
    return this.current;
  }
  /** Virtual ms of the earliest pending timer, or undefined when none is pending. */
  nextDue(): number | undefined {
    while (this.heap.length && this.heap[0]!.cancelled) this.pop();
    return this.heap[0]?.due;
  }

  /** Timers that have not yet run nor been cancelled. */
  get pending(): number {
    return this.heap.filter((p) => !p.cancelled).length;
  }

  setTimer(delayMs: number, fn: (lagMs: number) => void): Timer {
    const entry: Pending = { due: this.current + Math.max(0, delayMs), seq: this.seq++, fn, cancelled: false };
    this.push(entry);
    return { cancel: () => void (entry.cancelled = true) };
  }

  /** Move time forward by `ms`, running every timer that falls due on the way. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const top = this.heap[0];
      if (!top || top.due > target) break;
      this.pop();
      if (top.cancelled) continue;
      this.current = top.due;
      top.fn(0);
    }
    this.current = target;
  }

  // A binary min-heap on (due, seq): timers set while running are ordered correctly.
  private less(a: Pending, b: Pending): boolean {
    return a.due < b.due || (a.due === b.due && a.seq < b.seq);
  }
  private push(p: Pending): void {
    const h = this.heap;
    h.push(p);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }
  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

/**
 * Real time, sped up: every delay is divided by `factor` and `now()` runs
 * `factor` times as fast from the moment it was made. A 60 s run of the
 * master mix, whose profiles act every few minutes, then takes 60/factor real
 * seconds — for tests and quick trials. Durations measured with it are scaled
 * too, so its reports are not latency measurements.
 */
export class ScaledClock implements Clock {
  private readonly real = new RealClock();
  private readonly epoch0: number;
  private readonly mono0: number;

  constructor(readonly factor: number) {
    if (!(factor > 0)) throw new RangeError(`factor must be > 0, got ${factor}`);
    this.epoch0 = this.real.now();
    this.mono0 = this.real.monotonic();
  }
  now(): number {
    return this.epoch0 + (this.real.monotonic() - this.mono0) * this.factor;
  }
  monotonic(): number {
    return (this.real.monotonic() - this.mono0) * this.factor;
  }
  setTimer(delayMs: number, fn: (lagMs: number) => void): Timer {
    return this.real.setTimer(delayMs / this.factor, (lag) => fn(lag * this.factor));
  }
}
