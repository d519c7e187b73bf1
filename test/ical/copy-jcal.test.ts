import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import ICAL from 'ical.js';
import { cloneComponent, copyJCal } from '../../lib/ical/edit.js';
import { ics, vevent } from './support.js';

// Value types that jCal keeps as something other than a string: RECUR as an object,
// GEO and REQUEST-STATUS as arrays, multi-valued parameters as arrays, INTEGER as a number.
const TEXT = ics(
  'BEGIN:VTIMEZONE\nTZID:Custom/Plus3\nBEGIN:STANDARD\nDTSTART:19700101T000000\nTZOFFSETFROM:+0300\nTZOFFSETTO:+0300\nEND:STANDARD\nEND:VTIMEZONE',
  vevent(
    [
      'DTSTART;TZID=Custom/Plus3:20260105T090000',
      'DURATION:PT1H',
      'RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10',
      'ATTENDEE;CN=A;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:a@x',
      'ATTENDEE;DELEGATED-FROM="mailto:b@x","mailto:c@x":mailto:d@x',
      'REQUEST-STATUS:2.0;Success',
      'GEO:37.386013;-122.082932',
      'SEQUENCE:3',
      'BEGIN:VALARM\nACTION:DISPLAY\nTRIGGER:-PT15M\nEND:VALARM',
    ].join('\n'),
  ),
);

describe('copyJCal', () => {
  it('gives what structuredClone gives', () => {
    const jcal = ICAL.parse(TEXT);
    assert.deepEqual(copyJCal(jcal), structuredClone(jcal));
    assert.equal(JSON.stringify(copyJCal(jcal)), JSON.stringify(jcal));
  });

  it('shares nothing with the original: an edit of the copy leaves it as it was', () => {
    const vcal = new ICAL.Component(ICAL.parse(TEXT) as unknown[]);
    const before = vcal.toString();
    const copy = cloneComponent(vcal.getFirstSubcomponent('vevent')!);
    copy.getFirstProperty('attendee')!.setParameter('partstat', 'ACCEPTED');
    (copy.getFirstPropertyValue('rrule') as ICAL.Recur).count = 2;
    copy.getFirstSubcomponent('valarm')!.removeAllProperties('trigger');
    assert.equal(vcal.toString(), before);
    assert.notEqual(copy.toString(), vcal.getFirstSubcomponent('vevent')!.toString());
  });
});
