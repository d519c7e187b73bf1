/**
 * The capacity benchmark's observer: the largest scheduling lag of the
 * operations started in each second of the run, written as a user would write
 * an observer of their own (config: `type` = `…/lag-max.js#LagMax`, params
 * `file`). The time series carries each interval's lag p99 but not its max,
 * and `--json` (which keeps every interval's lag histogram) saves the whole
 * result at every interval, a burst on the clients' turn that the benchmark
 * must not add. This costs a comparison per operation; the file is written
 * at the end: `{"second": maxLagMs, …}`, seconds since the first operation's
 * second (epoch seconds in the keys, so the benchmark lines them up with its
 * own clock).
 */
import { writeFileSync } from 'node:fs';
import type { SimEvent } from '../../../lib/core/events.js';

export class LagMax {
  private readonly max = new Map<number, number>();
  constructor(private readonly p: { file: string }) {
    if (typeof p.file !== 'string' || !p.file) throw new Error('LagMax: params.file must be a path');
  }
  observe(e: SimEvent): void {
    if (e.type !== 'operation' || e.phase !== 'start' || e.lagMs === undefined) return;
    const s = Math.floor(Date.now() / 1000);
    if (e.lagMs > (this.max.get(s) ?? -1)) this.max.set(s, e.lagMs);
  }
  report(): void {}
  failures(): string[] {
    return [];
  }
  close(): void {
    writeFileSync(this.p.file, JSON.stringify(Object.fromEntries(this.max)));
  }
}
