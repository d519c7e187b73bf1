import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirtualClock, type Clock } from '../../../lib/core/clock.js';
import { ServerStats, type FinishedRequest } from '../../../lib/testbed/stats/server-stats.js';
import { TIME_BINS, type TimeHistogram } from '../../../lib/testbed/stats/stats-window.js';

const MINUTE = 60_000;
// Minute-aligned, so "minute n" below is [n, n+1) minutes after the start.
const EPOCH = Date.UTC(2026, 0, 5, 9, 0, 0);

function setup(cpu = () => 0): { clock: VirtualClock; stats: ServerStats } {
  const clock = new VirtualClock(EPOCH);
  const stats = new ServerStats({ clock, cpuUse: cpu, cpuCount: 4, memoryUse: () => ({ used: 1000, percent: 1.5 }) });
  return { clock, stats };
}

/** One request taking `ms` of (virtual) time, alone. */
function request(clock: VirtualClock, stats: ServerStats, ms: number, req: Partial<FinishedRequest> = {}): void {
  const t = stats.requestStarted();
  clock.advance(ms);
  stats.requestFinished(t, { method: 'PROPFIND', status: 207, ...req });
}

/** Move to the start of minute `n` (counted from EPOCH). */
function toMinute(clock: VirtualClock, n: number): void {
  const target = n * MINUTE;
  assert.ok(clock.monotonic() <= target, 'time only moves forward');
  clock.advance(target - clock.monotonic());
}

function histogram(values: Partial<TimeHistogram>): TimeHistogram {
  const h = Object.fromEntries(TIME_BINS.map((b) => [b, 0])) as TimeHistogram;
  return { ...h, ...values };
}

describe('ServerStats windows: current, 1m, 5m, 1h by wall-clock minute', () => {
  it('7 requests in minute 0, 3 in minute 1: each window counts the right minutes', () => {
    const { clock, stats } = setup();
    for (let i = 0; i < 7; i++) request(clock, stats, 1000);
    toMinute(clock, 1);
    for (let i = 0; i < 3; i++) request(clock, stats, 1000);

    let s = stats.snapshot();
    assert.equal(s.current.requests, 3, 'current is this minute so far');
    assert.equal(s['1m'].requests, 7);
    assert.equal(s['5m'].requests, 7, '5m excludes the current minute');
    assert.equal(s['1h'].requests, 7);

    toMinute(clock, 2);
    s = stats.snapshot();
    assert.equal(s.current.requests, 0);
    assert.equal(s['1m'].requests, 3);
    assert.equal(s['5m'].requests, 10);
    assert.equal(s['1h'].requests, 10);

    toMinute(clock, 5);
    s = stats.snapshot();
    assert.equal(s['1m'].requests, 0);
    assert.equal(s['5m'].requests, 10, 'at minute 5, 5m is minutes 0-4');

    toMinute(clock, 6);
    assert.equal(stats.snapshot()['5m'].requests, 3, 'at minute 6, minute 0 has left 5m');
    toMinute(clock, 7);
    assert.equal(stats.snapshot()['5m'].requests, 0);
    assert.equal(stats.snapshot()['1h'].requests, 10);

    toMinute(clock, 60);
    assert.equal(stats.snapshot()['1h'].requests, 10, 'at minute 60, 1h is minutes 0-59');
    toMinute(clock, 61);
    assert.equal(stats.snapshot()['1h'].requests, 3, 'at minute 61, minute 0 has left 1h');
    toMinute(clock, 62);
    assert.equal(stats.snapshot()['1h'].requests, 0);
  });

  it('a request counts in the minute it finished, not the one it started', () => {
    const { clock, stats } = setup();
    toMinute(clock, 0);
    clock.advance(50_000);
    request(clock, stats, 20_000); // starts in minute 0, finishes in minute 1
    const s = stats.snapshot();
    assert.equal(s.current.requests, 1);
    assert.equal(s.current.t, 20_000);
    assert.equal(s['1m'].requests, 0);
  });

  it('a ring slot reused an hour later shows nothing of the old minute', () => {
    const { clock, stats } = setup();
    for (let i = 0; i < 5; i++) request(clock, stats, 10);
    // Minute 61 maps to the same ring slot as minute 0; nothing was recorded since.
    toMinute(clock, 61);
    let s = stats.snapshot();
    assert.equal(s.current.requests, 0);
    assert.equal(s['1m'].requests, 0);
    assert.equal(s['1h'].requests, 0);
    request(clock, stats, 10);
    s = stats.snapshot();
    assert.equal(s.current.requests, 1, 'the recycled slot starts empty');
    assert.deepEqual(s.current.method, { PROPFIND: 1 });
  });

  it('stays exact over days of steady traffic (the ring keeps only 61 minutes)', () => {
    const { clock, stats } = setup();
    for (let m = 0; m < 3 * 24 * 60; m++) {
      toMinute(clock, m);
      request(clock, stats, 5);
      request(clock, stats, 5);
    }
    toMinute(clock, 3 * 24 * 60);
    const s = stats.snapshot();
    assert.equal(s.current.requests, 0);
    assert.equal(s['1m'].requests, 2);
    assert.equal(s['5m'].requests, 10);
    assert.equal(s['1h'].requests, 120);
    assert.equal(s['1h'].t, 600);
    assert.equal(stats.totalRequests, 2 * 3 * 24 * 60);
  });

  it('a wall clock stepping back keeps counting in the latest minute', () => {
    let now = EPOCH + 10 * MINUTE;
    let mono = 0;
    const clock: Clock = {
      now: () => now,
      monotonic: () => mono,
      setTimer: () => ({ cancel: () => {} }),
    };
    const stats = new ServerStats({ clock, cpuUse: () => 0 });
    const a = stats.requestStarted();
    mono += 5;
    stats.requestFinished(a, { method: 'GET', status: 200 });
    now -= 3 * MINUTE; // NTP step
    const b = stats.requestStarted();
    mono += 5;
    stats.requestFinished(b, { method: 'GET', status: 200 });
    const s = stats.snapshot();
    assert.equal(s.current.requests, 2);
    assert.equal(s['1h'].requests, 0);
  });
});

describe('ServerStats request accounting', () => {
  it('puts response times into the T bins (lower bounds inclusive) and tracks T-MAX', () => {
    const { clock, stats } = setup();
    const durations = [0, 9.5, 10, 99, 100, 999, 1000, 9999, 10_000, 29_999, 30_000, 59_999, 60_000, 120_000];
    for (const d of durations) request(clock, stats, d);
    toMinute(clock, 10);
    const w = stats.snapshot()['1h'];
    assert.equal(w.requests, durations.length);
    assert.deepEqual(
      w.T,
      histogram({
        '<10ms': 2,
        '10ms<->100ms': 2,
        '100ms<->1s': 2,
        '1s<->10s': 2,
        '10s<->30s': 2,
        '30s<->60s': 2,
        '>60s': 2,
        'Over 1s': 8,
        'Over 10s': 6,
      }),
    );
    assert.equal(w['T-MAX'], 120_000);
    assert.equal(w.t, durations.reduce((a, b) => a + b, 0));
    assert.deepEqual(w['T-RESP-WR'], histogram({}), 'no write times were reported');
    assert.equal(w['t-resp-wr'], 0);
  });

  it('t-resp-wr is the write phase: from responseWritten to requestFinished', () => {
    const { clock, stats } = setup();
    const a = stats.requestStarted();
    clock.advance(30);
    stats.responseWritten(a);
    clock.advance(50);
    stats.responseWritten(a); // only the first call counts
    stats.requestFinished(a, { method: 'REPORT', status: 207 });
    request(clock, stats, 5); // never reports a write
    const b = stats.requestStarted();
    stats.responseWritten(b);
    clock.advance(1500);
    stats.requestFinished(b, { method: 'GET', status: 200 });

    const w = stats.snapshot().current;
    assert.equal(w.requests, 3);
    assert.equal(w.t, 80 + 5 + 1500);
    assert.equal(w['t-resp-wr'], 50 + 1500);
    assert.deepEqual(w['T-RESP-WR'], histogram({ '10ms<->100ms': 1, '1s<->10s': 1, 'Over 1s': 1 }));
    assert.deepEqual(w.T, histogram({ '<10ms': 1, '10ms<->100ms': 1, '1s<->10s': 1, 'Over 1s': 1 }));
  });

  it('slots sums the requests already outstanding at each arrival; max-slots is the largest', () => {
    const { clock, stats } = setup();
    const a = stats.requestStarted(); // 0 outstanding before it
    const b = stats.requestStarted(); // 1
    const c = stats.requestStarted(); // 2
    assert.equal(stats.outstanding, 3);
    clock.advance(10);
    stats.requestFinished(b, { method: 'GET', status: 200 });
    const d = stats.requestStarted(); // a, c outstanding: 2
    clock.advance(10);
    for (const t of [a, c, d]) stats.requestFinished(t, { method: 'GET', status: 200 });
    stats.requestFinished(a, { method: 'GET', status: 200 }); // a second finish is ignored
    assert.equal(stats.outstanding, 0);
    assert.equal(stats.totalRequests, 4);

    const w = stats.snapshot().current;
    assert.equal(w.requests, 4);
    assert.equal(w.slots, 0 + 1 + 2 + 2);
    assert.equal(w['max-slots'], 2);
    request(clock, stats, 1);
    const w2 = stats.snapshot().current;
    assert.equal(w2.slots, 5, 'a request alone contributes 0');
  });

  it('max-slots of a merged window is the largest of its minutes; slots add', () => {
    const { clock, stats } = setup();
    const a = stats.requestStarted();
    const b = stats.requestStarted();
    clock.advance(5);
    stats.requestFinished(a, { method: 'GET', status: 200 });
    stats.requestFinished(b, { method: 'GET', status: 200 });
    toMinute(clock, 1);
    const ts = [stats.requestStarted(), stats.requestStarted(), stats.requestStarted(), stats.requestStarted()];
    clock.advance(5);
    for (const t of ts) stats.requestFinished(t, { method: 'GET', status: 200 });
    toMinute(clock, 2);
    const s = stats.snapshot();
    assert.equal(s['1m']['max-slots'], 3);
    assert.equal(s['5m']['max-slots'], 3);
    assert.equal(s['5m'].slots, 1 + (1 + 2 + 3));
  });

  it('counts 5xx under 500 and 401 under 401', () => {
    const { clock, stats } = setup();
    for (const status of [200, 401, 500, 503, 404, 401, 207, 599]) request(clock, stats, 1, { status });
    const w = stats.snapshot().current;
    assert.equal(w['500'], 3);
    assert.equal(w['401'], 2);
  });

  it('counts and times each method, and merges them across minutes', () => {
    const { clock, stats } = setup();
    request(clock, stats, 10, { method: 'PROPFIND' });
    request(clock, stats, 30, { method: 'PROPFIND' });
    request(clock, stats, 100, { method: 'REPORT(calendar-multiget)' });
    let w = stats.snapshot().current;
    assert.deepEqual(w.method, { PROPFIND: 2, 'REPORT(calendar-multiget)': 1 });
    assert.deepEqual(w['method-t'], { PROPFIND: 40, 'REPORT(calendar-multiget)': 100 });
    toMinute(clock, 1);
    request(clock, stats, 7, { method: 'PROPFIND' });
    request(clock, stats, 3, { method: 'PUT' });
    toMinute(clock, 3);
    w = stats.snapshot()['5m'];
    assert.deepEqual(w.method, { PROPFIND: 3, 'REPORT(calendar-multiget)': 1, PUT: 1 });
    assert.deepEqual(w['method-t'], { PROPFIND: 47, 'REPORT(calendar-multiget)': 100, PUT: 3 });
  });

  it('cpu sums the CPU sample current at each request; system reports the current sample', () => {
    let cpu = 10;
    const { clock, stats } = setup(() => cpu);
    request(clock, stats, 1);
    cpu = 20;
    request(clock, stats, 1);
    cpu = 30;
    request(clock, stats, 1);
    cpu = 42.5;
    const s = stats.snapshot();
    assert.equal(s.current.cpu, 60);
    assert.equal(s['1m'].cpu, 0, 'an empty window has cpu 0');
    assert.equal(s.system['cpu use'], 42.5);
  });

  it('counts uid and user-agent, "-" when absent, with the number of keys capped', () => {
    const clock = new VirtualClock(EPOCH);
    const stats = new ServerStats({ clock, cpuUse: () => 0, maxKeysPerMap: 2 });
    request(clock, stats, 1, { uid: 'user01', userAgent: 'iOS/7.0' });
    request(clock, stats, 1, { uid: 'user01', userAgent: 'iOS/7.0' });
    request(clock, stats, 1, {});
    request(clock, stats, 1, { uid: 'user02', userAgent: '__proto__' });
    const w = stats.snapshot().current;
    assert.deepEqual(w.uid, { user01: 2, '-': 1, '(other)': 1 });
    const ua = JSON.parse(JSON.stringify(w['user-agent'])) as Record<string, number>;
    assert.equal(ua['iOS/7.0'], 2);
    assert.equal(ua['-'], 1);
    assert.equal(ua['(other)'], 1);
  });

  it('a "__proto__" key is kept as a key', () => {
    const { clock, stats } = setup();
    request(clock, stats, 1, { userAgent: '__proto__', method: 'GET' });
    const w = JSON.parse(JSON.stringify(stats.snapshot().current)) as { 'user-agent': Record<string, number> };
    assert.ok(Object.hasOwn(w['user-agent'], '__proto__'));
  });

  it('snapshots are fresh objects: changing one does not change the statistics', () => {
    const { clock, stats } = setup();
    request(clock, stats, 1);
    const s = stats.snapshot();
    s.current.requests = 99;
    s.current.method['PROPFIND'] = 99;
    s.current.T['<10ms'] = 99;
    const again = stats.snapshot().current;
    assert.equal(again.requests, 1);
    assert.deepEqual(again.method, { PROPFIND: 1 });
    assert.equal(again.T['<10ms'], 1);
  });
});

describe('ServerStats documents', () => {
  it('snapshot: system and the four windows with every key of the 2014+ generation', () => {
    const { clock, stats } = setup(() => 12.5);
    clock.advance(1234);
    request(clock, stats, 5);
    const s = stats.snapshot();
    assert.deepEqual(Object.keys(s).sort(), ['1h', '1m', '5m', 'current', 'system']);
    assert.deepEqual(s.system, {
      'cpu count': 4,
      'cpu use': 12.5,
      'memory used': 1000,
      'memory percent': 1.5,
      'start time': EPOCH / 1000,
    });
    assert.deepEqual(Object.keys(s.current).sort(), [
      '401', '500', 'T', 'T-MAX', 'T-RESP-WR', 'cpu', 'max-slots', 'method', 'method-t', 'requests', 'slots', 't',
      't-resp-wr', 'uid', 'user-agent',
    ]);
    assert.deepEqual(Object.keys(s.current.T), [...TIME_BINS]);
    assert.deepEqual(Object.keys(s['1h']).sort(), Object.keys(s.current).sort());
  });

  it('legacySnapshot: the pre-2014 names, windows without 401 and max-slots', () => {
    const { clock, stats } = setup();
    for (let i = 0; i < 4; i++) request(clock, stats, 5, { uid: 'user01', status: 401 });
    toMinute(clock, 1);
    request(clock, stats, 5);
    const l = stats.legacySnapshot();
    assert.deepEqual(Object.keys(l).sort(), ['1 Hour', '1 Minute', '5 Minutes', 'Current', 'System']);
    assert.equal(l.Current.requests, 1);
    assert.equal(l['1 Minute'].requests, 4);
    assert.equal(l['5 Minutes'].requests, 4);
    assert.equal(l['1 Hour'].requests, 4);
    assert.deepEqual(l['1 Minute'].uid, { user01: 4 });
    for (const w of [l.Current, l['1 Minute'], l['5 Minutes'], l['1 Hour']]) {
      assert.ok(!('401' in w) && !('max-slots' in w));
      assert.ok('uid' in w && 'user-agent' in w);
    }
    assert.equal(l.System['cpu count'], 4);
  });
});

describe('ServerStats default CPU sampler', () => {
  it('samples on the clock every second until closed', () => {
    const clock = new VirtualClock(EPOCH);
    const stats = new ServerStats({ clock });
    assert.equal(clock.pending, 1);
    assert.equal(stats.snapshot().system['cpu use'], 0, 'no sample before the first second');
    let x = 0;
    for (let i = 0; i < 1e5; i++) x += Math.sqrt(i); // some real CPU time
    assert.ok(x > 0);
    clock.advance(1000);
    const use = stats.snapshot().system['cpu use'];
    assert.ok(Number.isFinite(use) && use >= 0);
    assert.equal(clock.pending, 1, 'rescheduled');
    stats.close();
    assert.equal(clock.pending, 0);
    assert.ok(stats.snapshot().system['cpu count'] >= 1);
    assert.ok(stats.snapshot().system['memory used'] > 0);
  });

  it('rejects nonsensical options', () => {
    const clock = new VirtualClock(EPOCH);
    assert.throws(() => new ServerStats({ clock, cpuSampleIntervalMs: 0 }), RangeError);
    assert.throws(() => new ServerStats({ clock, cpuUse: () => 0, maxKeysPerMap: 0 }), RangeError);
  });
});
