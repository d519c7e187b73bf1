import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RealClock, VirtualClock } from '../lib/core/clock.js';
import { Random } from '../lib/core/random.js';

describe('VirtualClock', () => {
  it('runs timers in due order, ties in the order set, including timers set while running', () => {
    const clock = new VirtualClock(0);
    const seen: string[] = [];
    clock.setTimer(30, () => seen.push('c@' + clock.monotonic()));
    clock.setTimer(10, () => {
      seen.push('a@' + clock.monotonic());
      clock.setTimer(5, () => seen.push('a2@' + clock.monotonic()));
    });
    clock.setTimer(10, () => seen.push('b@' + clock.monotonic()));
    const cancelled = clock.setTimer(20, () => seen.push('never'));
    cancelled.cancel();
    clock.advance(25);
    assert.deepEqual(seen, ['a@10', 'b@10', 'a2@15']);
    assert.equal(clock.monotonic(), 25);
    clock.advance(10);
    assert.deepEqual(seen.at(-1), 'c@30');
    assert.equal(clock.pending, 0);
  });

  it('now() is the epoch start plus virtual time', () => {
    const clock = new VirtualClock(Date.UTC(2026, 2, 8));
    clock.advance(3_600_000);
    assert.equal(new Date(clock.now()).toISOString(), '2026-03-08T01:00:00.000Z');
  });

  it('RealClock reports lag ≥ 0', async () => {
    const lag = await new Promise<number>((resolve) => new RealClock().setTimer(1, resolve));
    assert.ok(lag >= 0);
  });
});

describe('RealClock long delays', () => {
  it('a delay past 2³¹−1 ms (24.8 days) waits, instead of firing after 1 ms as setTimeout would', async () => {
    let fired = 0;
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    const timer = new RealClock().setTimer(2 ** 31 + 5_000, () => fired++);
    await new Promise((r) => setTimeout(r, 100));
    timer.cancel();
    process.off('warning', onWarning);
    assert.equal(fired, 0);
    assert.ok(!warnings.includes('TimeoutOverflowWarning'), warnings.join(', '));
  });
});

describe('Random', () => {
  it('the same seed gives the same stream; derived streams are independent of draw order', () => {
    const a = new Random('seed');
    const b = new Random('seed');
    assert.deepEqual(Array.from({ length: 5 }, () => a.next()), Array.from({ length: 5 }, () => b.next()));
    const root = new Random('seed');
    const before = root.derive('user01/Eventer').next();
    root.next();
    root.derive('user02/Eventer').next();
    assert.equal(root.derive('user01/Eventer').next(), before);
    assert.notEqual(root.derive('user02/Eventer').next(), before);
  });

  it('integer() covers [min, max) uniformly', () => {
    const r = new Random('int');
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 40000; i++) counts[r.integer(0, 4)]!++;
    // Each count ~ Binomial(40000, 1/4): sd ≈ 86.6; allow 5 sd.
    for (const c of counts) assert.ok(Math.abs(c - 10000) < 433, String(counts));
  });

  it('normal() has mean 0 and sd 1', () => {
    const r = new Random('normal');
    const n = 100000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const x = r.normal();
      s += x;
      s2 += x * x;
    }
    const mean = s / n;
    const sd = Math.sqrt(s2 / n - mean * mean);
    // SE of the mean 1/√n ≈ 0.0032; of the sd ≈ 1/√(2n) ≈ 0.0022; allow 5 SE.
    assert.ok(Math.abs(mean) < 0.016, `mean ${mean}`);
    assert.ok(Math.abs(sd - 1) < 0.011, `sd ${sd}`);
  });
});
