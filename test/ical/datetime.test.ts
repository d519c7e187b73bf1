import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import ICAL from 'ical.js';
import { FLOATING_ZONE, addDuration, isIanaTzid, propertyUtcMs, utcMsToWall, wallToUtcMs, type ZoneRef } from '../../lib/ical/datetime.js';
import { VTIMEZONE_LA, ics, parse, vevent } from './support.js';

const LA: ZoneRef = { kind: 'iana', tzid: 'America/Los_Angeles' };
const wall = (y: number, mo: number, d: number, h: number, mi = 0) => ({ year: y, month: mo, day: d, hour: h, minute: mi, second: 0 });
const iso = (ms: number) => new Date(ms).toISOString();

describe('datetime: wall clocks and instants (RFC 5545 §3.3.5)', () => {
  it('an ordinary local time, either side of the change', () => {
    assert.equal(iso(wallToUtcMs(wall(2026, 3, 7, 9), LA)), '2026-03-07T17:00:00.000Z');
    assert.equal(iso(wallToUtcMs(wall(2026, 3, 9, 9), LA)), '2026-03-09T16:00:00.000Z');
  });

  it('a time skipped by the spring change takes the offset from before the gap', () => {
    // 02:30 on 8 March 2026 does not exist in Los Angeles: read with UTC-8, it is 03:30 PDT.
    assert.equal(iso(wallToUtcMs(wall(2026, 3, 8, 2, 30), LA)), '2026-03-08T10:30:00.000Z');
  });

  it('a time that occurs twice in the autumn is the first of the two', () => {
    // 01:30 on 1 November 2026 happens in PDT (08:30Z) and again in PST (09:30Z).
    assert.equal(iso(wallToUtcMs(wall(2026, 11, 1, 1, 30), LA)), '2026-11-01T08:30:00.000Z');
  });

  it('floating times are UTC unless another floating zone is asked for', () => {
    assert.equal(iso(wallToUtcMs(wall(2026, 3, 10, 9), FLOATING_ZONE)), '2026-03-10T09:00:00.000Z');
    assert.equal(iso(wallToUtcMs(wall(2026, 3, 10, 9), FLOATING_ZONE, 'Europe/Paris')), '2026-03-10T08:00:00.000Z');
  });

  it('round trips through a VTIMEZONE zone', () => {
    const o = parse(ics(VTIMEZONE_LA, vevent('DTSTART;TZID=America/Los_Angeles:20260309T090000')));
    const prop = o.master!.getFirstProperty('dtstart')!;
    const ms = propertyUtcMs(prop)!;
    assert.equal(iso(ms), '2026-03-09T16:00:00.000Z');
    const zone: ZoneRef = { kind: 'vtimezone', tzid: 'America/Los_Angeles', zone: (prop.getFirstValue() as ICAL.Time).zone };
    assert.deepEqual(utcMsToWall(ms, zone), wall(2026, 3, 9, 9));
  });

  it('durations: days are nominal, hours exact', () => {
    const noonBefore = wallToUtcMs(wall(2026, 3, 7, 12), LA);
    const hours = (d: string) => (addDuration(noonBefore, ICAL.Duration.fromString(d), LA) - noonBefore) / 3_600_000;
    assert.equal(hours('P1D'), 23);
    assert.equal(hours('PT24H'), 24);
    assert.equal(hours('P1DT1H'), 24);
    assert.equal(hours('-P1D'), -24);
  });

  it('knows IANA names', () => {
    assert.equal(isIanaTzid('America/Los_Angeles'), true);
    assert.equal(isIanaTzid('Mars/Olympus'), false);
  });
});
