import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import ICAL from 'ical.js';
import { parseCalendarObject } from '../../lib/ical/calendar-object.js';
import { expandCalendarObject } from '../../lib/ical/expand.js';
import { VTIMEZONE_LA, contentLines, event, ics, isCrlf, parse, range, vevent } from './support.js';

/** The expanded text re-parsed: its VEVENTs as [RECURRENCE-ID, DTSTART, DTEND, SUMMARY] in iCalendar form. */
function reparse(text: string): { vcal: ICAL.Component; rows: (string | undefined)[][] } {
  const vcal = new ICAL.Component(ICAL.parse(text) as unknown[]);
  const str = (c: ICAL.Component, n: string) => {
    const v = c.getFirstPropertyValue(n);
    return v === null ? undefined : v instanceof ICAL.Time ? v.toICALString() : String(v);
  };
  const rows = vcal.getAllSubcomponents('vevent').map((c) => [str(c, 'recurrence-id'), str(c, 'dtstart'), str(c, 'dtend'), str(c, 'summary')]);
  return { vcal, rows };
}

describe('expandCalendarObject (RFC 4791 §9.6.5)', () => {
  const weekly = () =>
    parse(
      ics(
        VTIMEZONE_LA,
        vevent(`DTSTART;TZID=America/Los_Angeles:20260302T090000
                DTEND;TZID=America/Los_Angeles:20260302T100000
                RRULE:FREQ=WEEKLY
                EXDATE;TZID=America/Los_Angeles:20260316T090000
                SUMMARY:weekly
                BEGIN:VALARM
                ACTION:DISPLAY
                DESCRIPTION:soon
                TRIGGER:-PT10M
                END:VALARM`),
        vevent(`RECURRENCE-ID;TZID=America/Los_Angeles:20260323T090000
                DTSTART;TZID=America/Los_Angeles:20260323T140000
                DTEND;TZID=America/Los_Angeles:20260323T150000
                SUMMARY:moved`),
      ),
    );

  it('writes each instance in the range as its own component, in UTC, with RECURRENCE-ID', () => {
    const text = expandCalendarObject(weekly(), range('2026-03-01T00:00:00Z', '2026-03-31T00:00:00Z'));
    assert.ok(isCrlf(text), 'CRLF line ends');
    const { vcal, rows } = reparse(text);
    assert.deepEqual(rows, [
      ['20260302T170000Z', '20260302T170000Z', '20260302T180000Z', 'weekly'],
      ['20260309T160000Z', '20260309T160000Z', '20260309T170000Z', 'weekly'],
      ['20260323T160000Z', '20260323T210000Z', '20260323T220000Z', 'moved'],
      ['20260330T160000Z', '20260330T160000Z', '20260330T170000Z', 'weekly'],
    ]);
    assert.equal(vcal.getAllSubcomponents('vtimezone').length, 0, 'no VTIMEZONE');
    const lines = contentLines(text);
    for (const banned of ['RRULE', 'RDATE', 'EXDATE', 'EXRULE', 'METHOD']) {
      assert.ok(!lines.some((l) => l.startsWith(banned)), `no ${banned}`);
    }
    assert.ok(!lines.some((l) => l.includes('TZID=')), 'no TZID left');
    assert.equal(vcal.getAllSubcomponents('vevent')[0]!.getAllSubcomponents('valarm').length, 1, 'alarms stay with their instance');
    // The output is itself a valid calendar object resource (overrides only, one UID).
    assert.ok(parseCalendarObject(text).ok);
  });

  it('keeps all-day instances as DATE values', () => {
    const o = event('DTSTART;VALUE=DATE:20260310\nDTEND;VALUE=DATE:20260311\nRRULE:FREQ=DAILY;COUNT=5\nSUMMARY:all day');
    const { rows } = reparse(expandCalendarObject(o, range('2026-03-11T12:00:00Z', '2026-03-13T00:00:00Z')));
    assert.deepEqual(rows, [
      ['20260311', '20260311', '20260312', 'all day'],
      ['20260312', '20260312', '20260313', 'all day'],
    ]);
  });

  it('a non-recurring event: once, in UTC, without RECURRENCE-ID; nothing when outside the range', () => {
    const o = event('DTSTART;TZID=Europe/Paris:20260310T100000\nDURATION:PT1H\nSUMMARY:single');
    const { rows } = reparse(expandCalendarObject(o, range('2026-03-10T00:00:00Z', '2026-03-11T00:00:00Z')));
    assert.deepEqual(rows, [[undefined, '20260310T090000Z', undefined, 'single']]);
    assert.deepEqual(reparse(expandCalendarObject(o, range('2026-03-11T00:00:00Z', '2026-03-12T00:00:00Z'))).rows, []);
  });

  it('an instance from RDATE;VALUE=PERIOD gets its own DTEND', () => {
    const o = event('DTSTART:20260302T100000Z\nDURATION:PT1H\nRDATE;VALUE=PERIOD:20260305T080000Z/PT3H\nSUMMARY:p');
    const text = expandCalendarObject(o, range('2026-03-04T00:00:00Z', '2026-03-06T00:00:00Z'));
    const c = reparse(text).vcal.getFirstSubcomponent('vevent')!;
    assert.equal((c.getFirstPropertyValue('dtend') as ICAL.Time).toICALString(), '20260305T110000Z');
    assert.equal(c.getFirstPropertyValue('duration'), null);
  });

  it('converts floating times as UTC', () => {
    const o = event('DTSTART:20260310T100000\nDTEND:20260310T110000\nRRULE:FREQ=DAILY;COUNT=2');
    assert.deepEqual(reparse(expandCalendarObject(o, range('2026-03-11T00:00:00Z', '2026-03-12T00:00:00Z'))).rows, [['20260311T100000Z', '20260311T100000Z', '20260311T110000Z', undefined]]);
  });
});
