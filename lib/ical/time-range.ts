/**
 * RFC 4791 §9.9 CALDAV:time-range: does a component overlap [start, end)?
 *
 * Each component type has its own table, implemented row by row below and tested
 * case by case. Recurring components are tested instance by instance (§9.9: "if any
 * one instance matches, then the test returns true"), with overridden instances
 * replaced by their RECURRENCE-ID components (see recurrence.ts).
 *
 * Decisions worth knowing:
 * - A missing start is -infinity and a missing end +infinity (§9.9).
 * - Floating date-times and DATE values are evaluated in `floatingZone`, UTC unless
 *   given; §9.9 would use the collection's CALDAV:calendar-timezone, which a caller
 *   can pass here.
 * - A VEVENT with DTEND equal to DTSTART (which RFC 5545 forbids but clients send) is
 *   tested like every other zero-length event: (start <= DTSTART AND end > DTSTART).
 *   The literal DTEND row, (start < DTEND AND end > DTSTART), would never match it at
 *   the start of a range.
 * - Expansion is bounded (the object's maxInstances, default 10,000): an instance past
 *   the bound does not match.
 */
import ICAL from 'ical.js';
import type { CalendarObject } from './calendar-object.js';
import { FLOATING_ZONE, UTC_ZONE, addDays, addDuration, propertyUtcMs, timeToUtcMs, zoneOfTime } from './datetime.js';
import { componentInstances, expansionDefaults, instancesOf, singleInstance, type RawInstance, type RecurrenceSet } from './recurrence.js';

export interface TimeRange {
  /** Inclusive start; absent means -infinity. */
  start?: Date;
  /** Exclusive end; absent means +infinity. */
  end?: Date;
}

export interface TimeRangeOptions {
  /** Instances generated at most per recurring master. Default: the object's maxInstances (10,000). */
  maxInstances?: number;
  /** IANA zone for floating date-times and DATE values. Default UTC. */
  floatingZone?: string;
}

export const timeRangeDefaults = { floatingZone: expansionDefaults.floatingZone } as const;

/** One instance, as the expand and free-busy code wants it. */
export interface Instance {
  /** Effective DTSTART (for a VTODO without DTSTART: its DUE). */
  start: Date;
  /** Effective end: DTEND, DTSTART+DURATION, DUE, +P1D for an all-day DTSTART alone, else the start. */
  end: Date;
  /** The RECURRENCE-ID of the instance, for members of a recurrence set. */
  recurrenceId?: Date;
  /** The master (generated instances) or the override. */
  component: ICAL.Component;
  /** DTSTART is a DATE. */
  allDay: boolean;
}

interface Bounds {
  rs: number;
  re: number;
}

function bounds(range: TimeRange): Bounds {
  return { rs: range.start ? range.start.getTime() : -Infinity, re: range.end ? range.end.getTime() : Infinity };
}

/** The effective end of a VEVENT instance: DTEND, else DTSTART+DURATION, else +P1D for a DATE, else DTSTART. */
function eventEnd(i: RawInstance, floatingZone: string): number {
  const s = i.start!;
  if (i.dtend !== undefined) return i.dtend;
  if (i.durationEnd !== undefined) return i.durationEnd;
  return i.startIsDate ? addDays(s, 1, FLOATING_ZONE, floatingZone) : s;
}

/**
 * VEVENT (§9.9 first table). Every row reduces to: an instance of positive length
 * overlaps when (start < END AND end > DTSTART), with END its DTEND, DTSTART+DURATION or
 * DTSTART+P1D; an instance of no length when (start <= DTSTART AND end > DTSTART).
 */
function veventOverlaps(i: RawInstance, b: Bounds, floatingZone: string): boolean {
  if (i.start === undefined) return false;
  const s = i.start;
  const e = eventEnd(i, floatingZone);
  return e > s ? b.rs < e && b.re > s : b.rs <= s && b.re > s;
}

/** VTODO (§9.9 second table), row by row. */
function vtodoOverlaps(i: RawInstance, b: Bounds, floatingZone: string): boolean {
  const { rs, re } = b;
  const s = i.start;
  const due = i.due;
  if (s !== undefined) {
    const dEnd = i.durationEnd;
    // Y Y N * *: DTSTART and DURATION
    if (dEnd !== undefined && due === undefined) return rs <= dEnd && (re > s || re >= dEnd);
    // Y N Y * *: DTSTART and DUE
    if (due !== undefined) return (rs < due || rs <= s) && (re > s || re >= due);
    // Y N N * *: DTSTART alone
    return rs <= s && re > s;
  }
  // N N Y * *: DUE alone
  if (due !== undefined) return rs < due && re >= due;
  const completed = propertyUtcMs(i.component.getFirstProperty('completed'), floatingZone);
  const created = propertyUtcMs(i.component.getFirstProperty('created'), floatingZone);
  // N N N Y Y
  if (completed !== undefined && created !== undefined) {
    return (rs <= created || rs <= completed) && (re >= created || re >= completed);
  }
  // N N N Y N
  if (completed !== undefined) return rs <= completed && re >= completed;
  // N N N N Y
  if (created !== undefined) return re > created;
  // N N N N N
  return true;
}

/** VJOURNAL (§9.9 third table). */
function vjournalOverlaps(i: RawInstance, b: Bounds, floatingZone: string): boolean {
  if (i.start === undefined) return false;
  const s = i.start;
  if (i.startIsDate) return b.rs < addDays(s, 1, FLOATING_ZONE, floatingZone) && b.re > s;
  return b.rs <= s && b.re > s;
}

/** VFREEBUSY (§9.9 fourth table); DURATION is ignored, as §9.9 says. */
function vfreebusyOverlaps(component: ICAL.Component, b: Bounds, floatingZone: string): boolean {
  const s = propertyUtcMs(component.getFirstProperty('dtstart'), floatingZone);
  const e = propertyUtcMs(component.getFirstProperty('dtend'), floatingZone);
  if (s !== undefined && e !== undefined) return b.rs <= e && b.re > s;
  for (const [ps, pe] of freebusyPeriods(component, floatingZone)) {
    if (b.rs < pe && b.re > ps) return true;
  }
  return false;
}

/** The periods of one FREEBUSY property as [start, end) instants. */
export function freebusyPropertyPeriods(prop: ICAL.Property, floatingZone = 'UTC'): [number, number][] {
  const out: [number, number][] = [];
  for (const v of prop.getValues()) {
    if (!(v instanceof ICAL.Period)) continue;
    // FREEBUSY values are UTC (RFC 5545 §3.8.2.6); a floating one is read in the floating zone.
    const start = timeToUtcMs(v.start, zoneOfTime(v.start), floatingZone);
    const end = v.end ? timeToUtcMs(v.end, zoneOfTime(v.end), floatingZone) : addDuration(start, v.duration, UTC_ZONE);
    out.push([start, end]);
  }
  return out;
}

/** Every period of every FREEBUSY property, whatever its FBTYPE, as [start, end) instants. */
export function freebusyPeriods(component: ICAL.Component, floatingZone = 'UTC'): [number, number][] {
  return component.getAllProperties('freebusy').flatMap((p) => freebusyPropertyPeriods(p, floatingZone));
}

function resolveOptions(object: CalendarObject, opts: TimeRangeOptions) {
  return {
    maxInstances: opts.maxInstances ?? object.maxInstances,
    floatingZone: opts.floatingZone ?? timeRangeDefaults.floatingZone,
  };
}

/** Does one instance of a VEVENT/VTODO/VJOURNAL overlap the range, by its type's table? */
function instanceOverlaps(name: string, i: RawInstance, b: Bounds, floatingZone: string): boolean {
  switch (name) {
    case 'vevent':
      return veventOverlaps(i, b, floatingZone);
    case 'vtodo':
      return vtodoOverlaps(i, b, floatingZone);
    case 'vjournal':
      return vjournalOverlaps(i, b, floatingZone);
    default:
      return false;
  }
}

interface Trigger {
  absolute?: number;
  related?: 'START' | 'END';
  offset?: ICAL.Duration;
  repeat: number;
  every?: ICAL.Duration;
}

function triggerOf(alarm: ICAL.Component, floatingZone: string): Trigger | undefined {
  const prop = alarm.getFirstProperty('trigger');
  if (!prop) return undefined;
  const value = prop.getFirstValue();
  const repeat = Number(alarm.getFirstPropertyValue('repeat') ?? 0);
  const every = alarm.getFirstPropertyValue('duration');
  const t: Trigger = { repeat: Number.isFinite(repeat) && repeat > 0 && every instanceof ICAL.Duration ? Math.floor(repeat) : 0 };
  if (every instanceof ICAL.Duration) t.every = every;
  if (value instanceof ICAL.Time) t.absolute = propertyUtcMs(prop, floatingZone)!;
  else if (value instanceof ICAL.Duration) {
    t.offset = value;
    t.related = String(prop.getFirstParameter('related') ?? 'START').toUpperCase() === 'END' ? 'END' : 'START';
  } else return undefined;
  return t;
}

/** The trigger instants of an alarm for one instance of its parent (RFC 5545 §3.8.6.3, §3.8.6.2). */
function triggerTimes(t: Trigger, parent: string, i: RawInstance | undefined, floatingZone: string): number[] {
  let first: number | undefined = t.absolute;
  if (first === undefined && i) {
    let base: number | undefined;
    if (t.related === 'START') base = i.start;
    else if (parent === 'vevent') base = i.start === undefined ? undefined : eventEnd(i, floatingZone);
    else base = i.due ?? i.durationEnd;
    if (base !== undefined) first = addDuration(base, t.offset!, i.startZone, floatingZone);
  }
  if (first === undefined) return [];
  const out = [first];
  for (let k = 1; k <= t.repeat; k++) out.push(addDuration(out[k - 1]!, t.every!, FLOATING_ZONE, 'UTC'));
  return out;
}

/**
 * VALARM (§9.9): (start <= trigger-time AND end > trigger-time) for any trigger time,
 * repetitions included, of any instance of the parent component.
 */
function valarmOverlaps(object: CalendarObject, alarm: ICAL.Component, b: Bounds, o: ReturnType<typeof resolveOptions>): boolean {
  const parent = alarm.parent;
  if (!parent || (parent.name !== 'vevent' && parent.name !== 'vtodo')) return false;
  const t = triggerOf(alarm, o.floatingZone);
  if (!t) return false;
  const hit = (times: number[]) => times.some((x) => b.rs <= x && b.re > x);
  if (t.absolute !== undefined) return hit(triggerTimes(t, parent.name, undefined, o.floatingZone));
  // An alarm can ring before its instance starts: generate instances far enough past
  // the range end to catch those (a day of margin covers nominal-day drift).
  const lead = Math.max(0, -t.offset!.toSeconds() * 1000) + 86_400_000;
  for (const i of instancesOf(object, parent, { ...o, until: b.re + lead })) {
    if (hit(triggerTimes(t, parent.name, i, o.floatingZone))) return true;
  }
  return false;
}

/**
 * Does this one component overlap the range? `component` is one of the object's
 * VEVENT/VTODO/VJOURNAL/VFREEBUSY components (a master is tested through its
 * non-overridden instances, an override through its own), or a VALARM inside one.
 * Components §9.9 does not define a time range for (VTIMEZONE…) never match.
 */
export function componentMatchesTimeRange(object: CalendarObject, component: ICAL.Component, range: TimeRange, opts: TimeRangeOptions = {}): boolean {
  const o = resolveOptions(object, opts);
  const b = bounds(range);
  switch (component.name) {
    case 'vevent':
    case 'vtodo':
    case 'vjournal': {
      // Lazily: the first overlapping instance ends the work (an open-ended range would
      // otherwise expand an unbounded rule to its limit).
      for (const i of instancesOf(object, component, { ...o, until: b.re })) {
        if (instanceOverlaps(component.name, i, b, o.floatingZone)) return true;
      }
      return false;
    }
    case 'vfreebusy':
      return vfreebusyOverlaps(component, b, o.floatingZone);
    case 'valarm':
      return valarmOverlaps(object, component, b, o);
    default:
      return false;
  }
}

/**
 * Does any component named `componentName` (VEVENT, VTODO, VJOURNAL, VFREEBUSY, or
 * VALARM inside them) of the object overlap the range?
 */
export function matchesTimeRange(object: CalendarObject, componentName: string, range: TimeRange, opts: TimeRangeOptions = {}): boolean {
  const name = componentName.toLowerCase();
  if (name === 'valarm') {
    return object.components.some((c) => c.getAllSubcomponents('valarm').some((a) => componentMatchesTimeRange(object, a, range, opts)));
  }
  if (name !== object.component.toLowerCase()) return false;
  return object.components.some((c) => componentMatchesTimeRange(object, c, range, opts));
}

function toInstance(i: RawInstance, name: string, floatingZone: string): Instance | undefined {
  let start: number | undefined;
  let end: number | undefined;
  if (name === 'vevent') {
    start = i.start;
    end = start === undefined ? undefined : eventEnd(i, floatingZone);
  } else if (name === 'vtodo') {
    start = i.start ?? i.due;
    end = i.due ?? i.durationEnd ?? start;
  } else if (name === 'vjournal') {
    start = i.start;
    end = start === undefined ? undefined : i.startIsDate ? addDays(start, 1, FLOATING_ZONE, floatingZone) : start;
  } else if (name === 'vfreebusy') {
    start = i.start;
    end = i.dtend ?? start;
  }
  if (start === undefined || end === undefined) return undefined;
  const out: Instance = { start: new Date(start), end: new Date(end), component: i.component, allDay: i.startIsDate };
  if (i.recurrenceId !== undefined) out.recurrenceId = new Date(i.recurrenceId);
  return out;
}

/**
 * The raw instances (see recurrence.ts) of the object that overlap the range by its
 * component type's §9.9 table, in start order, and whether expansion hit its bound.
 */
export function overlappingInstances(object: CalendarObject, range: TimeRange, opts: TimeRangeOptions = {}): RecurrenceSet {
  const o = resolveOptions(object, opts);
  const b = bounds(range);
  const name = object.component.toLowerCase();
  const instances: RawInstance[] = [];
  let truncated = false;
  for (const c of object.components) {
    if (name === 'vfreebusy') {
      if (vfreebusyOverlaps(c, b, o.floatingZone)) instances.push(singleInstance(c, o.floatingZone));
      continue;
    }
    const set = componentInstances(object, c, { ...o, until: b.re });
    truncated ||= set.truncated;
    for (const raw of set.instances) if (instanceOverlaps(name, raw, b, o.floatingZone)) instances.push(raw);
  }
  const key = (i: RawInstance) => i.start ?? i.due ?? -Infinity;
  instances.sort((x, y) => key(x) - key(y));
  return { instances, truncated };
}

/**
 * The instances of the object that overlap the range, with their effective start and
 * end, and whether expansion hit its bound. A VTODO with neither DTSTART nor DUE has no
 * place in time and yields no instance (though it matches a time-range test by the
 * table's last rows).
 */
export function findInstances(object: CalendarObject, range: TimeRange, opts: TimeRangeOptions = {}): { instances: Instance[]; truncated: boolean } {
  const o = resolveOptions(object, opts);
  const name = object.component.toLowerCase();
  const set = overlappingInstances(object, range, opts);
  const instances = set.instances.map((raw) => toInstance(raw, name, o.floatingZone)).filter((i): i is Instance => i !== undefined);
  return { instances, truncated: set.truncated };
}

/** The instances of the object that overlap the range (see findInstances). */
export function instancesInRange(object: CalendarObject, range: TimeRange, opts: TimeRangeOptions = {}): Instance[] {
  return findInstances(object, range, opts).instances;
}
