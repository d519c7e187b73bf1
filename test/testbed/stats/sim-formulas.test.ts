/**
 * The simulator turns the server's `5m` window into four numbers (the original's sim.py,
 * updateStats): requests/300 (requests per second over 5 minutes), t/requests (mean
 * response, ms), slots/requests (mean other requests in flight at arrival), cpu/requests
 * (mean CPU %), each 0 when there were no requests. These check that the testbed's
 * windows give those numbers their intended meaning, through lib's own reading of a stats
 * document (readingFrom, what the report prints), not a copy of the formulas.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirtualClock } from '../../../lib/core/clock.js';
import { readingFrom } from '../../../lib/simulator/server-stats-reader.js';
import { ServerStats } from '../../../lib/testbed/stats/server-stats.js';
import type { StatsWindow } from '../../../lib/testbed/stats/stats-window.js';

const MINUTE = 60_000;

/** The four figures lib reads from the testbed's stats document, as the stats socket sends it (`{"stats": …}`, JSON). */
function simFormulas(stats: ServerStats): { reqPerSec: number; responseMs: number; slots: number; cpu: number } {
  const r = readingFrom(JSON.parse(JSON.stringify({ stats: stats.snapshot() })));
  assert.ok(r, 'the snapshot is a stats document lib can read');
  return { reqPerSec: r.requestsPerSecond, responseMs: r.responseMs, slots: r.slots, cpu: r.cpuPercent };
}

describe("the original simulator's formulas (sim.py, updateStats) on a testbed snapshot", () => {
  it('give requests/second, mean response ms, mean concurrency and mean CPU over 5 minutes', () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 5, 9, 0, 0));
    let cpu = 0;
    const stats = new ServerStats({ clock, cpuUse: () => cpu });

    // Five minutes of traffic, each minute: 60 requests in pairs that overlap, so each
    // pair contributes slots 0 + 1; response times 40 ms and 60 ms; CPU 25% then 35%.
    for (let m = 0; m < 5; m++) {
      clock.advance(m * MINUTE - clock.monotonic());
      for (let i = 0; i < 30; i++) {
        const a = stats.requestStarted();
        const b = stats.requestStarted();
        clock.advance(40);
        cpu = 25;
        stats.requestFinished(a, { method: 'PROPFIND', status: 207 });
        clock.advance(20);
        cpu = 35;
        stats.requestFinished(b, { method: 'REPORT', status: 207 });
        clock.advance(1000);
      }
    }
    // Requests still arriving in the current minute do not enter 5m.
    clock.advance(5 * MINUTE - clock.monotonic());
    const t = stats.requestStarted();
    clock.advance(9999);
    stats.requestFinished(t, { method: 'GET', status: 200 });

    const w = JSON.parse(JSON.stringify(stats.snapshot()))['5m'] as StatsWindow;
    const f = simFormulas(stats);
    assert.equal(w.requests, 300);
    assert.equal(f.reqPerSec, 1);
    // (40 + 60) / 2 = 50 ms; float sums of virtual-time differences, so compare closely.
    assert.ok(Math.abs(f.responseMs - 50) < 1e-9, String(f.responseMs));
    assert.equal(f.slots, 0.5);
    assert.equal(f.cpu, 30);
  });

  it('are all 0 on an idle server (safeDivision)', () => {
    const clock = new VirtualClock(0);
    const stats = new ServerStats({ clock, cpuUse: () => 80 });
    const f = simFormulas(stats);
    assert.deepEqual(f, { reqPerSec: 0, responseMs: 0, slots: 0, cpu: 0 });
  });
});
