/**
 * Reading and editing the iCalendar a client has cached for an event (the
 * Accepter, the updaters, the downloader). The cache holds text; each use
 * parses its own ical.js tree, so an edit never reaches the cached copy until
 * the client stores what the server accepted.
 */
import ICAL from 'ical.js';
import { normalizeAddress } from '../lib/ical/calendar-object.js';

/** The parsed VCALENDAR, or undefined when the text is not iCalendar (a server may hand back anything). */
export function parseCalendar(data: string | undefined): ICAL.Component | undefined {
  if (!data) return undefined;
  try {
    const vcal = new ICAL.Component(ICAL.parse(data) as unknown[]);
    return vcal.name === 'vcalendar' ? vcal : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the text may hold `word` (an upper-case property or parameter name): a test made
 * before parsing, so that a profile looking for something most events lack (a managed
 * attachment, an attendee) parses only those that may have it. Names are matched
 * case-insensitively (RFC 5545 §2) and across folded lines (§3.1 folds anywhere, a name
 * included). False only when the word is surely absent.
 */
export function mayMention(data: string | undefined, word: string): boolean {
  if (!data) return false;
  const unfolded = data.includes('\n ') || data.includes('\n\t') ? data.replace(/\r?\n[ \t]/g, '') : data;
  let pattern = WORDS.get(word);
  if (!pattern) WORDS.set(word, (pattern = new RegExp(word.replace(/[^A-Za-z0-9]/g, '\\$&'), 'i')));
  return pattern.test(unfolded);
}
const WORDS = new Map<string, RegExp>();

/** The main component: the first VEVENT/VTODO without RECURRENCE-ID (the master), else the first one (the original's mainComponent). */
export function mainComponent(vcal: ICAL.Component): ICAL.Component | undefined {
  const all = [...vcal.getAllSubcomponents('vevent'), ...vcal.getAllSubcomponents('vtodo')];
  return all.find((c) => !c.hasProperty('recurrence-id')) ?? all[0];
}

/** The UID of cached data, or undefined. */
export function uidOf(data: string | undefined): string | undefined {
  const vcal = parseCalendar(data);
  const main = vcal && mainComponent(vcal);
  const uid = main?.getFirstPropertyValue('uid');
  return uid === null || uid === undefined ? undefined : String(uid);
}

/** Text with CRLF line ends, as uploaded. */
export function calendarText(vcal: ICAL.Component): string {
  return ICAL.stringify(vcal.toJSON() as unknown as Parameters<typeof ICAL.stringify>[0]);
}

/** The client's own calendar user addresses (`mailto:` and `urn:` forms). */
export interface SelfAddresses {
  email: string;
  uuid?: string;
}

/**
 * Whether an ATTENDEE or ORGANIZER is the client's user. The original compared
 * the EMAIL parameter only (CalendarServer rewrites addresses to `urn:x-uid:`
 * and adds EMAIL); servers that keep the `mailto:` value (the testbed, most
 * others) are recognised by the value itself.
 */
export function isSelf(prop: ICAL.Property, self: SelfAddresses): boolean {
  const mine = new Set([self.email, self.uuid].filter((a): a is string => !!a).map(normalizeAddress));
  if (mine.size === 0) return false;
  const email = prop.getParameter('email') as unknown;
  if (typeof email === 'string' && mine.has(normalizeAddress(`mailto:${email}`))) return true;
  return mine.has(normalizeAddress(String(prop.getFirstValue() ?? '')));
}

/** An ICAL.Time for instant `ms` in UTC, whole seconds (DTSTAMP, ACKNOWLEDGED). */
export function utcNow(ms: number): ICAL.Time {
  const d = new Date(Math.floor(ms / 1000) * 1000);
  return ICAL.Time.fromData(
    { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds() },
    ICAL.Timezone.utcTimezone,
  );
}
