import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { findInstances, instancesInRange, matchesTimeRange } from '../../lib/ical/time-range.js';
import type { CalendarObject } from '../../lib/ical/calendar-object.js';
import { VTIMEZONE_CUSTOM, VTIMEZONE_LA, event, ics, journal, parse, range, todo, vevent, vfreebusy } from './support.js';

/** Assert the §9.9 answer for each [start, end, expected] range (ISO strings, undefined = open). */
function table(o: CalendarObject, name: string, rows: [string | undefined, string | undefined, boolean][]): void {
  for (const [s, e, expected] of rows) {
    assert.equal(matchesTimeRange(o, name, range(s, e)), expected, `${name} in [${s ?? '-inf'}, ${e ?? '+inf'})`);
  }
}

const H = (hhmmss: string) => `2026-03-10T${hhmmss}Z`;

describe('RFC 4791 §9.9 VEVENT table', () => {
  it('Y N N *: DTEND — (start < DTEND AND end > DTSTART)', () => {
    const o = event('DTSTART:20260310T100000Z\nDTEND:20260310T110000Z');
    table(o, 'VEVENT', [
      [H('09:00:00'), H('10:00:00'), false],
      [H('09:00:00'), H('10:00:01'), true],
      [H('10:59:59'), H('12:00:00'), true],
      [H('11:00:00'), H('12:00:00'), false],
      [undefined, H('10:00:00'), false],
      [undefined, H('10:00:01'), true],
      [H('10:59:59'), undefined, true],
      [H('11:00:00'), undefined, false],
    ]);
  });

  it('N Y Y *: DURATION > 0 — (start < DTSTART+DURATION AND end > DTSTART)', () => {
    const o = event('DTSTART:20260310T100000Z\nDURATION:PT1H');
    table(o, 'VEVENT', [
      [H('09:00:00'), H('10:00:00'), false],
      [H('09:00:00'), H('10:00:01'), true],
      [H('10:59:59'), H('12:00:00'), true],
      [H('11:00:00'), H('12:00:00'), false],
    ]);
  });

  it('N Y N *: DURATION of 0 — (start <= DTSTART AND end > DTSTART)', () => {
    const o = event('DTSTART:20260310T100000Z\nDURATION:PT0S');
    table(o, 'VEVENT', [
      [H('10:00:00'), H('10:30:00'), true],
      [H('09:00:00'), H('10:00:00'), false],
      [H('10:00:01'), H('11:00:00'), false],
      [undefined, H('10:00:01'), true],
    ]);
  });

  it('N N N Y: DATE-TIME DTSTART alone — (start <= DTSTART AND end > DTSTART)', () => {
    const o = event('DTSTART:20260310T100000Z');
    table(o, 'VEVENT', [
      [H('10:00:00'), H('10:00:01'), true],
      [H('09:00:00'), H('10:00:00'), false],
      [H('10:00:01'), undefined, false],
    ]);
  });

  it('N N N N: DATE DTSTART alone (all-day) — (start < DTSTART+P1D AND end > DTSTART)', () => {
    const o = event('DTSTART;VALUE=DATE:20260310');
    table(o, 'VEVENT', [
      ['2026-03-10T23:59:59Z', '2026-03-12T00:00:00Z', true],
      ['2026-03-11T00:00:00Z', '2026-03-12T00:00:00Z', false],
      ['2026-03-09T00:00:00Z', '2026-03-10T00:00:00Z', false],
      ['2026-03-09T00:00:00Z', '2026-03-10T00:00:01Z', true],
    ]);
  });

  it('an all-day event over two days by DTEND;VALUE=DATE', () => {
    const o = event('DTSTART;VALUE=DATE:20260310\nDTEND;VALUE=DATE:20260312');
    table(o, 'VEVENT', [
      ['2026-03-11T12:00:00Z', '2026-03-11T13:00:00Z', true],
      ['2026-03-12T00:00:00Z', '2026-03-13T00:00:00Z', false],
    ]);
    const [i] = instancesInRange(o, range('2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z'));
    assert.equal(i!.allDay, true);
    assert.equal(i!.end.toISOString(), '2026-03-12T00:00:00.000Z');
  });

  it('DTEND = DTSTART is tested like every zero-length event (our documented choice)', () => {
    const o = event('DTSTART:20260310T100000Z\nDTEND:20260310T100000Z');
    table(o, 'VEVENT', [
      [H('10:00:00'), H('11:00:00'), true],
      [H('09:00:00'), H('10:00:00'), false],
    ]);
  });

  it('only the component type named matches', () => {
    const o = event('DTSTART:20260310T100000Z\nDURATION:PT1H');
    assert.equal(matchesTimeRange(o, 'VTODO', range(H('09:00:00'), H('12:00:00'))), false);
    assert.equal(matchesTimeRange(o, 'vevent', range(H('09:00:00'), H('12:00:00'))), true, 'names are case-insensitive');
  });
});

describe('RFC 4791 §9.9 VTODO table', () => {
  it('Y Y N * *: DTSTART+DURATION — (start <= DTSTART+DURATION) AND ((end > DTSTART) OR (end >= DTSTART+DURATION))', () => {
    const o = todo('DTSTART:20260310T100000Z\nDURATION:PT1H');
    table(o, 'VTODO', [
      [H('11:00:00'), H('12:00:00'), true], // start = DTSTART+DURATION, inclusive
      [H('11:00:01'), H('12:00:00'), false],
      [H('09:00:00'), H('10:00:00'), false],
      [H('09:00:00'), H('10:00:01'), true],
    ]);
  });

  it('Y N Y * *: DTSTART and DUE — ((start < DUE) OR (start <= DTSTART)) AND ((end > DTSTART) OR (end >= DUE))', () => {
    const o = todo('DTSTART:20260310T100000Z\nDUE:20260310T110000Z');
    table(o, 'VTODO', [
      [H('10:59:59'), H('12:00:00'), true],
      [H('11:00:00'), H('12:00:00'), false],
      [H('09:00:00'), H('10:00:00'), false],
      [H('09:00:00'), H('10:00:01'), true],
    ]);
    // DUE = DTSTART: the "start <= DTSTART" and "end >= DUE" alternatives make a point in time match.
    const point = todo('DTSTART:20260310T100000Z\nDUE:20260310T100000Z');
    table(point, 'VTODO', [
      [H('10:00:00'), H('10:00:00'), true],
      [H('09:00:00'), H('10:00:00'), true],
      [H('10:00:01'), H('11:00:00'), false],
    ]);
  });

  it('Y N N * *: DTSTART alone — (start <= DTSTART) AND (end > DTSTART)', () => {
    const o = todo('DTSTART:20260310T100000Z\nCOMPLETED:20260101T000000Z');
    table(o, 'VTODO', [
      [H('10:00:00'), H('10:00:01'), true],
      [H('09:00:00'), H('10:00:00'), false],
      [H('10:00:01'), H('11:00:00'), false],
    ]);
  });

  it('N N Y * *: DUE alone — (start < DUE) AND (end >= DUE)', () => {
    const o = todo('DUE:20260310T100000Z\nCREATED:20260101T000000Z');
    table(o, 'VTODO', [
      [H('09:00:00'), H('10:00:00'), true],
      [H('10:00:00'), H('11:00:00'), false],
      [H('09:00:00'), H('09:59:59'), false],
    ]);
  });

  it('N N N Y Y: COMPLETED and CREATED — ((start <= CREATED) OR (start <= COMPLETED)) AND ((end >= CREATED) OR (end >= COMPLETED))', () => {
    const o = todo('CREATED:20260310T100000Z\nCOMPLETED:20260310T120000Z');
    table(o, 'VTODO', [
      [H('11:00:00'), H('11:30:00'), true], // between the two
      [H('12:00:00'), H('13:00:00'), true],
      [H('12:00:01'), H('13:00:00'), false],
      [H('09:00:00'), H('10:00:00'), true],
      [H('08:00:00'), H('09:59:59'), false],
    ]);
  });

  it('N N N Y N: COMPLETED alone — (start <= COMPLETED) AND (end >= COMPLETED)', () => {
    const o = todo('COMPLETED:20260310T120000Z');
    table(o, 'VTODO', [
      [H('11:00:00'), H('12:00:00'), true],
      [H('12:00:00'), H('13:00:00'), true],
      [H('12:00:01'), H('13:00:00'), false],
      [H('11:00:00'), H('11:59:59'), false],
    ]);
  });

  it('N N N N Y: CREATED alone — (end > CREATED)', () => {
    const o = todo('CREATED:20260310T120000Z');
    table(o, 'VTODO', [
      [H('11:00:00'), H('12:00:01'), true],
      [H('11:00:00'), H('12:00:00'), false],
      ['2030-01-01T00:00:00Z', undefined, true],
    ]);
  });

  it('N N N N N: no dates — TRUE', () => {
    table(todo('SUMMARY:someday'), 'VTODO', [
      ['1990-01-01T00:00:00Z', '1990-01-02T00:00:00Z', true],
      [H('11:00:00'), undefined, true],
    ]);
  });
});

describe('RFC 4791 §9.9 VJOURNAL table', () => {
  it('Y Y: DATE-TIME — (start <= DTSTART) AND (end > DTSTART)', () => {
    table(journal('DTSTART:20260310T100000Z'), 'VJOURNAL', [
      [H('10:00:00'), H('10:00:01'), true],
      [H('09:00:00'), H('10:00:00'), false],
    ]);
  });
  it('Y N: DATE — (start < DTSTART+P1D) AND (end > DTSTART)', () => {
    table(journal('DTSTART;VALUE=DATE:20260310'), 'VJOURNAL', [
      ['2026-03-10T23:00:00Z', '2026-03-11T01:00:00Z', true],
      ['2026-03-11T00:00:00Z', '2026-03-11T01:00:00Z', false],
    ]);
  });
  it('N *: no DTSTART — FALSE', () => {
    table(journal('SUMMARY:undated'), 'VJOURNAL', [[undefined, '2030-01-01T00:00:00Z', false]]);
  });
});

describe('RFC 4791 §9.9 VFREEBUSY table', () => {
  it('Y *: DTSTART and DTEND — (start <= DTEND) AND (end > DTSTART)', () => {
    const o = parse(ics(vfreebusy('DTSTART:20260310T100000Z\nDTEND:20260310T110000Z\nFREEBUSY:20260320T100000Z/PT1H')));
    table(o, 'VFREEBUSY', [
      [H('11:00:00'), H('12:00:00'), true], // start = DTEND is inclusive here
      [H('11:00:01'), H('12:00:00'), false],
      [H('09:00:00'), H('10:00:00'), false],
      ['2026-03-20T10:00:00Z', '2026-03-20T11:00:00Z', false], // FREEBUSY ignored when DTSTART/DTEND are there
    ]);
  });
  it('N Y: FREEBUSY periods — (start < period-end) AND (end > period-start), any FBTYPE', () => {
    const o = parse(ics(vfreebusy('FREEBUSY;FBTYPE=FREE:20260310T100000Z/PT1H,20260310T140000Z/20260310T150000Z')));
    table(o, 'VFREEBUSY', [
      [H('10:59:59'), H('12:00:00'), true],
      [H('11:00:00'), H('14:00:00'), false],
      [H('14:30:00'), H('14:31:00'), true],
    ]);
  });
  it('N N: neither — FALSE', () => {
    table(parse(ics(vfreebusy('DTSTART:20260310T100000Z'))), 'VFREEBUSY', [[undefined, undefined, false]]);
  });
});

describe('RFC 4791 §9.9 VALARM', () => {
  const alarm = (trigger: string, more = '') => `BEGIN:VALARM\nACTION:DISPLAY\nDESCRIPTION:x\n${trigger}\n${more}\nEND:VALARM`;

  it('a relative trigger: (start <= trigger-time) AND (end > trigger-time)', () => {
    const o = event(`DTSTART:20260310T100000Z\nDURATION:PT1H\n${alarm('TRIGGER:-PT15M')}`);
    table(o, 'VALARM', [
      [H('09:45:00'), H('09:45:01'), true],
      [H('09:00:00'), H('09:45:00'), false],
      [H('09:45:01'), H('12:00:00'), false],
    ]);
  });

  it('RELATED=END, an absolute trigger, and repetitions', () => {
    table(event(`DTSTART:20260310T100000Z\nDURATION:PT1H\n${alarm('TRIGGER;RELATED=END:PT5M')}`), 'VALARM', [
      [H('11:05:00'), H('11:05:01'), true],
      [H('09:00:00'), H('11:00:00'), false],
    ]);
    table(event(`DTSTART:20260310T100000Z\n${alarm('TRIGGER;VALUE=DATE-TIME:20260309T080000Z')}`), 'VALARM', [
      ['2026-03-09T08:00:00Z', '2026-03-09T08:00:01Z', true],
      [H('09:00:00'), H('12:00:00'), false],
    ]);
    const repeating = event(`DTSTART:20260310T100000Z\n${alarm('TRIGGER:-PT30M', 'REPEAT:2\nDURATION:PT10M')}`);
    table(repeating, 'VALARM', [
      [H('09:50:00'), H('09:50:01'), true], // the second repetition
      [H('09:51:00'), H('10:00:00'), false],
    ]);
  });

  it('on a recurring event: an alarm rings in the range for an instance starting after it', () => {
    const o = event(`DTSTART:20260302T100000Z\nDURATION:PT1H\nRRULE:FREQ=DAILY\n${alarm('TRIGGER:-P1D')}`);
    // The instance of 20 March alarms on 19 March at 10:00.
    table(o, 'VALARM', [
      ['2026-03-19T09:59:00Z', '2026-03-19T10:01:00Z', true],
      ['2026-03-19T10:01:00Z', '2026-03-20T09:59:00Z', false],
    ]);
  });
});

describe('recurrence in time-range tests', () => {
  const weekly = () =>
    parse(
      ics(
        vevent(`DTSTART:20260302T100000Z
                DURATION:PT1H
                RRULE:FREQ=WEEKLY
                EXDATE:20260309T100000Z
                SUMMARY:weekly`),
        vevent(`RECURRENCE-ID:20260316T100000Z
                DTSTART:20260316T150000Z
                DURATION:PT1H
                SUMMARY:moved`),
      ),
    );

  it('a weekly RRULE with an EXDATE and an overridden instance, instance by instance', () => {
    const o = weekly();
    const got = instancesInRange(o, range('2026-03-01T00:00:00Z', '2026-03-31T00:00:00Z')).map((i) => [
      i.start.toISOString(),
      i.end.toISOString(),
      i.recurrenceId?.toISOString(),
      i.component.getFirstPropertyValue('summary'),
    ]);
    assert.deepEqual(got, [
      ['2026-03-02T10:00:00.000Z', '2026-03-02T11:00:00.000Z', '2026-03-02T10:00:00.000Z', 'weekly'],
      ['2026-03-16T15:00:00.000Z', '2026-03-16T16:00:00.000Z', '2026-03-16T10:00:00.000Z', 'moved'],
      ['2026-03-23T10:00:00.000Z', '2026-03-23T11:00:00.000Z', '2026-03-23T10:00:00.000Z', 'weekly'],
      ['2026-03-30T10:00:00.000Z', '2026-03-30T11:00:00.000Z', '2026-03-30T10:00:00.000Z', 'weekly'],
    ]);
    table(o, 'VEVENT', [
      ['2026-03-09T09:00:00Z', '2026-03-09T12:00:00Z', false], // EXDATE
      ['2026-03-16T09:00:00Z', '2026-03-16T12:00:00Z', false], // the overridden slot is empty
      ['2026-03-16T15:30:00Z', '2026-03-16T15:31:00Z', true], // the override's own time
      ['2027-06-07T10:30:00Z', '2027-06-07T10:31:00Z', true], // a Monday, far on
      ['2027-06-08T10:30:00Z', '2027-06-08T10:31:00Z', false], // a Tuesday
    ]);
  });

  it('an all-day daily event with COUNT', () => {
    const o = event('DTSTART;VALUE=DATE:20260310\nRRULE:FREQ=DAILY;COUNT=3');
    const got = instancesInRange(o, range('2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z')).map((i) => [i.start.toISOString().slice(0, 10), i.end.toISOString().slice(0, 10), i.allDay]);
    assert.deepEqual(got, [
      ['2026-03-10', '2026-03-11', true],
      ['2026-03-11', '2026-03-12', true],
      ['2026-03-12', '2026-03-13', true],
    ]);
    assert.equal(matchesTimeRange(o, 'VEVENT', range('2026-03-13T00:00:00Z', '2026-03-20T00:00:00Z')), false);
  });

  for (const [label, tz] of [
    ['with its VTIMEZONE', VTIMEZONE_LA],
    ['without VTIMEZONE (IANA)', ''],
  ] as const) {
    it(`DTSTART;TZID=America/Los_Angeles across the 8 March 2026 change, ${label}`, () => {
      const o = parse(ics(tz, vevent('DTSTART;TZID=America/Los_Angeles:20260302T090000\nDTEND;TZID=America/Los_Angeles:20260302T100000\nRRULE:FREQ=WEEKLY;COUNT=3')));
      const got = instancesInRange(o, range('2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z')).map((i) => [i.start.toISOString(), i.end.toISOString()]);
      assert.deepEqual(got, [
        ['2026-03-02T17:00:00.000Z', '2026-03-02T18:00:00.000Z'], // PST, UTC-8
        ['2026-03-09T16:00:00.000Z', '2026-03-09T17:00:00.000Z'], // PDT, UTC-7: 09:00 local still
        ['2026-03-16T16:00:00.000Z', '2026-03-16T17:00:00.000Z'],
      ]);
      table(o, 'VEVENT', [
        ['2026-03-09T16:00:00Z', '2026-03-09T16:30:00Z', true],
        ['2026-03-09T17:00:00Z', '2026-03-09T18:00:00Z', false], // where a UTC-minded expansion would put it
      ]);
    });
  }

  it('a VTIMEZONE is preferred to the IANA zone of the same name (RFC 5545), and any TZID with one works', () => {
    const fake = `BEGIN:VTIMEZONE\nTZID:America/Los_Angeles\nBEGIN:STANDARD\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0100\nDTSTART:19700101T000000\nEND:STANDARD\nEND:VTIMEZONE`;
    const o = parse(ics(fake, vevent('DTSTART;TZID=America/Los_Angeles:20260310T100000\nDURATION:PT1H')));
    assert.equal(instancesInRange(o, range(undefined, '2027-01-01T00:00:00Z'))[0]!.start.toISOString(), '2026-03-10T09:00:00.000Z');
    const c = parse(ics(VTIMEZONE_CUSTOM, vevent('DTSTART;TZID=Custom/Plus3:20260310T100000\nDURATION:PT1H')));
    assert.equal(instancesInRange(c, range(undefined, '2027-01-01T00:00:00Z'))[0]!.start.toISOString(), '2026-03-10T07:00:00.000Z');
  });

  it('UNTIL in UTC against a TZID DTSTART is compared as instants', () => {
    // 09:00 in Tokyo is 00:00Z; UNTIL is inclusive, so 4 March is the last instance.
    const o = event('DTSTART;TZID=Asia/Tokyo:20260302T090000\nDURATION:PT1H\nRRULE:FREQ=DAILY;UNTIL=20260304T000000Z');
    const got = instancesInRange(o, range(undefined, '2027-01-01T00:00:00Z')).map((i) => i.start.toISOString());
    assert.deepEqual(got, ['2026-03-02T00:00:00.000Z', '2026-03-03T00:00:00.000Z', '2026-03-04T00:00:00.000Z']);
  });

  it('RDATE (date-times and periods) and an EXDATE of DATE type', () => {
    const o = event(`DTSTART:20260302T100000Z
                     DURATION:PT1H
                     RDATE:20260305T120000Z,20260306T120000Z
                     RDATE;VALUE=PERIOD:20260307T080000Z/PT3H
                     RRULE:FREQ=DAILY;COUNT=2
                     EXDATE;VALUE=DATE:20260306`);
    const got = instancesInRange(o, range(undefined, '2027-01-01T00:00:00Z')).map((i) => [i.start.toISOString(), i.end.toISOString()]);
    assert.deepEqual(got, [
      ['2026-03-02T10:00:00.000Z', '2026-03-02T11:00:00.000Z'],
      ['2026-03-03T10:00:00.000Z', '2026-03-03T11:00:00.000Z'],
      ['2026-03-05T12:00:00.000Z', '2026-03-05T13:00:00.000Z'],
      ['2026-03-07T08:00:00.000Z', '2026-03-07T11:00:00.000Z'],
    ]);
  });

  it('impossible days are skipped, not moved (RFC 5545 §3.3.10)', () => {
    const o = event('DTSTART:20240229T100000Z\nDURATION:PT1H\nRRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29');
    const got = instancesInRange(o, range('2025-01-01T00:00:00Z', '2030-01-01T00:00:00Z')).map((i) => i.start.toISOString());
    assert.deepEqual(got, ['2028-02-29T10:00:00.000Z']);
  });

  it('DURATION in days is nominal: P1D across the DST change is 23 hours', () => {
    const o = event('DTSTART;TZID=America/Los_Angeles:20260307T120000\nDURATION:P1D\nRRULE:FREQ=DAILY;COUNT=2');
    const got = instancesInRange(o, range(undefined, '2027-01-01T00:00:00Z')).map((i) => (i.end.getTime() - i.start.getTime()) / 3_600_000);
    assert.deepEqual(got, [23, 24]);
  });

  it('an unbounded RRULE stays bounded: maxInstances, truncation reported', () => {
    const o = parse(ics(vevent('DTSTART:20260101T100000Z\nDURATION:PT1H\nRRULE:FREQ=DAILY')), 100);
    assert.equal(matchesTimeRange(o, 'VEVENT', range('2030-01-01T00:00:00Z', '2030-01-02T00:00:00Z')), false, 'past the 100th instance');
    assert.equal(matchesTimeRange(o, 'VEVENT', range('2026-02-01T00:00:00Z', '2026-02-02T00:00:00Z')), true);
    const r = findInstances(o, range('2026-01-01T00:00:00Z', '2031-01-01T00:00:00Z'));
    assert.equal(r.instances.length, 100);
    assert.equal(r.truncated, true);
    assert.equal(matchesTimeRange(o, 'VEVENT', range('2030-01-01T00:00:00Z', '2030-01-02T00:00:00Z'), { maxInstances: 2000 }), true, 'a per-call bound');
  });

  it('an open-ended range stops at the first matching instance', () => {
    const o = event('DTSTART:20260101T100000Z\nDURATION:PT1H\nRRULE:FREQ=SECONDLY');
    // Counted, not timed: the first instance overlaps the range, so a bound of one instance is enough;
    // a search that went on past it would be truncated at that bound and find nothing more.
    assert.equal(matchesTimeRange(o, 'VEVENT', range('2026-01-01T10:00:30Z'), { maxInstances: 1 }), true);
  });

  it('rules ical.js would loop on forever end (checked in a worker that is killed if it hangs)', async () => {
    const rules = ['FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30', 'FREQ=DAILY;INTERVAL=7;BYDAY=TU', 'FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=31', 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30'];
    const moduleUrl = new URL('../../lib/ical/time-range.js', import.meta.url).href;
    const supportUrl = new URL('./support.js', import.meta.url).href;
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      (async () => {
        const tr = await import(workerData.moduleUrl);
        const s = await import(workerData.supportUrl);
        const out = [];
        for (const rule of workerData.rules) {
          // 2 March 2026 is a Monday.
          const o = s.event('DTSTART:20260302T100000Z\\nDURATION:PT1H\\nRRULE:' + rule);
          const r = tr.findInstances(o, s.range('2026-03-03T00:00:00Z', '2040-01-01T00:00:00Z'));
          out.push([rule, r.instances.length, r.truncated]);
        }
        parentPort.postMessage(out);
      })().catch((e) => parentPort.postMessage(String(e && e.stack || e)));`;
    const worker = new Worker(code, { eval: true, workerData: { rules, moduleUrl, supportUrl } });
    const result = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        void worker.terminate();
        reject(new Error('expansion hung'));
      }, 4000);
      worker.once('message', (m) => {
        clearTimeout(timer);
        void worker.terminate();
        resolve(m);
      });
      worker.once('error', reject);
    });
    assert.deepEqual(
      result,
      rules.map((r) => [r, 0, true]),
    );
  });
});
