import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import ICAL from 'ical.js';
import '../../lib/ical/shared-timezone-expansion.js';

/** A VTIMEZONE with US-style rules and the given standard and daylight offsets (±hhmm). */
function zone(tzid: string, std: string, dst: string): ICAL.Timezone {
  const text = [
    'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VTIMEZONE', `TZID:${tzid}`,
    'BEGIN:DAYLIGHT', `TZOFFSETFROM:${std}`, 'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU', 'DTSTART:20070311T020000', `TZOFFSETTO:${dst}`, 'END:DAYLIGHT',
    'BEGIN:STANDARD', `TZOFFSETFROM:${dst}`, 'RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU', 'DTSTART:20071104T020000', `TZOFFSETTO:${std}`, 'END:STANDARD',
    'END:VTIMEZONE', 'END:VCALENDAR',
  ].join('\r\n');
  const vtimezone = new ICAL.Component(ICAL.parse(text) as unknown[]).getFirstSubcomponent('vtimezone')!;
  return new ICAL.Timezone({ component: vtimezone, tzid });
}

/** UTC offsets, hours, at noon on these dates (winter, summer, the days around the 2026 changes, and years later). */
function offsets(z: ICAL.Timezone): number[] {
  const days: [number, number, number][] = [[2026, 1, 15], [2026, 7, 15], [2026, 3, 7], [2026, 3, 9], [2026, 10, 31], [2026, 11, 2], [2045, 1, 15], [2045, 7, 15], [2011, 7, 1]];
  return days.map(([year, month, day]) => z.utcOffset(new ICAL.Time({ year, month, day, hour: 12, minute: 0, second: 0, isDate: false }, null as unknown as ICAL.Timezone)) / 3600);
}

describe('shared VTIMEZONE expansions', () => {
  it('a second zone made from the same VTIMEZONE has the offsets of the first, years past the first one asked about included', () => {
    const first = offsets(zone('America/Los_Angeles', '-0800', '-0700'));
    assert.deepEqual(first, [-8, -7, -8, -7, -7, -8, -8, -7, -7]);
    assert.deepEqual(offsets(zone('America/Los_Angeles', '-0800', '-0700')), first);
  });

  it('a VTIMEZONE with the same TZID but other rules gets its own expansion', () => {
    offsets(zone('America/Los_Angeles', '-0800', '-0700'));
    assert.deepEqual(offsets(zone('America/Los_Angeles', '-0500', '-0400')), [-5, -4, -5, -4, -4, -5, -5, -4, -4]);
  });

  it('a zone takes a copy: expanding one further leaves the others as they were', () => {
    const a = zone('Europe/Test', '+0100', '+0200');
    const b = zone('Europe/Test', '+0100', '+0200');
    assert.equal(a.utcOffset(new ICAL.Time({ year: 2026, month: 7, day: 1, hour: 12, isDate: false }, null as unknown as ICAL.Timezone)) / 3600, 2);
    assert.equal(b.utcOffset(new ICAL.Time({ year: 2026, month: 7, day: 1, hour: 12, isDate: false }, null as unknown as ICAL.Timezone)) / 3600, 2);
    const before = (b as unknown as { changes: unknown[] }).changes.length;
    assert.equal(a.utcOffset(new ICAL.Time({ year: 2090, month: 7, day: 1, hour: 12, isDate: false }, null as unknown as ICAL.Timezone)) / 3600, 2);
    assert.equal((b as unknown as { changes: unknown[] }).changes.length, before);
  });
});
