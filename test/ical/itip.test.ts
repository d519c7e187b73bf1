import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CalendarObject } from '../../lib/ical/calendar-object.js';
import {
  applyReply,
  attendeeCopy,
  isReschedule,
  isSchedulingSignificantChange,
  itipMessage,
  partstatOf,
  resetPartstatsOnReschedule,
  withPartstat,
} from '../../lib/ical/itip.js';
import { instancesInRange } from '../../lib/ical/time-range.js';
import { VTIMEZONE_LA, contentLines, ics, isCrlf, parse, range, vevent } from './support.js';

const BOSS = 'mailto:boss@example.com';
const ALICE = 'mailto:alice@example.com';
const BOB = 'mailto:bob@example.com';

interface Spec {
  summary?: string;
  start?: string;
  end?: string;
  rrule?: string;
  extra?: string;
  alicePartstat?: string;
  overrides?: string[];
}

/** The organizer's event: boss organizes, boss (accepted), alice and bob attend. */
function organizerText(s: Spec = {}): string {
  const master = vevent(
    `DTSTART;TZID=America/Los_Angeles:${s.start ?? '20260310T090000'}
     DTEND;TZID=America/Los_Angeles:${s.end ?? '20260310T100000'}
     SUMMARY:${s.summary ?? 'Planning'}
     SEQUENCE:0
     ${s.rrule ? `RRULE:${s.rrule}` : ''}
     ORGANIZER;CN=Boss:${BOSS}
     ATTENDEE;PARTSTAT=ACCEPTED:${BOSS}
     ATTENDEE;PARTSTAT=${s.alicePartstat ?? 'NEEDS-ACTION'};RSVP=TRUE;SCHEDULE-STATUS=1.2:${ALICE}
     ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;SCHEDULE-AGENT=SERVER:MAILTO:Bob@Example.com
     ${s.extra ?? ''}
     BEGIN:VALARM
     ACTION:DISPLAY
     DESCRIPTION:boss's alarm
     TRIGGER:-PT30M
     END:VALARM`,
    'meeting-1',
  );
  return ics(VTIMEZONE_LA, master, ...(s.overrides ?? []));
}
const organizer = (s: Spec = {}) => parse(organizerText(s));

/** Strip the METHOD line, as a server does before storing or merging a message. */
const asObject = (message: string): CalendarObject => parse(message.replace(/^METHOD:[A-Z]+\r\n/m, ''));
const attendeeLines = (text: string) => contentLines(text).filter((l) => l.startsWith('ATTENDEE'));

describe('iTIP REPLY round trip', () => {
  it('organizer object → attendee copy → attendee accepts → REPLY → applyReply shows ACCEPTED', () => {
    const org = organizer();

    const copyText = attendeeCopy(org, BOB);
    assert.ok(isCrlf(copyText));
    const copy = parse(copyText);
    assert.equal(partstatOf(copy, BOB), 'NEEDS-ACTION', 'a new invitation keeps the organizer’s NEEDS-ACTION');
    assert.ok(!copyText.includes("boss's alarm"), 'no organizer alarms in the copy');
    assert.ok(!copyText.includes('SCHEDULE-STATUS'), 'no organizer delivery status in the copy');
    assert.ok(!contentLines(copyText).some((l) => l.startsWith('METHOD')));
    assert.equal(copy.vcalendar.getAllSubcomponents('vtimezone').length, 1, 'the VTIMEZONE travels with it');

    const accepted = parse(withPartstat(copy, BOB, 'ACCEPTED'));
    assert.equal(partstatOf(accepted, BOB), 'ACCEPTED');

    const reply = itipMessage(accepted, 'REPLY', { attendee: BOB, dtstamp: new Date('2026-03-05T12:00:00Z') });
    assert.ok(isCrlf(reply));
    const lines = contentLines(reply);
    assert.ok(lines.includes('METHOD:REPLY'));
    assert.ok(lines.includes('DTSTAMP:20260305T120000Z'));
    assert.equal(attendeeLines(reply).length, 1, 'only the replying attendee (RFC 5546 §3.2.3)');
    assert.match(attendeeLines(reply)[0]!, /PARTSTAT=ACCEPTED.*:MAILTO:Bob@Example.com$/i);
    assert.ok(!reply.includes('SCHEDULE-AGENT'), 'no SCHEDULE-* parameters in messages (RFC 6638 §7)');

    const merged = parse(applyReply(org, asObject(reply)));
    assert.equal(partstatOf(merged, BOB), 'ACCEPTED');
    assert.equal(partstatOf(merged, ALICE), 'NEEDS-ACTION');
    assert.equal(partstatOf(merged, BOSS), 'ACCEPTED');
    assert.ok(merged.text.includes("boss's alarm"), "the organizer's own data keeps its alarms");
  });

  it('declining one instance of a series: an override in the copy, the reply, and the organizer’s data', () => {
    const org = organizer({ rrule: 'FREQ=WEEKLY;COUNT=4' });
    const series = parse(withPartstat(parse(attendeeCopy(org, BOB)), BOB, 'ACCEPTED'));
    // 17 March 09:00 in Los Angeles is 16:00Z (daylight time).
    const instance = new Date('2026-03-17T16:00:00Z');
    const declinedOne = parse(withPartstat(series, BOB, 'DECLINED', { recurrenceId: instance }));
    assert.equal(declinedOne.overrides.length, 1);
    assert.equal(partstatOf(declinedOne, BOB, { recurrenceId: instance }), 'DECLINED');
    assert.equal(partstatOf(declinedOne, BOB), 'ACCEPTED');

    const reply = itipMessage(declinedOne, 'REPLY', { attendee: BOB });
    assert.equal(contentLines(reply).filter((l) => l === 'BEGIN:VEVENT').length, 2);

    const merged = parse(applyReply(org, asObject(reply)));
    assert.equal(merged.overrides.length, 1, 'the organizer gets an override for the instance');
    assert.equal(partstatOf(merged, BOB, { recurrenceId: instance }), 'DECLINED');
    assert.equal(partstatOf(merged, BOB), 'ACCEPTED');
    assert.equal(partstatOf(merged, ALICE, { recurrenceId: instance }), 'NEEDS-ACTION');
    const starts = instancesInRange(merged, range('2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z')).map((i) => i.start.toISOString());
    assert.deepEqual(starts, ['2026-03-10T16:00:00.000Z', '2026-03-17T16:00:00.000Z', '2026-03-24T16:00:00.000Z', '2026-03-31T16:00:00.000Z'], 'the override keeps its time');
  });

  it('a reply from someone not invited changes nothing; REPLY needs a listed attendee', () => {
    const org = organizer();
    const crasher = parse(organizerText().replaceAll('MAILTO:Bob@Example.com', 'mailto:eve@example.com').replace('PARTSTAT=NEEDS-ACTION;RSVP=TRUE;SCHEDULE-AGENT', 'PARTSTAT=ACCEPTED;SCHEDULE-AGENT'));
    const reply = itipMessage(crasher, 'REPLY', { attendee: 'mailto:eve@example.com' });
    assert.equal(applyReply(org, asObject(reply)), org.text);
    assert.throws(() => itipMessage(org, 'REPLY', { attendee: 'mailto:nobody@example.com' }), /not an attendee/);
    assert.throws(() => itipMessage(org, 'REPLY'), /needs opts.attendee/);
  });
});

describe('iTIP REQUEST and CANCEL', () => {
  it('REQUEST: METHOD, every attendee with their PARTSTAT, no alarms, no SCHEDULE-* parameters', () => {
    const text = itipMessage(organizer(), 'REQUEST');
    const lines = contentLines(text);
    assert.ok(lines.includes('METHOD:REQUEST'));
    assert.equal(attendeeLines(text).length, 3);
    assert.ok(!/SCHEDULE-(STATUS|AGENT|FORCE-SEND)/.test(text));
    assert.ok(!lines.includes('BEGIN:VALARM'));
    assert.ok(lines.includes('BEGIN:VTIMEZONE'));
  });

  it('REQUEST for a recipient left out of an override: the override goes, the master gets an EXDATE', () => {
    const override = vevent(
      `RECURRENCE-ID;TZID=America/Los_Angeles:20260317T090000
       DTSTART;TZID=America/Los_Angeles:20260317T110000
       DTEND;TZID=America/Los_Angeles:20260317T120000
       SUMMARY:Planning (alice only)
       ORGANIZER:${BOSS}
       ATTENDEE;PARTSTAT=ACCEPTED:${BOSS}
       ATTENDEE:${ALICE}`,
      'meeting-1',
    );
    const org = organizer({ rrule: 'FREQ=WEEKLY;COUNT=4', overrides: [override] });
    const toBob = asObject(itipMessage(org, 'REQUEST', { recipient: BOB }));
    assert.equal(toBob.overrides.length, 0);
    assert.ok(toBob.text.includes('EXDATE;TZID=America/Los_Angeles:20260317T090000'));
    assert.equal(instancesInRange(toBob, range('2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z')).length, 3);
    const toAlice = asObject(itipMessage(org, 'REQUEST', { recipient: ALICE }));
    assert.equal(toAlice.overrides.length, 1);
    // The same rules give the attendee's copy.
    assert.equal(parse(attendeeCopy(org, BOB)).overrides.length, 0);
  });

  it('an attendee invited to one instance only gets just that override', () => {
    const carolOnly = vevent(
      `RECURRENCE-ID;TZID=America/Los_Angeles:20260317T090000
       DTSTART;TZID=America/Los_Angeles:20260317T090000
       DTEND;TZID=America/Los_Angeles:20260317T100000
       SUMMARY:Planning
       ORGANIZER:${BOSS}
       ATTENDEE:${BOSS}
       ATTENDEE:mailto:carol@example.com`,
      'meeting-1',
    );
    const copy = parse(attendeeCopy(organizer({ rrule: 'FREQ=WEEKLY;COUNT=4', overrides: [carolOnly] }), 'mailto:carol@example.com'));
    assert.equal(copy.master, undefined);
    assert.equal(copy.overrides.length, 1);
  });

  it('CANCEL of the event: STATUS:CANCELLED, SEQUENCE raised, every attendee listed', () => {
    const lines = contentLines(itipMessage(organizer(), 'CANCEL', { recipient: BOB }));
    assert.ok(lines.includes('METHOD:CANCEL'));
    assert.ok(lines.includes('STATUS:CANCELLED'));
    assert.ok(lines.includes('SEQUENCE:1'));
    assert.equal(lines.filter((l) => l.startsWith('ATTENDEE')).length, 3);
  });

  it('CANCEL uninviting one attendee: no STATUS, only that attendee (RFC 5546 §3.2.5)', () => {
    const text = itipMessage(organizer(), 'CANCEL', { recipient: BOB, uninvite: true, sequenceIncrement: 2 });
    const lines = contentLines(text);
    assert.ok(!lines.some((l) => l.startsWith('STATUS')));
    assert.ok(lines.includes('SEQUENCE:2'));
    assert.equal(attendeeLines(text).length, 1);
    assert.match(attendeeLines(text)[0]!, /bob@example.com/i);
  });

  it('CANCEL of one instance: one component with its RECURRENCE-ID and times, no rule', () => {
    const text = itipMessage(organizer({ rrule: 'FREQ=WEEKLY;COUNT=4' }), 'CANCEL', { recurrenceIds: [new Date('2026-03-24T16:00:00Z')] });
    const o = asObject(text);
    assert.equal(o.master, undefined);
    assert.equal(o.overrides.length, 1);
    const lines = contentLines(text);
    assert.ok(lines.includes('RECURRENCE-ID;TZID=America/Los_Angeles:20260324T090000'));
    assert.ok(lines.includes('DTSTART;TZID=America/Los_Angeles:20260324T090000'));
    assert.ok(lines.includes('DTEND;TZID=America/Los_Angeles:20260324T100000'));
    assert.ok(lines.includes('STATUS:CANCELLED'));
    assert.equal(o.overrides[0]!.hasProperty('rrule'), false);
  });
});

describe('attendeeCopy on updates (RFC 6638 §3.2.8)', () => {
  /** Bob's copy after accepting, with his own alarm and transparency. */
  const bobsCopy = () => {
    const accepted = withPartstat(parse(attendeeCopy(organizer(), BOB)), BOB, 'ACCEPTED');
    return parse(accepted.replace('END:VEVENT', 'TRANSP:TRANSPARENT\r\nBEGIN:VALARM\r\nACTION:AUDIO\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\nEND:VEVENT'));
  };

  it('a change that is no reschedule keeps the attendee’s PARTSTAT, alarms and TRANSP', () => {
    const copy = parse(attendeeCopy(organizer({ summary: 'Planning, room 4' }), BOB, bobsCopy()));
    assert.equal(partstatOf(copy, BOB), 'ACCEPTED');
    assert.equal(copy.master!.getFirstPropertyValue('summary'), 'Planning, room 4');
    assert.equal(copy.master!.getFirstPropertyValue('transp'), 'TRANSPARENT');
    const alarms = copy.master!.getAllSubcomponents('valarm');
    assert.equal(alarms.length, 1);
    assert.equal(alarms[0]!.getFirstPropertyValue('action'), 'AUDIO');
  });

  it('a reschedule resets it to NEEDS-ACTION', () => {
    const copy = parse(attendeeCopy(organizer({ start: '20260310T100000', end: '20260310T110000' }), BOB, bobsCopy()));
    assert.equal(partstatOf(copy, BOB), 'NEEDS-ACTION');
  });

  it('resetPartstatsOnReschedule: everyone but the organizer, only on a reschedule', () => {
    const before = organizer({ alicePartstat: 'ACCEPTED' });
    const moved = organizer({ alicePartstat: 'ACCEPTED', start: '20260310T100000', end: '20260310T110000' });
    const reset = parse(resetPartstatsOnReschedule(before, moved));
    assert.equal(partstatOf(reset, ALICE), 'NEEDS-ACTION');
    assert.equal(partstatOf(reset, BOSS), 'ACCEPTED');
    const renamed = organizer({ alicePartstat: 'ACCEPTED', summary: 'Other' });
    assert.equal(resetPartstatsOnReschedule(before, renamed), renamed.text);
  });
});

describe('isSchedulingSignificantChange and isReschedule', () => {
  const base = organizer({ rrule: 'FREQ=WEEKLY;COUNT=4' });
  const variant = (s: Spec) => organizer({ rrule: 'FREQ=WEEKLY;COUNT=4', ...s });
  const edit = (f: (t: string) => string) => parse(f(organizerText({ rrule: 'FREQ=WEEKLY;COUNT=4' })));

  const cases: [string, CalendarObject, boolean, boolean][] = [
    // [what, after, significant, reschedule]
    ['nothing', variant({}), false, false],
    ['DTSTAMP only', edit((t) => t.replace('DTSTAMP:20260101T000000Z', 'DTSTAMP:20260301T000000Z')), false, false],
    ['an attendee PARTSTAT only', variant({ alicePartstat: 'ACCEPTED' }), false, false],
    ['alarms', edit((t) => t.replace('TRIGGER:-PT30M', 'TRIGGER:-PT10M')), false, false],
    ['an X- property', variant({ extra: 'X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC' }), false, false],
    ['LAST-MODIFIED and TRANSP', variant({ extra: 'LAST-MODIFIED:20260301T000000Z\nTRANSP:TRANSPARENT' }), false, false],
    ['attendee order and address case', edit((t) => t.replace('MAILTO:Bob@Example.com', 'mailto:bob@example.com')), false, false],
    ['SUMMARY', variant({ summary: 'Planning v2' }), true, false],
    ['LOCATION', variant({ extra: 'LOCATION:Room 4' }), true, false],
    ['STATUS', variant({ extra: 'STATUS:TENTATIVE' }), true, false],
    ['SEQUENCE', edit((t) => t.replace('SEQUENCE:0', 'SEQUENCE:1')), true, false],
    ['an attendee added', variant({ extra: 'ATTENDEE:mailto:carol@example.com' }), true, false],
    ['an attendee removed', edit((t) => t.replace(/ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;SCHEDULE-AGENT=SERVER:MAILTO:Bob@Example.com\r\n/, '')), true, false],
    ['DTSTART and DTEND', variant({ start: '20260310T100000', end: '20260310T110000' }), true, true],
    ['DTEND only', variant({ end: '20260310T103000' }), true, true],
    ['DTEND rewritten as the same DURATION', edit((t) => t.replace('DTEND;TZID=America/Los_Angeles:20260310T100000', 'DURATION:PT1H')), true, false],
    ['RRULE with fewer instances', variant({ rrule: 'FREQ=WEEKLY;COUNT=2' }), true, false],
    ['RRULE with more instances', variant({ rrule: 'FREQ=WEEKLY;COUNT=6' }), true, true],
    ['RRULE on other days', variant({ rrule: 'FREQ=WEEKLY;COUNT=4;BYDAY=WE' }), true, true],
    ['an EXDATE added', variant({ extra: 'EXDATE;TZID=America/Los_Angeles:20260317T090000' }), true, false],
    ['an RDATE added', variant({ extra: 'RDATE;TZID=America/Los_Angeles:20260312T090000' }), true, true],
  ];
  for (const [what, after, significant, reschedule] of cases) {
    it(`${what}: significant ${significant}, reschedule ${reschedule}`, () => {
      assert.equal(isSchedulingSignificantChange(base, after), significant, 'significant');
      assert.equal(isReschedule(base, after), reschedule, 'reschedule');
    });
  }

  it('an EXDATE removed reinstates an instance: a reschedule', () => {
    const withExdate = variant({ extra: 'EXDATE;TZID=America/Los_Angeles:20260317T090000' });
    assert.equal(isReschedule(withExdate, base), true);
  });

  it('overrides: same time is no reschedule, a moved instance is; a new override is significant', () => {
    const override = (start: string, summary: string) =>
      vevent(
        `RECURRENCE-ID;TZID=America/Los_Angeles:20260317T090000
         DTSTART;TZID=America/Los_Angeles:${start}
         DTEND;TZID=America/Los_Angeles:20260317T${String(Number(start.slice(9, 11)) + 1).padStart(2, '0')}0000
         SUMMARY:${summary}
         ORGANIZER:${BOSS}
         ATTENDEE:${ALICE}`,
        'meeting-1',
      );
    const renamed = variant({ overrides: [override('20260317T090000', 'Special')] });
    assert.equal(isSchedulingSignificantChange(base, renamed), true);
    assert.equal(isReschedule(base, renamed), false);
    const moved = variant({ overrides: [override('20260317T140000', 'Special')] });
    assert.equal(isReschedule(base, moved), true);
    assert.equal(isReschedule(renamed, moved), true);
  });

  it('SCHEDULE-FORCE-SEND=REQUEST forces a send (RFC 6638 §7.2)', () => {
    const forced = edit((t) => t.replace('SCHEDULE-AGENT=SERVER', 'SCHEDULE-FORCE-SEND=REQUEST'));
    assert.equal(isSchedulingSignificantChange(base, forced), true);
  });
});

describe('partstatOf and withPartstat', () => {
  it('undefined for someone who is not an attendee; withPartstat then changes nothing', () => {
    const org = organizer();
    assert.equal(partstatOf(org, 'mailto:nobody@example.com'), undefined);
    assert.equal(withPartstat(org, 'mailto:nobody@example.com', 'ACCEPTED'), org.text);
    assert.equal(partstatOf(org, 'MAILTO:BOB@EXAMPLE.COM'), 'NEEDS-ACTION', 'addresses compare normalized');
  });
  it('does not modify the parsed object it is given', () => {
    const org = organizer();
    withPartstat(org, BOB, 'ACCEPTED');
    itipMessage(org, 'CANCEL');
    assert.equal(partstatOf(org, BOB), 'NEEDS-ACTION');
    assert.equal(org.master!.getFirstPropertyValue('status'), null);
  });
});
