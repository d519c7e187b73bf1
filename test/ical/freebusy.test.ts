import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import ICAL from 'ical.js';
import { busyPeriods, freeBusyReply, mergePeriods, type BusyPeriod } from '../../lib/ical/freebusy.js';
import { contentLines, event, ics, isCrlf, parse, todo, vfreebusy } from './support.js';

const day = { start: new Date('2026-03-10T00:00:00Z'), end: new Date('2026-03-11T00:00:00Z') };
const at = (hhmm: string) => `20260310T${hhmm.replace(':', '')}00Z`;
/** An event on 10 March; `extra` lines added. */
const ev = (uid: string, from: string, to: string, extra = '') => event(`DTSTART:${at(from)}\nDTEND:${at(to)}\n${extra}`, uid);
const show = (periods: BusyPeriod[]) => periods.map((p) => `${p.type} ${p.start.toISOString().slice(11, 16)}-${p.end.toISOString().slice(11, 16)}`);

describe('busyPeriods (RFC 4791 §7.10, RFC 6638)', () => {
  it('merges overlapping and touching periods of one type, and clips to the range', () => {
    const objects = [
      ev('a', '09:00', '10:00'),
      ev('b', '09:30', '11:00'),
      ev('c', '11:00', '11:30'), // touches b
      ev('d', '13:00', '14:00'),
      event('DTSTART:20260309T220000Z\nDTEND:20260310T010000Z', 'e'), // starts the day before
      event('DTSTART:20260310T230000Z\nDTEND:20260311T020000Z', 'f'), // ends the day after
      event('DTSTART:20260312T100000Z\nDTEND:20260312T110000Z', 'g'), // another day
    ];
    assert.deepEqual(show(busyPeriods(objects, day)), ['BUSY 00:00-01:00', 'BUSY 09:00-11:30', 'BUSY 13:00-14:00', 'BUSY 23:00-00:00']);
  });

  it('TRANSP:TRANSPARENT and STATUS:CANCELLED are free; STATUS:TENTATIVE is BUSY-TENTATIVE', () => {
    const objects = [
      ev('a', '09:00', '10:00', 'TRANSP:TRANSPARENT'),
      ev('b', '10:00', '11:00', 'STATUS:CANCELLED'),
      ev('c', '11:00', '12:00', 'STATUS:TENTATIVE'),
      ev('d', '11:30', '12:30', 'STATUS:CONFIRMED\nTRANSP:OPAQUE'),
    ];
    assert.deepEqual(show(busyPeriods(objects, day)), ['BUSY-TENTATIVE 11:00-12:00', 'BUSY 11:30-12:30']);
  });

  it("the owner's PARTSTAT: DECLINED is free, TENTATIVE is BUSY-TENTATIVE; other attendees' do not count", () => {
    const who = (partstat: string) => `ORGANIZER:mailto:boss@example.com\nATTENDEE;PARTSTAT=${partstat}:mailto:Me@Example.com\nATTENDEE;PARTSTAT=DECLINED:mailto:other@example.com`;
    const objects = [ev('a', '09:00', '10:00', who('DECLINED')), ev('b', '10:00', '11:00', who('TENTATIVE')), ev('c', '11:00', '12:00', who('ACCEPTED'))];
    assert.deepEqual(show(busyPeriods(objects, day, { ownerAddress: 'mailto:me@example.com' })), ['BUSY-TENTATIVE 10:00-11:00', 'BUSY 11:00-12:00']);
    assert.deepEqual(show(busyPeriods(objects, day)), ['BUSY 09:00-12:00'], 'without an owner, PARTSTAT is not looked at');
  });

  it('masked UIDs are left out', () => {
    const objects = [ev('keep', '09:00', '10:00'), ev('mask-me', '10:00', '11:00')];
    assert.deepEqual(show(busyPeriods(objects, day, { maskUids: ['mask-me'] })), ['BUSY 09:00-10:00']);
  });

  it('recurring events count instance by instance; VTODOs do not count', () => {
    const objects = [
      event('DTSTART:20260302T090000Z\nDURATION:PT1H\nRRULE:FREQ=DAILY\nEXDATE:20260310T090000Z', 'daily'),
      event('DTSTART:20260301T150000Z\nDURATION:PT30M\nRRULE:FREQ=WEEKLY;BYDAY=TU', 'tuesdays'),
      todo('DTSTART:20260310T120000Z\nDUE:20260310T130000Z'),
    ];
    assert.deepEqual(show(busyPeriods(objects, day)), ['BUSY 15:00-15:30']);
    const twoDays = { start: day.start, end: new Date('2026-03-12T00:00:00Z') };
    assert.equal(busyPeriods(objects, twoDays).length, 2, '11 March 09:00 as well');
  });

  it('VFREEBUSY objects contribute their FREEBUSY periods by FBTYPE (FREE skipped)', () => {
    const fb = parse(
      ics(
        vfreebusy(`FREEBUSY;FBTYPE=BUSY-UNAVAILABLE:20260310T080000Z/PT1H
                   FREEBUSY;FBTYPE=FREE:20260310T120000Z/PT1H
                   FREEBUSY:20260310T160000Z/20260310T170000Z`),
      ),
    );
    assert.deepEqual(show(busyPeriods([fb], day)), ['BUSY-UNAVAILABLE 08:00-09:00', 'BUSY 16:00-17:00']);
  });

  it('mergePeriods keeps types apart and orders by start, then type', () => {
    const p = (type: BusyPeriod['type'], s: string, e: string): BusyPeriod => ({ type, start: new Date(`2026-03-10T${s}:00Z`), end: new Date(`2026-03-10T${e}:00Z`) });
    const merged = mergePeriods([p('BUSY-TENTATIVE', '09:00', '10:00'), p('BUSY', '09:00', '09:30'), p('BUSY', '09:15', '09:45'), p('BUSY', '10:00', '10:00')], day);
    assert.deepEqual(show(merged), ['BUSY 09:00-09:45', 'BUSY-TENTATIVE 09:00-10:00']);
  });
});

describe('freeBusyReply (RFC 5546 §3.3.2)', () => {
  it('a METHOD:REPLY VFREEBUSY with the range, the parties and FREEBUSY per type in UTC', () => {
    const periods = busyPeriods([ev('a', '09:00', '10:00'), ev('b', '13:00', '14:00'), ev('c', '15:00', '16:00', 'STATUS:TENTATIVE')], day);
    const text = freeBusyReply({
      organizer: 'mailto:boss@example.com',
      attendee: 'mailto:me@example.com',
      uid: 'fb-request-1',
      dtstamp: new Date('2026-03-09T12:00:00Z'),
      range: day,
      periods,
    });
    assert.ok(isCrlf(text));
    const lines = contentLines(text);
    assert.ok(lines.includes('METHOD:REPLY'));
    for (const l of [
      'UID:fb-request-1',
      'DTSTAMP:20260309T120000Z',
      'DTSTART:20260310T000000Z',
      'DTEND:20260311T000000Z',
      'ORGANIZER:mailto:boss@example.com',
      'ATTENDEE:mailto:me@example.com',
      'FREEBUSY;FBTYPE=BUSY:20260310T090000Z/20260310T100000Z,20260310T130000Z/20260310T140000Z',
      'FREEBUSY;FBTYPE=BUSY-TENTATIVE:20260310T150000Z/20260310T160000Z',
    ]) {
      assert.ok(lines.includes(l), `has ${l}`);
    }
    const vcal = new ICAL.Component(ICAL.parse(text) as unknown[]);
    assert.equal(vcal.getAllSubcomponents('vfreebusy').length, 1);
  });

  it('no busy time: no FREEBUSY property; no UID when the request had none', () => {
    const lines = contentLines(freeBusyReply({ organizer: 'mailto:a@x', attendee: 'mailto:b@x', uid: '', dtstamp: day.start, range: day, periods: [] }));
    assert.ok(!lines.some((l) => l.startsWith('FREEBUSY') || l.startsWith('UID')));
  });
});
