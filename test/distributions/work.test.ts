import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DateTime } from 'luxon';
import { WorkDistribution, workDistribution, type WorkOptions } from '../../distributions/work.js';
import { assertErrorsAt, assertMoments, build, context, make } from './support.js';

const LA = 'America/Los_Angeles';
const at = (iso: string, zone = LA) => DateTime.fromISO(iso, { zone }).toMillis();
const work = (options: WorkOptions, now = 0, seed = 'work') => new WorkDistribution(options, context(seed, now));
const iso = (d: DateTime) => d.toISO();

describe('WorkDistribution: the walk (fixed offsets)', () => {
  it("reproduces the original's test example", () => {
    // US/Eastern; mon, wed, thu, sat; 10–20; 35 h 30 min from Sunday 2011-05-29 18:05:36.
    const d = work({ daysOfWeek: ['mon', 'wed', 'thu', 'sat'], beginHour: 10, endHour: 20, tzname: 'US/Eastern' });
    const result = d.placeOffset(35.5 * 3600, at('2011-05-29T18:05:36', 'US/Eastern'));
    assert.equal(iso(result), '2011-06-04T15:30:00.000-04:00');
    assert.equal(result.zoneName, 'US/Eastern');
  });

  it('starts the first window at now, not at beginHour, when now is inside it', () => {
    const d = work({ tzname: 'UTC' });
    const now = Date.UTC(2026, 0, 5, 12, 7); // a Monday
    // The walk starts at 12:15 (now rounded up to a quarter hour); the original would have said 09:00.
    assert.equal(iso(d.placeOffset(3600, now)), '2026-01-05T13:15:00.000Z');
    assert.equal(iso(d.placeOffset(0, now)), '2026-01-05T12:15:00.000Z');
    assert.equal(iso(d.placeOffset(4 * 3600 + 44 * 60 + 59, now)), '2026-01-05T16:45:00.000Z');
    // Exactly the rest of the window moves to the next one: samples never sit on endHour.
    assert.equal(iso(d.placeOffset(4 * 3600 + 45 * 60, now)), '2026-01-06T08:00:00.000Z');
    assert.equal(iso(d.placeOffset(1800, Date.UTC(2026, 0, 5, 18))), '2026-01-06T08:30:00.000Z');
    assert.equal(iso(d.placeOffset(1800, Date.UTC(2026, 0, 10, 10))), '2026-01-12T08:30:00.000Z');
  });

  it('keeps working hours in local time across the weekend DST switches', () => {
    const d = work({ beginHour: 8, endHour: 17, tzname: LA });
    assert.equal(iso(d.placeOffset(7200, at('2026-03-06T16:00'))), '2026-03-09T09:00:00.000-07:00');
    assert.equal(iso(d.placeOffset(7200, at('2026-10-30T16:00'))), '2026-11-02T09:00:00.000-08:00');
  });

  it('counts real time in a window that holds the spring-forward gap (01:00–03:00 is 1 h)', () => {
    const d = work({ daysOfWeek: ['sun'], beginHour: 1, endHour: 3, tzname: LA });
    const now = at('2026-03-07T23:00');
    assert.equal(iso(d.placeOffset(1800, now)), '2026-03-08T01:30:00.000-08:00');
    assert.equal(iso(d.placeOffset(3540, now)), '2026-03-08T01:45:00.000-08:00');
    assert.equal(iso(d.placeOffset(3600, now)), '2026-03-15T01:00:00.000-07:00');
    assert.equal(iso(d.placeOffset(5400, now)), '2026-03-15T01:30:00.000-07:00');
  });

  it('counts real time in a window that holds the repeated autumn hour (01:00–03:00 is 3 h)', () => {
    const d = work({ daysOfWeek: ['sun'], beginHour: 1, endHour: 3, tzname: LA });
    const now = at('2026-10-31T12:00');
    assert.equal(iso(d.placeOffset(1800, now)), '2026-11-01T01:30:00.000-07:00');
    assert.equal(iso(d.placeOffset(5400, now)), '2026-11-01T01:30:00.000-08:00');
    assert.equal(iso(d.placeOffset(9000, now)), '2026-11-01T02:30:00.000-08:00');
    assert.equal(iso(d.placeOffset(10800, now)), '2026-11-08T01:00:00.000-08:00');
  });

  it('gives a whole-day window on a 23-hour day 23 hours', () => {
    const d = work({ daysOfWeek: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'], beginHour: 0, endHour: 24, tzname: LA });
    const now = at('2026-03-07T00:00');
    assert.equal(iso(d.placeOffset(47 * 3600 - 1, now)), '2026-03-08T23:45:00.000-07:00');
    assert.equal(iso(d.placeOffset(47 * 3600, now)), '2026-03-09T00:00:00.000-07:00');
  });
});

describe('WorkDistribution: samples', () => {
  /** Luxon weekdays: 1 = Monday … 7 = Sunday. */
  function check(options: WorkOptions, nowIso: string, weekdays: number[], seed: string) {
    const now = at(nowIso);
    const d = work(options, now, seed);
    const begin = options.beginHour ?? 8;
    const end = options.endHour ?? 17;
    const bad: string[] = [];
    const days = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const t = d.sample();
      const ok =
        t.zoneName === LA &&
        weekdays.includes(t.weekday) &&
        t.hour >= begin &&
        t.hour < end &&
        t.minute % 15 === 0 &&
        t.second === 0 &&
        t.millisecond === 0 &&
        t.toMillis() >= now;
      if (!ok && bad.length < 5) bad.push(t.toISO()!);
      const key = `${t.toISODate()}${t.offset}`;
      days.set(key, (days.get(key) ?? 0) + 1);
    }
    assert.deepEqual(bad, [], `samples outside working hours for ${nowIso}`);
    return days;
  }

  const weekdays = [1, 2, 3, 4, 5];
  const everyDay = [1, 2, 3, 4, 5, 6, 7];
  const reference: WorkOptions = { daysOfWeek: ['mon', 'tue', 'wed', 'thu', 'fri'], beginHour: 8, endHour: 16, tzname: LA };
  const night: WorkOptions = { daysOfWeek: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'], beginHour: 1, endHour: 3, tzname: LA };

  it('fall inside mon–fri 08:00–16:00 Los Angeles around the March switch', () => {
    check(reference, '2026-03-06T15:00', weekdays, 'work-march');
    check(reference, '2026-03-08T01:30', weekdays, 'work-march-night');
  });

  it('fall inside mon–fri 08:00–16:00 Los Angeles around the November switch', () => {
    check(reference, '2026-10-30T10:00', weekdays, 'work-november');
  });

  it('fall inside 01:00–03:00 windows that hold the switches, and use them', () => {
    const march = check(night, '2026-03-01T12:00', everyDay, 'night-march');
    assert.ok((march.get('2026-03-08-420') ?? 0) + (march.get('2026-03-08-480') ?? 0) > 100);
    const november = check(night, '2026-10-25T12:00', everyDay, 'night-november');
    // The repeated hour: 01:xx PST on 1 November comes after 01:xx PDT.
    assert.ok((november.get('2026-11-01-480') ?? 0) > 100 && (november.get('2026-11-01-420') ?? 0) > 100);
  });

  it('draws the offset from Normal(6, 4) working days truncated at 0, a working day being the window', () => {
    // Truncated normal with α = −1.5 (6/4 below the mean): λ = φ(α)/(1 − Φ(α)),
    // mean = μ + σλ, variance = σ²(1 + αλ − λ²). Flooring to seconds is negligible.
    const d = work({ beginHour: 8, endHour: 17 });
    const day = 9 * 3600;
    const n = 100_000;
    const xs = new Float64Array(n);
    for (let i = 0; i < n; i++) xs[i] = d.drawOffsetSeconds();
    assert.ok(xs.every((x) => Number.isInteger(x) && x >= 0));
    const alpha = -1.5;
    const lambda = Math.exp(-(alpha * alpha) / 2) / Math.sqrt(2 * Math.PI) / 0.9331927987311419;
    assertMoments(xs, { mean: 6 * day + 4 * day * lambda - 0.5, sd: 4 * day * Math.sqrt(1 + alpha * lambda - lambda * lambda) });
  });
});

describe('WorkDistribution: params', () => {
  it('has the original defaults and describes itself', () => {
    const d = make(workDistribution, {});
    assert.equal(d.describe?.(), 'WorkDistribution(mon–fri 08:00–17:00 UTC)');
    assert.equal(make(workDistribution, reference()).describe?.(), 'WorkDistribution(mon–fri 08:00–16:00 America/Los_Angeles)');
    assert.equal(make(workDistribution, { daysOfWeek: ['sat', 'SUN'] }).describe?.(), 'WorkDistribution(sat,sun 08:00–17:00 UTC)');
    assert.equal(
      make(workDistribution, { daysOfWeek: ['Mon', 'WED', 'thu', 'sat'], tzname: 'america/new_york', endHour: 24 }).describe?.(),
      'WorkDistribution(mon,wed,thu,sat 08:00–24:00 America/New_York)',
    );
  });

  it('reports bad params at their keys, all of them', () => {
    assertErrorsAt(build(workDistribution, { daysOfWeek: ['mon', 'funday'] }), ['daysOfWeek[1]'], /unknown day "funday"/);
    assertErrorsAt(build(workDistribution, { daysOfWeek: [] }), ['daysOfWeek'], /at least one/);
    assertErrorsAt(build(workDistribution, { beginHour: 17, endHour: 8 }), ['beginHour'], /before endHour/);
    assertErrorsAt(build(workDistribution, { beginHour: 17 }), ['beginHour'], /before endHour/);
    assertErrorsAt(build(workDistribution, { tzname: 'Mars/Olympus_Mons' }), ['tzname'], /unknown time zone/);
    assertErrorsAt(build(workDistribution, { beginHour: 24, endHour: 25 }), ['beginHour', 'endHour']);
    const all = build(workDistribution, { daysOfWeek: ['xyz'], beginHour: 9, endHour: 9, tzname: 'Nowhere', bogus: 1 });
    assertErrorsAt(all, ['daysOfWeek[0]', 'beginHour', 'tzname']);
    assert.equal(all.errors.length, 3);
    assert.deepEqual(all.warnings.map((w) => w.path.split('.').pop()), ['bogus']);
    // A bad hour is not compared with the other one's default.
    const r = build(workDistribution, { beginHour: 30, endHour: 5 });
    assert.deepEqual(r.errors.map((e) => e.path.split('.').pop()), ['beginHour']);
  });

  it('rejects bad options given in code', () => {
    assert.throws(() => work({ tzname: 'Nowhere' }), /unknown time zone/);
    assert.throws(() => work({ beginHour: 9, endHour: 9 }), RangeError);
  });
});

function reference() {
  return { daysOfWeek: ['mon', 'tue', 'wed', 'thu', 'fri'], beginHour: 8, endHour: 16, tzname: LA };
}
