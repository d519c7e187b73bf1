import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeAddress, parseCalendarObject, parseDefaults } from '../../lib/ical/calendar-object.js';
import { VTIMEZONE_CUSTOM, VTIMEZONE_LA, ics, parse, vevent, vfreebusy, vjournal, vtodo } from './support.js';

function rejects(text: string, condition: 'valid-calendar-data' | 'valid-calendar-object-resource', message: RegExp): void {
  const r = parseCalendarObject(text);
  assert.equal(r.ok, false, 'expected rejection');
  if (r.ok) return;
  assert.equal(r.condition, condition, r.message);
  assert.match(r.message, message);
}

describe('normalizeAddress', () => {
  it('lower-cases mailto: addresses, scheme included, and trims', () => {
    assert.equal(normalizeAddress('MAILTO:User01@Example.COM'), 'mailto:user01@example.com');
    assert.equal(normalizeAddress('  mailto: user01@example.com '), 'mailto:user01@example.com');
  });
  it('keeps urn: and http: addresses as written, but for the scheme', () => {
    assert.equal(normalizeAddress('urn:uuid:ABCD-1234'), 'urn:uuid:ABCD-1234');
    assert.equal(normalizeAddress('URN:uuid:ABCD-1234'), 'urn:uuid:ABCD-1234');
    assert.equal(normalizeAddress('http://Example.com/principals/User01/'), 'http://Example.com/principals/User01/');
    assert.equal(normalizeAddress('/principals/users/user01/'), '/principals/users/user01/');
  });
});

describe('parseCalendarObject: what it exposes', () => {
  it('a scheduled event: component, uid, organizer and attendees normalized, text kept', () => {
    const text = ics(
      vevent(
        `DTSTART:20260310T100000Z
         DTEND:20260310T110000Z
         ORGANIZER;CN=User 01:MAILTO:User01@Example.com
         ATTENDEE;CN=User 01;PARTSTAT=ACCEPTED:mailto:user01@example.com
         ATTENDEE;CN=User 02;RSVP=TRUE;ROLE=REQ-PARTICIPANT:mailto:USER02@example.com
         ATTENDEE;PARTSTAT=X-UNKNOWN;SCHEDULE-AGENT=client:urn:uuid:room-1`,
        'meeting-1',
      ),
    );
    const o = parse(text);
    assert.equal(o.component, 'VEVENT');
    assert.equal(o.uid, 'meeting-1');
    assert.equal(o.text, text);
    assert.equal(o.organizer, 'mailto:user01@example.com');
    assert.deepEqual(
      o.attendees.map((a) => [a.address, a.partstat]),
      [
        ['mailto:user01@example.com', 'ACCEPTED'],
        ['mailto:user02@example.com', 'NEEDS-ACTION'],
        // RFC 5545 §3.2.12: unknown values are treated as NEEDS-ACTION.
        ['urn:uuid:room-1', 'NEEDS-ACTION'],
      ],
    );
    assert.equal(o.attendees[1]!.rsvp, true);
    assert.equal(o.attendees[1]!.role, 'REQ-PARTICIPANT');
    assert.equal(o.attendees[1]!.cn, 'User 02');
    assert.equal(o.attendees[2]!.params.partstat, 'X-UNKNOWN');
    assert.equal(o.attendees[2]!.scheduleAgent, 'CLIENT');
    assert.equal(o.vcalendar.name, 'vcalendar');
    assert.equal(o.master, o.components[0]);
    assert.deepEqual(o.overrides, []);
    assert.equal(o.recurring, false);
    assert.equal(o.maxInstances, parseDefaults.maxInstances);
  });

  it('a recurring master with an override; maxInstances is kept as the default bound', () => {
    const o = parse(
      ics(
        vevent(`RECURRENCE-ID:20260317T100000Z
                DTSTART:20260317T120000Z
                DURATION:PT1H`),
        vevent(`DTSTART:20260310T100000Z
                DURATION:PT1H
                RRULE:FREQ=WEEKLY`),
      ),
      50,
    );
    assert.equal(o.recurring, true);
    assert.equal(o.components[0], o.master, 'the master comes first');
    assert.equal(o.overrides.length, 1);
    assert.equal(o.maxInstances, 50);
  });

  it('overridden instances alone (an invitation to some instances) are a valid object', () => {
    const o = parse(ics(vevent('RECURRENCE-ID:20260317T100000Z\nDTSTART:20260317T100000Z\nATTENDEE:mailto:a@example.com\nORGANIZER:mailto:o@example.com')));
    assert.equal(o.master, undefined);
    assert.equal(o.organizer, 'mailto:o@example.com');
    assert.deepEqual(o.attendees.map((a) => a.address), ['mailto:a@example.com']);
  });

  it('accepts VTODO, VJOURNAL and VFREEBUSY objects, and VTODOs without dates', () => {
    assert.equal(parse(ics(vtodo('SUMMARY:no dates at all'))).component, 'VTODO');
    assert.equal(parse(ics(vjournal('DTSTART;VALUE=DATE:20260310'))).component, 'VJOURNAL');
    assert.equal(parse(ics(vfreebusy('FREEBUSY:20260310T100000Z/PT1H'))).component, 'VFREEBUSY');
  });

  it('accepts an IANA TZID without VTIMEZONE (RFC 7809) and any TZID with its VTIMEZONE', () => {
    assert.ok(parseCalendarObject(ics(vevent('DTSTART;TZID=Europe/Berlin:20260310T100000'))).ok);
    assert.ok(parseCalendarObject(ics(VTIMEZONE_CUSTOM, vevent('DTSTART;TZID=Custom/Plus3:20260310T100000'))).ok);
    assert.ok(parseCalendarObject(ics(VTIMEZONE_LA, vevent('DTSTART;TZID=America/Los_Angeles:20260310T100000'))).ok);
  });

  it('accepts DTEND equal to DTSTART (common, harmless), refuses DTEND before it', () => {
    assert.ok(parseCalendarObject(ics(vevent('DTSTART:20260310T100000Z\nDTEND:20260310T100000Z'))).ok);
    rejects(ics(vevent('DTSTART:20260310T100000Z\nDTEND:20260310T090000Z')), 'valid-calendar-data', /before DTSTART/);
  });
});

describe('parseCalendarObject: CALDAV:valid-calendar-data (not iCalendar)', () => {
  const cases: [string, string, RegExp][] = [
    ['unparsable text', 'this is not iCalendar', /not iCalendar/],
    ['empty text', '', /no iCalendar object/],
    ['a VCALENDAR that never ends', 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\n', /not iCalendar/],
    ['a vCard', 'BEGIN:VCARD\r\nVERSION:4.0\r\nFN:x\r\nEND:VCARD\r\n', /not VCALENDAR/],
    ['no VERSION', ics(vevent('DTSTART:20260310T100000Z')).replace('VERSION:2.0\r\n', ''), /VERSION/],
    ['no PRODID', ics(vevent('DTSTART:20260310T100000Z')).replace(/PRODID:.*\r\n/, ''), /PRODID/],
    ['a DTSTART that is no date', ics(vevent('DTSTART:2026XXYYT100000Z')), /DTSTART/],
    ['a DURATION that is no duration', ics(vevent('DTSTART:20260310T100000Z\nDURATION:soon')), /DURATION/],
    ['an unknown TZID without VTIMEZONE', ics(vevent('DTSTART;TZID=Mars/Olympus:20260310T100000')), /Mars\/Olympus/],
    ['an unknown TZID in a VALARM, one level down', ics(vevent('DTSTART:20260310T100000Z\nBEGIN:VALARM\nACTION:DISPLAY\nTRIGGER;VALUE=DATE-TIME:20260310T090000Z\nX-WHEN;TZID=Mars/Olympus:20260310T090000\nEND:VALARM')), /X-WHEN: TZID "Mars\/Olympus"/],
    ['a component without UID', ics('BEGIN:VEVENT\nDTSTAMP:20260101T000000Z\nDTSTART:20260310T100000Z\nEND:VEVENT'), /without UID/],
    ['a VEVENT without DTSTART', ics(vevent('SUMMARY:when?')), /DTSTART is required/],
    ['DTEND with DURATION', ics(vevent('DTSTART:20260310T100000Z\nDTEND:20260310T110000Z\nDURATION:PT1H')), /mutually exclusive/],
    ['DUE with DURATION', ics(vtodo('DTSTART:20260310T100000Z\nDUE:20260310T110000Z\nDURATION:PT1H')), /mutually exclusive/],
    ['a VTODO DURATION without DTSTART', ics(vtodo('DURATION:PT1H')), /needs DTSTART/],
    ['DTEND a DATE-TIME for a DATE DTSTART', ics(vevent('DTSTART;VALUE=DATE:20260310\nDTEND:20260311T000000Z')), /value type/],
    ['RRULE without DTSTART', ics(vtodo('RRULE:FREQ=DAILY')), /need DTSTART/],
    ['an RRULE ical.js rejects', ics(vevent('DTSTART:20260310T100000Z\nRRULE:FREQ=WEEKLY;BYMONTHDAY=3')), /RRULE/],
    ['a VTIMEZONE without observances', ics('BEGIN:VTIMEZONE\nTZID:X/Y\nEND:VTIMEZONE', vevent('DTSTART;TZID=X/Y:20260310T100000')), /neither STANDARD nor DAYLIGHT/],
  ];
  for (const [what, text, message] of cases) {
    it(what, () => rejects(text, 'valid-calendar-data', message));
  }
});

describe('parseCalendarObject: CALDAV:valid-calendar-object-resource (RFC 4791 §4.1)', () => {
  const cases: [string, string, RegExp][] = [
    ['METHOD', ics('METHOD:REQUEST', vevent('DTSTART:20260310T100000Z')), /METHOD/],
    ['two VCALENDARs', ics(vevent('DTSTART:20260310T100000Z')) + ics(vevent('DTSTART:20260310T100000Z')), /2 VCALENDAR/],
    ['a VEVENT and a VTODO', ics(vevent('DTSTART:20260310T100000Z'), vtodo('SUMMARY:x')), /more than one type/],
    ['two UIDs', ics(vevent('DTSTART:20260310T100000Z', 'a'), vevent('DTSTART:20260311T100000Z', 'b')), /different UIDs/],
    ['two masters of one UID', ics(vevent('DTSTART:20260310T100000Z'), vevent('DTSTART:20260311T100000Z')), /only one master/],
    [
      'two overrides of one instance',
      ics(vevent('RECURRENCE-ID:20260317T100000Z\nDTSTART:20260317T100000Z'), vevent('RECURRENCE-ID:20260317T100000Z\nDTSTART:20260317T110000Z')),
      /same RECURRENCE-ID/,
    ],
    ['only a VTIMEZONE', ics(VTIMEZONE_LA), /no VEVENT/],
    ['no component at all', ics(), /no VEVENT/],
    ['a VAVAILABILITY', ics('BEGIN:VAVAILABILITY\nUID:x\nDTSTAMP:20260101T000000Z\nEND:VAVAILABILITY'), /VAVAILABILITY/],
  ];
  for (const [what, text, message] of cases) {
    it(what, () => rejects(text, 'valid-calendar-object-resource', message));
  }
});
