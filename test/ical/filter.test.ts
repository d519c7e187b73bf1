import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchesFilter, textMatches, type CompFilter, type ParamFilter, type PropFilter, type TextMatch } from '../../lib/ical/filter.js';
import { event, ics, parse, range, todo, vevent } from './support.js';

const tm = (text: string, negate = false, collation: TextMatch['collation'] = 'i;ascii-casemap'): TextMatch => ({ text, negate, collation });
const comp = (name: string, more: Partial<CompFilter> = {}): CompFilter => ({ name, compFilters: [], propFilters: [], ...more });
const prop = (name: string, more: Partial<PropFilter> = {}): PropFilter => ({ name, paramFilters: [], ...more });
const param = (name: string, more: Partial<ParamFilter> = {}): ParamFilter => ({ name, ...more });
/** VCALENDAR > VEVENT > … */
const inEvent = (more: Partial<CompFilter>) => comp('VCALENDAR', { compFilters: [comp('VEVENT', more)] });

const meeting = () =>
  event(`DTSTART:20260310T100000Z
         DURATION:PT1H
         SUMMARY:Budget Review
         CATEGORIES:Finance,Quarterly
         ORGANIZER:mailto:boss@example.com
         ATTENDEE;PARTSTAT=ACCEPTED;CN=Alice:mailto:alice@example.com
         ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:bob@example.com
         BEGIN:VALARM
         ACTION:DISPLAY
         DESCRIPTION:x
         TRIGGER:-PT15M
         END:VALARM`);

describe('text-match (RFC 4791 §9.7.5)', () => {
  it('is a substring match; i;ascii-casemap folds only ASCII letters; i;octet folds nothing', () => {
    assert.equal(textMatches(['Budget Review'], tm('get rev')), true);
    assert.equal(textMatches(['Budget Review'], tm('get rev', false, 'i;octet')), false);
    assert.equal(textMatches(['Budget Review'], tm('get Rev', false, 'i;octet')), true);
    assert.equal(textMatches(['Café'], tm('CAFÉ')), false, 'É is not folded by i;ascii-casemap');
    assert.equal(textMatches(['Café'], tm('CAFé')), true);
  });
  it('negate-condition inverts the answer; several values match if any contains the text', () => {
    assert.equal(textMatches(['Budget Review'], tm('lunch', true)), true);
    assert.equal(textMatches(['Budget Review'], tm('budget', true)), false);
    assert.equal(textMatches(['Finance', 'Quarterly'], tm('quarter')), true);
    assert.equal(textMatches(['Finance', 'Quarterly'], tm('quarter', true)), false);
  });
});

describe('matchesFilter (RFC 4791 §9.7)', () => {
  it('VCALENDAR alone matches every object; another top name or is-not-defined matches none', () => {
    assert.equal(matchesFilter(meeting(), comp('VCALENDAR')), true);
    assert.equal(matchesFilter(meeting(), comp('VEVENT')), false);
    assert.equal(matchesFilter(meeting(), comp('VCALENDAR', { isNotDefined: true })), false);
  });

  it('comp-filter: present, absent, is-not-defined, nested VALARM', () => {
    const o = meeting();
    assert.equal(matchesFilter(o, comp('VCALENDAR', { compFilters: [comp('VEVENT')] })), true);
    assert.equal(matchesFilter(o, comp('VCALENDAR', { compFilters: [comp('VTODO')] })), false);
    assert.equal(matchesFilter(o, comp('VCALENDAR', { compFilters: [comp('VTODO', { isNotDefined: true })] })), true);
    assert.equal(matchesFilter(o, inEvent({ compFilters: [comp('VALARM')] })), true);
    assert.equal(matchesFilter(o, inEvent({ compFilters: [comp('valarm', { isNotDefined: true })] })), false);
  });

  it('comp-filter time-range, and a VALARM time-range inside it', () => {
    const o = meeting();
    assert.equal(matchesFilter(o, inEvent({ timeRange: range('2026-03-10T10:30:00Z', '2026-03-10T12:00:00Z') })), true);
    assert.equal(matchesFilter(o, inEvent({ timeRange: range('2026-03-10T11:00:00Z', '2026-03-10T12:00:00Z') })), false);
    const alarmAt = (s: string, e: string) => inEvent({ compFilters: [comp('VALARM', { timeRange: range(s, e) })] });
    assert.equal(matchesFilter(o, alarmAt('2026-03-10T09:45:00Z', '2026-03-10T09:46:00Z')), true);
    assert.equal(matchesFilter(o, alarmAt('2026-03-10T09:46:00Z', '2026-03-10T11:00:00Z')), false);
  });

  it('prop-filter: present, is-not-defined, text-match (with negation and collation)', () => {
    const o = meeting();
    assert.equal(matchesFilter(o, inEvent({ propFilters: [prop('SUMMARY')] })), true);
    assert.equal(matchesFilter(o, inEvent({ propFilters: [prop('LOCATION')] })), false);
    assert.equal(matchesFilter(o, inEvent({ propFilters: [prop('LOCATION', { isNotDefined: true })] })), true);
    assert.equal(matchesFilter(o, inEvent({ propFilters: [prop('SUMMARY', { isNotDefined: true })] })), false);
    assert.equal(matchesFilter(o, inEvent({ propFilters: [prop('summary', { textMatch: tm('BUDGET') })] })), true);
    assert.equal(matchesFilter(o, inEvent({ propFilters: [prop('SUMMARY', { textMatch: tm('BUDGET', false, 'i;octet') })] })), false);
    assert.equal(matchesFilter(o, inEvent({ propFilters: [prop('SUMMARY', { textMatch: tm('lunch', true) })] })), true);
    assert.equal(matchesFilter(o, inEvent({ propFilters: [prop('CATEGORIES', { textMatch: tm('quarterly') })] })), true);
    // All prop-filters must match.
    assert.equal(matchesFilter(o, inEvent({ propFilters: [prop('SUMMARY'), prop('LOCATION')] })), false);
  });

  it('param-filter on ATTENDEE: one attendee must satisfy the text-match and all param-filters', () => {
    const o = meeting();
    const attendee = (textMatch: TextMatch | undefined, ...paramFilters: ParamFilter[]) =>
      inEvent({ propFilters: [prop('ATTENDEE', { ...(textMatch ? { textMatch } : {}), paramFilters })] });
    assert.equal(matchesFilter(o, attendee(tm('mailto:bob@'), param('PARTSTAT', { textMatch: tm('NEEDS-ACTION') }))), true);
    assert.equal(matchesFilter(o, attendee(tm('mailto:bob@'), param('PARTSTAT', { textMatch: tm('ACCEPTED') }))), false);
    assert.equal(matchesFilter(o, attendee(undefined, param('CN'))), true);
    assert.equal(matchesFilter(o, attendee(tm('bob'), param('CN'))), false, 'bob has no CN');
    assert.equal(matchesFilter(o, attendee(tm('bob'), param('CN', { isNotDefined: true }))), true);
    assert.equal(matchesFilter(o, attendee(undefined, param('SCHEDULE-AGENT'))), false);
  });

  it('prop-filter time-range on a date property, with the effective DTEND of DTSTART+DURATION (§9.9)', () => {
    const o = meeting();
    const at = (name: string, s: string, e: string) => inEvent({ propFilters: [prop(name, { timeRange: range(s, e) })] });
    assert.equal(matchesFilter(o, at('DTSTART', '2026-03-10T10:00:00Z', '2026-03-10T10:00:01Z')), true);
    assert.equal(matchesFilter(o, at('DTSTART', '2026-03-10T09:00:00Z', '2026-03-10T10:00:00Z')), false);
    assert.equal(matchesFilter(o, at('DTEND', '2026-03-10T11:00:00Z', '2026-03-10T11:00:01Z')), true, 'DTEND is DTSTART+PT1H');
    assert.equal(matchesFilter(o, at('DTEND', '2026-03-10T10:00:00Z', '2026-03-10T11:00:00Z')), false);
    const t = todo('DTSTART:20260310T100000Z\nDURATION:PT2H');
    const due = comp('VCALENDAR', { compFilters: [comp('VTODO', { propFilters: [prop('DUE', { timeRange: range('2026-03-10T12:00:00Z', '2026-03-10T12:00:01Z') })] })] });
    assert.equal(matchesFilter(t, due), true, 'effective DUE');
  });

  it('the time-range and the prop-filters must hold for the same component (master or override)', () => {
    const o = parse(
      ics(
        vevent('DTSTART:20260302T100000Z\nDURATION:PT1H\nRRULE:FREQ=WEEKLY\nSUMMARY:weekly'),
        vevent('RECURRENCE-ID:20260309T100000Z\nDTSTART:20260309T150000Z\nDURATION:PT1H\nSUMMARY:moved'),
      ),
    );
    const f = (s: string, e: string, text: string) => inEvent({ timeRange: range(s, e), propFilters: [prop('SUMMARY', { textMatch: tm(text) })] });
    assert.equal(matchesFilter(o, f('2026-03-09T15:00:00Z', '2026-03-09T16:00:00Z', 'moved')), true);
    assert.equal(matchesFilter(o, f('2026-03-09T15:00:00Z', '2026-03-09T16:00:00Z', 'weekly')), false);
    assert.equal(matchesFilter(o, f('2026-03-16T10:00:00Z', '2026-03-16T11:00:00Z', 'weekly')), true);
    assert.equal(matchesFilter(o, f('2026-03-16T10:00:00Z', '2026-03-16T11:00:00Z', 'moved')), false);
    assert.equal(matchesFilter(o, f('2026-03-09T10:00:00Z', '2026-03-09T11:00:00Z', 'weekly')), false, 'the overridden slot is empty');
  });

  it('the typical client queries: events in a window, todos not completed', () => {
    const window = comp('VCALENDAR', { compFilters: [comp('VEVENT', { timeRange: range('2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z') })] });
    assert.equal(matchesFilter(meeting(), window), true);
    const open = comp('VCALENDAR', {
      compFilters: [comp('VTODO', { propFilters: [prop('COMPLETED', { isNotDefined: true }), prop('STATUS', { textMatch: tm('CANCELLED', true) })] })],
    });
    assert.equal(matchesFilter(todo('SUMMARY:write tests\nSTATUS:NEEDS-ACTION'), open), true);
    assert.equal(matchesFilter(todo('SUMMARY:done\nCOMPLETED:20260301T000000Z'), open), false);
    assert.equal(matchesFilter(todo('SUMMARY:dropped\nSTATUS:CANCELLED'), open), false);
  });
});
