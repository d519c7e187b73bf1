import type { Clock, Timer } from '../core/clock.js';
import type { SimEvent } from '../core/events.js';
import { LatencyHistogram } from '../stats/latency-histogram.js';

export type LiveMode = 'tty' | 'lines' | 'off';

export interface LiveStatusOptions {
  mode: LiveMode;
  /** Seconds between lines in `lines` mode (a TTY line is redrawn every second). */
  everySeconds: number;
  write: (s: string) => void;
  clock: Clock;
  /** Clients the arrival schedule will add in all, when it is known. */
  totalClients?: number;
}

const fmtTime = (s: number) => {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}`;
};

/**
 * The status while a run goes on: elapsed and remaining time, clients arrived
 * out of the total, requests/s and failures since the last line, p95 of those
 * responses, and the p99 of the scheduling lag so far — the number that says
 * whether the generator itself keeps up. On a TTY one line is redrawn every
 * second, with a progress bar when the runtime is known; elsewhere (CI logs)
 * a plain line every interval.
 */
export class LiveStatus {
  private timer: Timer | undefined;
  private readonly started: number;
  private runtimeSeconds: number | undefined;
  private clients = 0;
  private requests = 0;
  private failures = 0;
  private totalFailures = 0;
  private window = new LatencyHistogram();
  readonly lag = new LatencyHistogram();

  constructor(private readonly o: LiveStatusOptions) {
    this.started = o.clock.monotonic();
  }

  observe(e: SimEvent): void {
    if (e.type === 'response') {
      this.requests++;
      this.window.record(e.durationMs);
      if (!e.success) {
        this.failures++;
        this.totalFailures++;
      }
    } else if (e.type === 'status') this.clients = e.clientCount;
    else if (e.type === 'operation' && e.phase === 'start' && e.lagMs !== undefined) this.lag.record(e.lagMs);
  }

  /** Begin printing; `runtimeSeconds` gives the remaining time and the progress bar. */
  start(runtimeSeconds?: number): void {
    this.runtimeSeconds = runtimeSeconds;
    if (this.o.mode === 'off') return;
    const every = this.o.mode === 'tty' ? 1 : this.o.everySeconds;
    const tick = () => {
      this.print(every);
      this.timer = this.o.clock.setTimer(every * 1000, tick);
    };
    this.timer = this.o.clock.setTimer(every * 1000, tick);
  }

  /** The status line as it would be printed now (without resetting the window). */
  line(every: number): string {
    const elapsed = (this.o.clock.monotonic() - this.started) / 1000;
    const p95 = this.window.count ? `${this.window.percentile(95).toFixed(1)} ms` : '-';
    const lag = this.lag.count ? `${this.lag.percentile(99).toFixed(1)} ms` : '-';
    const runtime = this.runtimeSeconds;
    let time = fmtTime(elapsed);
    if (runtime !== undefined) {
      const left = Math.max(0, runtime - elapsed);
      time = `${fmtTime(elapsed)} / ${fmtTime(runtime)} (${fmtTime(left)} left)`;
      if (this.o.mode === 'tty') {
        const done = Math.min(20, Math.round((20 * elapsed) / runtime));
        time = `[${'#'.repeat(done)}${'.'.repeat(20 - done)}] ${time}`;
      }
    }
    const clients = this.o.totalClients !== undefined ? `${this.clients}/${this.o.totalClients}` : String(this.clients);
    return `${time}  clients ${clients}  ${(this.requests / every).toFixed(1)} req/s  failed ${this.failures} (total ${this.totalFailures})  p95 ${p95}  lag p99 ${lag}`;
  }

  private print(every: number): void {
    const line = this.line(every);
    this.o.write(this.o.mode === 'tty' ? `\r\x1b[K${line}` : `${line}\n`);
    this.requests = 0;
    this.failures = 0;
    this.window = new LatencyHistogram();
  }

  stop(): void {
    this.timer?.cancel();
    if (this.o.mode === 'tty') this.o.write('\r\x1b[K');
  }
}
