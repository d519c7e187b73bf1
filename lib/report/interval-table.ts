import type { IntervalRecord } from '../result/result-document.js';

/** At most this many rows are printed; longer runs show every k-th interval (all of them are in the NDJSON and HTML). */
export const MAX_INTERVAL_ROWS = 100;

const n = (x: number, digits = 1) => x.toFixed(digits);

/**
 * "Interval details" (Pyak47's per-interval table): for each interval, when it
 * ended, how many responses, their rate and failures, the latency spread, the
 * active clients and the generator's lag — how latency moved as users
 * ramped up.
 */
export function writeIntervalTable(out: (line: string) => void, rows: readonly Omit<IntervalRecord, 'labels'>[], intervalSeconds: number): void {
  if (rows.length === 0) return;
  const step = Math.ceil(rows.length / MAX_INTERVAL_ROWS);
  out('');
  out(`* Interval details (every ${intervalSeconds} s; latency in ms)`);
  if (step > 1) out(`  ${rows.length} intervals: showing one in ${step}, plus the last; every interval is in --timeseries and --html`);
  const header = ['elapsed', 'requests', 'req/s', 'failed', 'min', 'mean', 'p50', 'p90', 'p95', 'p99', 'max', 'clients', 'lag p99'];
  const widths = [9, 9, 8, 7, 8, 8, 8, 8, 8, 8, 9, 8, 8];
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join(' ');
  out(line(header));
  out('-'.repeat(widths.reduce((a, b) => a + b + 1, -1)));
  rows.forEach((r, i) => {
    if (i % step !== 0 && i !== rows.length - 1) return;
    out(
      line([
        elapsed(r.elapsed),
        String(r.count),
        n(r.rate),
        String(r.failures),
        n(r.min),
        n(r.mean),
        n(r.p50),
        n(r.p90),
        n(r.p95),
        n(r.p99),
        n(r.max),
        String(r.activeClients),
        r.lagP99 === null ? '-' : n(r.lagP99),
      ]),
    );
  });
}

function elapsed(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}
