/**
 * The iCalendar the profiles upload: the original's event and task templates
 * (the original's profiles.py) filled in with sampled values, built with ical.js
 * so that text is escaped, parameters quoted and lines folded as RFC 5545 says.
 *
 * Times: a start or due date-time in an IANA zone is written with its TZID and
 * the matching VTIMEZONE (WorkDistribution samples carry their zone); a UTC one
 * (NearFutureDistribution's) as a plain `…Z` value with no VTIMEZONE. DTEND is
 * the start plus the duration in elapsed seconds, written in the start's zone,
 * so an event across a DST change keeps its length.
 */
import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import { vtimezoneFor } from './vtimezone.js';

export const PRODID = '-//Apple Inc.//iCal 4.0.3//EN';

/** A calendar user: `mailto:` address and common name. */
export interface CalendarUser {
  address: string;
  cn?: string;
}

/** An ATTENDEE as the original's clients write them (profiles.py). */
export interface AttendeeSpec extends CalendarUser {
  partstat: 'NEEDS-ACTION' | 'ACCEPTED' | 'DECLINED' | 'TENTATIVE';
  cutype?: string;
  role?: string;
  rsvp?: boolean;
}

export interface EventSpec {
  uid: string;
  start: DateTime;
  durationSeconds: number;
  /** Wall-clock now (epoch ms) for CREATED and DTSTAMP. */
  nowMs: number;
  summary?: string;
  description?: string;
  /** The template's SEQUENCE is 2; kept. */
  sequence?: number;
  /** An RRULE value such as `FREQ=WEEKLY;COUNT=4`, or null/undefined for none. */
  rrule?: string | null;
  organizer?: CalendarUser;
  attendees?: readonly AttendeeSpec[];
  /** AlarmAcknowledger's VALARM (display, 8 minutes before). */
  alarm?: { uid: string };
}

export interface TaskSpec {
  uid: string;
  due: DateTime;
  nowMs: number;
  summary?: string;
}

/**
 * A date-time sample as a luxon DateTime. Distributions of dates give luxon
 * DateTimes; a user's own may give a JS Date, which is taken as UTC.
 */
export function asDateTime(value: unknown, what: string): DateTime {
  if (DateTime.isDateTime(value)) {
    if (!value.isValid) throw new RangeError(`${what}: invalid date-time (${value.invalidReason ?? 'unknown reason'})`);
    return value;
  }
  if (value instanceof Date && !Number.isNaN(value.getTime())) return DateTime.fromJSDate(value, { zone: 'utc' });
  throw new TypeError(`${what}: expected a date-time sample, got ${typeof value}`);
}

/** The IANA zone a date-time is written in, or undefined when it is written in UTC (UTC itself, or a fixed offset). */
function ianaZoneOf(dt: DateTime): string | undefined {
  const zone = dt.zone;
  if (zone.type !== 'iana') return undefined;
  const name = zone.name;
  return name === 'UTC' || name === 'Etc/UTC' || name === 'Etc/GMT' || name === 'GMT' ? undefined : name;
}

/** A DATE-TIME property: local time with TZID in an IANA zone, else UTC. Returns the TZID used. */
function dateTimeProperty(component: ICAL.Component, name: string, dt: DateTime): string | undefined {
  const tzid = ianaZoneOf(dt);
  const local = tzid ? dt : dt.toUTC();
  const prop = new ICAL.Property(name);
  prop.setValue(
    ICAL.Time.fromData(
      { year: local.year, month: local.month, day: local.day, hour: local.hour, minute: local.minute, second: local.second },
      tzid ? undefined : ICAL.Timezone.utcTimezone,
    ),
  );
  if (tzid) prop.setParameter('tzid', tzid);
  component.addProperty(prop);
  return tzid;
}

function utcProperty(component: ICAL.Component, name: string, ms: number): void {
  dateTimeProperty(component, name, DateTime.fromMillis(Math.floor(ms / 1000) * 1000, { zone: 'utc' }));
}

function vcalendar(): ICAL.Component {
  const cal = new ICAL.Component('vcalendar');
  cal.addPropertyWithValue('version', '2.0');
  cal.addPropertyWithValue('prodid', PRODID);
  cal.addPropertyWithValue('calscale', 'GREGORIAN');
  return cal;
}

/** VTIMEZONEs go before the component that uses them, as Apple's clients write them. */
function finish(cal: ICAL.Component, main: ICAL.Component, tzids: Iterable<string | undefined>, aroundMs: number): string {
  for (const tzid of new Set(tzids)) if (tzid) cal.addSubcomponent(vtimezoneFor(tzid, aroundMs));
  cal.addSubcomponent(main);
  // ical.js writes CRLF line ends and folds at 75 octets; the text ends with CRLF.
  return ICAL.stringify(cal.toJSON() as unknown as Parameters<typeof ICAL.stringify>[0]);
}

function organizerProperty(user: CalendarUser): ICAL.Property {
  const p = new ICAL.Property('organizer');
  p.setValue(user.address);
  if (user.cn) p.setParameter('cn', user.cn);
  return p;
}

/** An ATTENDEE property with CN, CUTYPE, PARTSTAT, ROLE and RSVP (the original's profiles.py). */
export function attendeeProperty(a: AttendeeSpec): ICAL.Property {
  const p = new ICAL.Property('attendee');
  p.setValue(a.address);
  if (a.cn) p.setParameter('cn', a.cn);
  p.setParameter('cutype', a.cutype ?? 'INDIVIDUAL');
  p.setParameter('partstat', a.partstat);
  if (a.role) p.setParameter('role', a.role);
  if (a.rsvp) p.setParameter('rsvp', 'TRUE');
  return p;
}

/** A new event: the original's template (profiles.py) with these values. */
export function buildEvent(spec: EventSpec): string {
  const cal = vcalendar();
  const ev = new ICAL.Component('vevent');
  utcProperty(ev, 'created', spec.nowMs);
  ev.addPropertyWithValue('uid', spec.uid);
  const end = spec.start.plus({ milliseconds: Math.round(spec.durationSeconds * 1000) });
  const tzEnd = dateTimeProperty(ev, 'dtend', end);
  ev.addPropertyWithValue('transp', 'OPAQUE');
  ev.addPropertyWithValue('summary', spec.summary ?? 'Simple event');
  if (spec.description !== undefined) ev.addPropertyWithValue('description', spec.description);
  const tzStart = dateTimeProperty(ev, 'dtstart', spec.start);
  utcProperty(ev, 'dtstamp', spec.nowMs);
  ev.addPropertyWithValue('sequence', spec.sequence ?? 2);
  if (spec.rrule) {
    const rrule = new ICAL.Property('rrule');
    rrule.setValue(ICAL.Recur.fromString(spec.rrule));
    ev.addProperty(rrule);
  }
  if (spec.organizer) ev.addProperty(organizerProperty(spec.organizer));
  for (const a of spec.attendees ?? []) ev.addProperty(attendeeProperty(a));
  if (spec.alarm) ev.addSubcomponent(alarm(spec.alarm.uid));
  return finish(cal, ev, [tzStart, tzEnd], spec.start.toMillis());
}

/** A new task: the original's VTODO template (profiles.py) with DUE. */
export function buildTask(spec: TaskSpec): string {
  const cal = vcalendar();
  const todo = new ICAL.Component('vtodo');
  utcProperty(todo, 'created', spec.nowMs);
  todo.addPropertyWithValue('uid', spec.uid);
  todo.addPropertyWithValue('summary', spec.summary ?? 'Simple task');
  const tz = dateTimeProperty(todo, 'due', spec.due);
  utcProperty(todo, 'dtstamp', spec.nowMs);
  return finish(cal, todo, [tz], spec.due.toMillis());
}

/** AlarmAcknowledger's reminder (the original's profiles.py). */
function alarm(uid: string): ICAL.Component {
  const a = new ICAL.Component('valarm');
  a.addPropertyWithValue('x-wr-alarmuid', uid);
  a.addPropertyWithValue('uid', uid);
  a.addPropertyWithValue('description', 'Event reminder');
  const trigger = new ICAL.Property('trigger');
  trigger.setValue(ICAL.Duration.fromString('-PT8M'));
  a.addProperty(trigger);
  a.addPropertyWithValue('action', 'DISPLAY');
  return a;
}
