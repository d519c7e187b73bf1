import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import ICAL from 'ical.js';
import { DateTime, IANAZone } from 'luxon';
import { parseCalendarObject, type CalendarObject } from '../../lib/ical/calendar-object.js';
import { propertyUtcMs } from '../../lib/ical/datetime.js';
import { buildEvent, buildTask } from '../../profiles/ical-template.js';
import { vtimezoneFor } from '../../profiles/vtimezone.js';

const NOW = Date.UTC(2026, 0, 5, 9, 0, 0);
const LA = 'America/Los_Angeles';

function parsed(text: string): CalendarObject {
  const r = parseCalendarObject(text);
  assert.ok(r.ok, r.ok ? '' : `${r.condition}: ${r.message}`);
  return r.object;
}

const lines = (text: string) => text.replace(/\r\n[ \t]/g, '').split('\r\n');

/**
 * The VTIMEZONE against the IANA database: every 25 hours (so every hour of
 * the day comes round) from `fromYear` to `toYear`, ical.js's offset for the
 * local wall time equals luxon's, except at wall times that a change makes
 * ambiguous or skips.
 */
function assertMatchesIana(tzid: string, aroundMs: number, fromYear: number, toYear: number): number {
  const tz = new ICAL.Timezone(vtimezoneFor(tzid, aroundMs));
  const zone = IANAZone.create(tzid);
  let checked = 0;
  for (let u = Date.UTC(fromYear, 0, 1); u < Date.UTC(toYear + 1, 0, 1); u += 25 * 3600_000) {
    const offset = zone.offset(u);
    if (zone.offset(u - 3 * 3600_000) !== offset || zone.offset(u + 3 * 3600_000) !== offset) continue;
    const w = new Date(u + offset * 60_000);
    const local = ICAL.Time.fromData({ year: w.getUTCFullYear(), month: w.getUTCMonth() + 1, day: w.getUTCDate(), hour: w.getUTCHours(), minute: w.getUTCMinutes(), second: 0 });
    assert.equal(tz.utcOffset(local), offset * 60, `${tzid} at ${new Date(u).toISOString()}`);
    checked++;
  }
  return checked;
}

describe('event and task iCalendar', () => {
  it('a UTC start gives plain Z times and no VTIMEZONE; the template fields are all there, CRLF', () => {
    const start = DateTime.fromMillis(NOW + 3600_000, { zone: 'utc' });
    const text = buildEvent({ uid: 'u-1', start, durationSeconds: 2700, nowMs: NOW });
    assert.ok(text.endsWith('\r\n') && !/[^\r]\n/.test(text), 'CRLF line ends only');
    const ls = lines(text);
    for (const l of ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Apple Inc.//iCal 4.0.3//EN', 'CALSCALE:GREGORIAN', 'UID:u-1', 'TRANSP:OPAQUE', 'SUMMARY:Simple event', 'SEQUENCE:2']) {
      assert.ok(ls.includes(l), l);
    }
    assert.ok(ls.includes('DTSTART:20260105T100000Z'));
    assert.ok(ls.includes('DTEND:20260105T104500Z'));
    assert.ok(ls.includes('DTSTAMP:20260105T090000Z') && ls.includes('CREATED:20260105T090000Z'));
    assert.ok(!text.includes('VTIMEZONE'));
    const o = parsed(text);
    assert.equal(o.component, 'VEVENT');
    assert.equal(o.uid, 'u-1');
    assert.equal(o.recurring, false);
  });

  it('a zoned start carries its TZID and a VTIMEZONE that is right on both sides of the DST changes', () => {
    const cases = [
      ['2026-03-07T10:00', '-08:00'],
      ['2026-03-08T01:30', '-08:00'],
      ['2026-03-08T03:30', '-07:00'],
      ['2026-03-09T10:00', '-07:00'],
      ['2026-10-31T10:00', '-07:00'],
      ['2026-11-02T10:00', '-08:00'],
    ] as const;
    for (const [wall, offset] of cases) {
      const start = DateTime.fromISO(wall, { zone: LA });
      assert.equal(start.toFormat('ZZ'), offset);
      const text = buildEvent({ uid: `la-${wall}`, start, durationSeconds: 3600, nowMs: NOW });
      const ls = lines(text);
      assert.ok(ls.includes(`DTSTART;TZID=${LA}:${start.toFormat("yyyyMMdd'T'HHmmss")}`), wall);
      assert.ok(ls.includes(`TZID:${LA}`));
      assert.ok(text.indexOf('BEGIN:VTIMEZONE') < text.indexOf('BEGIN:VEVENT'));
      const o = parsed(text);
      assert.equal(propertyUtcMs(o.master!.getFirstProperty('dtstart')), start.toMillis(), wall);
      assert.equal(propertyUtcMs(o.master!.getFirstProperty('dtend')), start.toMillis() + 3600_000, wall);
    }
  });

  it('DTEND is start + duration in elapsed time, written in the start zone (across spring-forward)', () => {
    const start = DateTime.fromISO('2026-03-08T01:00', { zone: LA });
    const ls = lines(buildEvent({ uid: 'span', start, durationSeconds: 2 * 3600, nowMs: NOW }));
    // 01:00 PST + 2 h = 04:00 PDT: the clock skipped 02:00–03:00.
    assert.ok(ls.includes(`DTEND;TZID=${LA}:20260308T040000`));
  });

  it('rule-based zones get a STANDARD/DAYLIGHT pair with RRULEs that stays right for years', () => {
    const vtz = vtimezoneFor(LA, NOW);
    const ruled = vtz.getAllSubcomponents().filter((c) => c.hasProperty('rrule'));
    assert.deepEqual(ruled.map((c) => c.name).sort(), ['daylight', 'standard']);
    // Besides them, only the offset in force before the first change.
    assert.equal(vtz.getAllSubcomponents().length, 3);
    const rules = ruled.map((c) => String(c.getFirstPropertyValue('rrule')));
    assert.deepEqual(rules.sort(), ['FREQ=YEARLY;BYMONTH=11;BYDAY=1SU', 'FREQ=YEARLY;BYMONTH=3;BYDAY=2SU']);
    assert.ok(assertMatchesIana(LA, NOW, 2025, 2035) > 3_000);
    // Southern hemisphere; "last Sunday" rules; half-hour offsets.
    for (const tzid of ['Australia/Sydney', 'Europe/London', 'Asia/Kolkata', 'Australia/Adelaide']) assertMatchesIana(tzid, NOW, 2025, 2028);
  });

  it('zones without changes get one observance; irregular ones explicit changes, exact in the span', () => {
    const tokyo = vtimezoneFor('Asia/Tokyo', NOW);
    assert.equal(tokyo.getAllSubcomponents().length, 1);
    assertMatchesIana('Asia/Tokyo', NOW, 2025, 2030);
    // Casablanca leaves +01 for Ramadan, on dates no yearly rule gives.
    const casa = vtimezoneFor('Africa/Casablanca', NOW);
    assert.ok(casa.getAllSubcomponents().length > 3);
    assert.ok(casa.getAllSubcomponents().every((c) => !c.hasProperty('rrule')));
    assertMatchesIana('Africa/Casablanca', NOW, 2025, 2028);
  });

  it('a weekly event across a DST change stays at 10:00 local time', () => {
    const start = DateTime.fromISO('2026-02-02T10:00', { zone: LA });
    const o = parsed(buildEvent({ uid: 'weekly', start, durationSeconds: 1800, nowMs: NOW, rrule: 'FREQ=WEEKLY;COUNT=10' }));
    assert.equal(o.recurring, true);
    const it = new ICAL.RecurExpansion({ component: o.master!, dtstart: o.master!.getFirstPropertyValue('dtstart') as ICAL.Time });
    const tz = new ICAL.Timezone(o.vcalendar.getFirstSubcomponent('vtimezone')!);
    const utc: number[] = [];
    for (let t = it.next(); t; t = it.next()) {
      const local = DateTime.fromObject({ year: t.year, month: t.month, day: t.day, hour: t.hour, minute: t.minute }, { zone: 'utc' });
      utc.push(local.toMillis() - tz.utcOffset(t) * 1000);
    }
    assert.equal(utc.length, 10);
    for (const u of utc) assert.equal(DateTime.fromMillis(u, { zone: LA }).toFormat('HH:mm'), '10:00');
    // Five weeks in PST, five in PDT (from March 8).
    assert.deepEqual(utc.map((u) => DateTime.fromMillis(u, { zone: LA }).offset), [...Array(5).fill(-480), ...Array(5).fill(-420)]);
  });

  it('organizer, attendees (CN, CUTYPE, PARTSTAT, ROLE, RSVP) and an alarm', () => {
    const text = buildEvent({
      uid: 'meet',
      start: DateTime.fromMillis(NOW + 7200_000, { zone: 'utc' }),
      durationSeconds: 900,
      nowMs: NOW,
      organizer: { address: 'mailto:user01@example.com', cn: 'User 01' },
      attendees: [
        { address: 'mailto:user01@example.com', cn: 'User 01', partstat: 'ACCEPTED' },
        { address: 'mailto:user02@example.com', cn: 'Doe, Jane', partstat: 'NEEDS-ACTION', role: 'REQ-PARTICIPANT', rsvp: true },
      ],
      alarm: { uid: 'alarm-1' },
    });
    const o = parsed(text);
    assert.equal(o.organizer, 'mailto:user01@example.com');
    assert.deepEqual(
      o.attendees.map((a) => [a.address, a.cn, a.params.cutype, a.partstat, a.role, a.rsvp]),
      [
        ['mailto:user01@example.com', 'User 01', 'INDIVIDUAL', 'ACCEPTED', undefined, undefined],
        ['mailto:user02@example.com', 'Doe, Jane', 'INDIVIDUAL', 'NEEDS-ACTION', 'REQ-PARTICIPANT', true],
      ],
    );
    assert.ok(lines(text).some((l) => l.startsWith('ATTENDEE;CN="Doe, Jane"')), 'a CN with a comma is quoted');
    const alarm = o.master!.getFirstSubcomponent('valarm')!;
    assert.equal(String(alarm.getFirstPropertyValue('trigger')), '-PT8M');
    assert.equal(alarm.getFirstPropertyValue('action'), 'DISPLAY');
  });

  it('a task has DUE (zoned or UTC) and parses as a VTODO', () => {
    const due = DateTime.fromISO('2026-07-01T17:00', { zone: 'Europe/Paris' });
    const text = buildTask({ uid: 'task-1', due, nowMs: NOW });
    assert.ok(lines(text).includes('DUE;TZID=Europe/Paris:20260701T170000'));
    assert.ok(lines(text).includes('SUMMARY:Simple task'));
    const o = parsed(text);
    assert.equal(o.component, 'VTODO');
    assert.equal(propertyUtcMs(o.master!.getFirstProperty('due')), due.toMillis());
    assert.ok(lines(buildTask({ uid: 't2', due: DateTime.fromMillis(NOW, { zone: 'utc' }), nowMs: NOW })).includes('DUE:20260105T090000Z'));
  });
});
