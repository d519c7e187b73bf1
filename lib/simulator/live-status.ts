import type { Clock, Timer } from '../clock.js';
import type { SimEvent } from '../events.js';
import { LatencyHistogram } from '../stats/latency-histogram.js';

export type LiveMode = 'tty' | 'lines' | 'off';

export interface LiveStatusOptions {
  mode: LiveMode;
  /** Seconds between lines in `lines` mode (a TTY line is redrawn every second). */
  everySeconds: number;
  write: (s: string) => void;
  clock: Clock;
}

const fmtTime = (s: number) => {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}`;
};

/**
 * The one-line status while a run goes on: elapsed, clients, requests/s and
 * failures in the last interval, p95 of those responses, and the p99 of the
 * scheduling lag so far — the number that says whether the generator itself
 * keeps up.
 */
export class LiveStatus {
  private timer: Timer | undefined;
  private readonly started: number;
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

  start(): void {
    if (this.o.mode === 'off') return;
    const every = this.o.mode === 'tty' ? 1 : this.o.everySeconds;
    const tick = () => {
      this.print(every);
      this.timer = this.o.clock.setTimer(every * 1000, tick);
    };
    this.timer = this.o.clock.setTimer(every * 1000, tick);
  }

  private print(every: number): void {
    const elapsed = (this.o.clock.monotonic() - this.started) / 1000;
    const p95 = this.window.count ? (this.window.percentile(95) / 1000).toFixed(3) : '-';
    const lag = this.lag.count ? this.lag.percentile(99).toFixed(1) : '-';
    const line = `${fmtTime(elapsed)}  clients ${this.clients}  ${(this.requests / every).toFixed(1)} req/s  failed ${this.failures} (total ${this.totalFailures})  p95 ${p95} s  lag p99 ${lag} ms`;
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
