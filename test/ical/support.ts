/** Builders for iCalendar test data: short bodies in, CRLF calendar objects out. */
import { calendarObjectFrom, type CalendarObject } from '../../lib/ical/calendar-object.js';
import type { TimeRange } from '../../lib/ical/time-range.js';

/** Lines of a template literal, trimmed, blank ones dropped. */
function lines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/** A VCALENDAR around the given components (and optional calendar-level lines), CRLF. */
export function ics(...parts: string[]): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//loadsim//test//EN', ...parts.flatMap(lines), 'END:VCALENDAR', ''].join('\r\n');
}

/** A component of `name` with the body lines, adding UID and DTSTAMP unless given. */
export function component(name: string, body: string, uid = 'uid-1'): string {
  const l = lines(body);
  const extra = [];
  if (!l.some((x) => x.startsWith('UID'))) extra.push(`UID:${uid}`);
  if (!l.some((x) => x.startsWith('DTSTAMP'))) extra.push('DTSTAMP:20260101T000000Z');
  return [`BEGIN:${name}`, ...extra, ...l, `END:${name}`].join('\r\n');
}

export const vevent = (body: string, uid?: string) => component('VEVENT', body, uid);
export const vtodo = (body: string, uid?: string) => component('VTODO', body, uid);
export const vjournal = (body: string, uid?: string) => component('VJOURNAL', body, uid);
export const vfreebusy = (body: string, uid?: string) => component('VFREEBUSY', body, uid);

/** Parse, failing the test on invalid data. */
export function parse(text: string, maxInstances?: number): CalendarObject {
  return calendarObjectFrom(text, maxInstances === undefined ? {} : { maxInstances });
}

/** One-component object. */
export const event = (body: string, uid?: string) => parse(ics(vevent(body, uid)));
export const todo = (body: string) => parse(ics(vtodo(body)));
export const journal = (body: string) => parse(ics(vjournal(body)));

/** A time range from ISO strings; undefined ends are open. */
export function range(start?: string, end?: string): TimeRange {
  return { ...(start ? { start: new Date(start) } : {}), ...(end ? { end: new Date(end) } : {}) };
}

/** America/Los_Angeles as clients send it (US rules since 2007). */
export const VTIMEZONE_LA = `
BEGIN:VTIMEZONE
TZID:America/Los_Angeles
BEGIN:DAYLIGHT
TZOFFSETFROM:-0800
TZOFFSETTO:-0700
TZNAME:PDT
DTSTART:20070311T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:-0700
TZOFFSETTO:-0800
TZNAME:PST
DTSTART:20071104T020000
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
END:STANDARD
END:VTIMEZONE`;

/** A fixed-offset zone under a name no IANA database knows. */
export const VTIMEZONE_CUSTOM = `
BEGIN:VTIMEZONE
TZID:Custom/Plus3
BEGIN:STANDARD
TZOFFSETFROM:+0300
TZOFFSETTO:+0300
DTSTART:19700101T000000
END:STANDARD
END:VTIMEZONE`;

/** Every line ends with CRLF and nothing else. */
export function isCrlf(text: string): boolean {
  return text.endsWith('\r\n') && !/[^\r]\n/.test(text) && !/\r[^\n]/.test(text);
}

/** The unfolded content lines of iCalendar text. */
export function contentLines(text: string): string[] {
  return text.replace(/\r\n[ \t]/g, '').split('\r\n').filter((l) => l !== '');
}
