/**
 * Date-time arithmetic for iCalendar values: which zone a value lives in, and the
 * conversions between its wall clock and UTC instants.
 *
 * ical.js resolves a TZID only against a VTIMEZONE in the same VCALENDAR (or its
 * global TimezoneService, which we leave empty: it is process-wide state). CalDAV
 * clients often omit VTIMEZONEs for well-known zones (RFC 7809 makes that legal), so
 * a TZID without a VTIMEZONE that names an IANA zone is resolved here with the IANA
 * database through luxon (Node's own ICU data). The order is the RFC 5545 one: the
 * VTIMEZONE in the object wins; only then the IANA name.
 *
 * All instants are milliseconds since the epoch (UTC). Floating values (no TZID, no
 * Z, and every DATE) are anchored in a caller-chosen zone, UTC unless said otherwise;
 * RFC 4791 §9.9 would use the collection's CALDAV:calendar-timezone.
 */
import ICAL from 'ical.js';
import { IANAZone } from 'luxon';
// VTIMEZONE expansions shared between parsed objects (the testbed's largest cost per PUT otherwise).
import './shared-timezone-expansion.js';

/** Where a wall-clock value is anchored. */
export type ZoneRef =
  | { readonly kind: 'utc' }
  | { readonly kind: 'floating' }
  | { readonly kind: 'vtimezone'; readonly tzid: string; readonly zone: ICAL.Timezone }
  | { readonly kind: 'iana'; readonly tzid: string };

export const UTC_ZONE: ZoneRef = Object.freeze({ kind: 'utc' });
export const FLOATING_ZONE: ZoneRef = Object.freeze({ kind: 'floating' });

/** Wall-clock fields; month is 1–12. */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const DAY_MS = 86_400_000;
const ianaCache = new Map<string, IANAZone | null>();

function ianaZone(name: string): IANAZone | null {
  let zone = ianaCache.get(name);
  if (zone === undefined) {
    zone = IANAZone.isValidZone(name) ? IANAZone.create(name) : null;
    ianaCache.set(name, zone);
  }
  return zone;
}

/** True if `tzid` names a zone of the IANA database (as Node's ICU knows it). */
export function isIanaTzid(tzid: string): boolean {
  return ianaZone(tzid) !== null;
}

/** The zone of a DATE or DATE-TIME value; `tzid` is the property's TZID parameter, if any. */
export function zoneOfTime(time: ICAL.Time, tzid?: string): ZoneRef {
  if (time.isDate) return FLOATING_ZONE;
  const zone = time.zone;
  if (zone === ICAL.Timezone.utcTimezone || zone?.tzid === 'UTC') return UTC_ZONE;
  // ical.js keeps an unresolved TZID in `timezone` and makes the value floating.
  const id = tzid ?? (time as unknown as { timezone?: string }).timezone;
  if (!id) return FLOATING_ZONE;
  if (zone && zone !== ICAL.Timezone.localTimezone && zone.component) return { kind: 'vtimezone', tzid: id, zone };
  if (isIanaTzid(id)) return { kind: 'iana', tzid: id };
  return FLOATING_ZONE;
}

/** The zone of a property's (first) date or date-time value. */
export function zoneOfProperty(prop: ICAL.Property): ZoneRef {
  const value = prop.getFirstValue();
  const tzid = prop.getFirstParameter('tzid') ?? undefined;
  if (value instanceof ICAL.Time) return zoneOfTime(value, tzid);
  if (value instanceof ICAL.Period) return zoneOfTime(value.start, tzid);
  return FLOATING_ZONE;
}

/** The wall-clock fields of an ical.js time (its zone conversions can leave -0; `|| 0` makes it 0). */
export function wallOf(time: ICAL.Time): WallClock {
  return { year: time.year, month: time.month, day: time.day, hour: time.hour || 0, minute: time.minute || 0, second: time.second || 0 };
}

function wallAsUtc(w: WallClock): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
}

function utcAsWall(ms: number): WallClock {
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

/**
 * A wall-clock time in an IANA zone as an instant, with the RFC 5545 §3.3.5 rules
 * that luxon does not follow: a time that occurs twice (the autumn change) is the
 * first of the two; a time skipped by the spring change takes the offset from
 * before the gap (so 02:30 on a spring-forward night is 03:30 daylight time).
 */
function ianaWallToUtc(w: WallClock, zone: IANAZone): number {
  const naive = wallAsUtc(w);
  const before = zone.offset(naive - DAY_MS);
  const after = zone.offset(naive + DAY_MS);
  let best: number | undefined;
  for (const offset of before === after ? [before] : [before, after]) {
    const candidate = naive - offset * 60_000;
    if (zone.offset(candidate) === offset && (best === undefined || candidate < best)) best = candidate;
  }
  return best ?? naive - before * 60_000;
}

function resolvedFloating(floatingZone: string): IANAZone | null {
  return floatingZone === 'UTC' ? null : ianaZone(floatingZone);
}

/** The instant of a wall-clock time in `zone`. */
export function wallToUtcMs(w: WallClock, zone: ZoneRef, floatingZone = 'UTC'): number {
  switch (zone.kind) {
    case 'utc':
      return wallAsUtc(w);
    case 'floating': {
      const z = resolvedFloating(floatingZone);
      return z ? ianaWallToUtc(w, z) : wallAsUtc(w);
    }
    case 'iana':
      return ianaWallToUtc(w, ianaZone(zone.tzid)!);
    case 'vtimezone':
      return ICAL.Time.fromData({ ...w, isDate: false }, zone.zone).toUnixTime() * 1000;
  }
}

/** The wall clock in `zone` at an instant. */
export function utcMsToWall(ms: number, zone: ZoneRef, floatingZone = 'UTC'): WallClock {
  switch (zone.kind) {
    case 'utc':
      return utcAsWall(ms);
    case 'floating': {
      const z = resolvedFloating(floatingZone);
      return z ? utcAsWall(ms + z.offset(ms) * 60_000) : utcAsWall(ms);
    }
    case 'iana':
      return utcAsWall(ms + ianaZone(zone.tzid)!.offset(ms) * 60_000);
    case 'vtimezone': {
      const t = ICAL.Time.fromJSDate(new Date(ms), true).convertToZone(zone.zone);
      return wallOf(t);
    }
  }
}

/** The instant of an ical.js time value anchored in `zone`. */
export function timeToUtcMs(time: ICAL.Time, zone: ZoneRef, floatingZone = 'UTC'): number {
  return wallToUtcMs(wallOf(time), time.isDate ? FLOATING_ZONE : zone, floatingZone);
}

/** The instant of a property's first date or date-time value, or undefined if it has none. */
export function propertyUtcMs(prop: ICAL.Property | null, floatingZone = 'UTC'): number | undefined {
  if (!prop) return undefined;
  const value = prop.getFirstValue();
  if (!(value instanceof ICAL.Time)) return undefined;
  return timeToUtcMs(value, zoneOfProperty(prop), floatingZone);
}

/**
 * `ms + duration`. Weeks and days are nominal (RFC 5545 §3.3.6): they move the wall
 * clock of `zone` by whole days, so P1D across a DST change is 23 or 25 hours; hours,
 * minutes and seconds are exact.
 */
export function addDuration(ms: number, duration: ICAL.Duration, zone: ZoneRef, floatingZone = 'UTC'): number {
  const sign = duration.isNegative ? -1 : 1;
  const days = (duration.weeks * 7 + duration.days) * sign;
  const exact = (duration.hours * 3600 + duration.minutes * 60 + duration.seconds) * 1000 * sign;
  let result = ms;
  if (days !== 0) {
    const w = utcMsToWall(ms, zone, floatingZone);
    const shifted = utcAsWall(Date.UTC(w.year, w.month - 1, w.day + days, w.hour, w.minute, w.second));
    result = wallToUtcMs(shifted, zone, floatingZone);
  }
  return result + exact;
}

/** Whole days added to a wall clock (the nominal part of a duration), as an instant. */
export function addDays(ms: number, days: number, zone: ZoneRef, floatingZone = 'UTC'): number {
  if (days === 0) return ms;
  const w = utcMsToWall(ms, zone, floatingZone);
  return wallToUtcMs(utcAsWall(Date.UTC(w.year, w.month - 1, w.day + days, w.hour, w.minute, w.second)), zone, floatingZone);
}

/** An ical.js UTC DATE-TIME for an instant (milliseconds are dropped, as iCalendar has none). */
export function utcTime(ms: number): ICAL.Time {
  const w = utcAsWall(ms);
  return ICAL.Time.fromData({ ...w, isDate: false }, ICAL.Timezone.utcTimezone);
}

/** `20260308T170000Z` */
export function formatUtc(ms: number): string {
  return utcTime(ms).toICALString();
}
