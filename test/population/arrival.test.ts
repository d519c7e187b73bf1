import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConstantArrivalRate } from '../../lib/population/arrival/constant-arrival-rate.js';
import { SmoothRampUp } from '../../lib/population/arrival/smooth-ramp-up.js';
import { clientKindCycle, clientsPerKind } from '../../lib/population/client-cycle.js';
import { Random } from '../../lib/core/random.js';

describe('arrival', () => {
  it('SmoothRampUp adds groups at 0, interval, 2·interval…', () => {
    const p = new SmoothRampUp({ groups: 4, groupSize: 3, interval: 15, clientsPerUser: 2 });
    assert.deepEqual([...p.arrivals()], [0, 15, 30, 45].map((at) => ({ at, users: 3 })));
    assert.equal(p.totalUsers, 12);
    assert.equal(p.describe(), '4 groups × 3 users every 15 s, the last at 45 s');
  });

  it('ConstantArrivalRate with exponential gaps has the right mean rate (Poisson process)', () => {
    const p = new ConstantArrivalRate({ usersPerSecond: 4, maxUsers: 40001, interArrival: 'exponential' });
    const arrivals = [...p.arrivals(new Random('arrivals'))];
    assert.equal(arrivals.length, 40001);
    const mean = arrivals[arrivals.length - 1]!.at / 40000;
    // Mean of 40,000 exponential gaps of mean 0.25 s: standard error 0.25/200 = 0.00125; allow 5 SE.
    assert.ok(Math.abs(mean - 0.25) < 5 * 0.00125, `mean gap ${mean}`);
    for (let i = 1; i < 100; i++) assert.ok(arrivals[i]!.at >= arrivals[i - 1]!.at);
  });

  it('ConstantArrivalRate with fixed gaps is exact, and the same seed replays the same schedule', () => {
    assert.deepEqual([...new ConstantArrivalRate({ usersPerSecond: 2, maxUsers: 3, interArrival: 'fixed' }).arrivals(new Random('x'))].map((a) => a.at), [0, 0.5, 1]);
    const p = new ConstantArrivalRate({ usersPerSecond: 1, maxUsers: 50 });
    assert.deepEqual([...p.arrivals(new Random('s'))], [...p.arrivals(new Random('s'))]);
    assert.notDeepEqual([...p.arrivals(new Random('s'))], [...p.arrivals(new Random('t'))]);
  });

  it('the client-kind cycle repeats each kind weight times in a row, in order', () => {
    const c = clientKindCycle([1, 2, 0, 1]);
    assert.deepEqual(Array.from({ length: 8 }, () => c.next().value), [0, 1, 1, 3, 0, 1, 1, 3]);
    // master: 15 users × 3 clients with weights main 1, idle 2 → one main and two idle per user.
    assert.deepEqual(clientsPerKind([1, 2], 15, 3), [15, 30]);
    assert.throws(() => clientKindCycle([0, 0]).next());
  });
});
