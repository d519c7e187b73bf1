/**
 * The CALDAV:filter of a calendar-query REPORT (RFC 4791 §9.7) and its evaluation
 * against a calendar object.
 *
 * The model mirrors the XML: the top CompFilter names VCALENDAR; a comp-filter either
 * says is-not-defined or has an optional time-range with nested prop- and
 * comp-filters; a prop-filter either says is-not-defined or has an optional time-range
 * or text-match and nested param-filters. Names compare case-insensitively (iCalendar
 * names are, RFC 5545 §2).
 *
 * Semantics (§9.7.1–§9.7.3): a comp-filter matches when some component of that name in
 * the current scope passes its time-range and all its child filters (so the time-range
 * and the children must hold for the same component: a master, or one override);
 * is-not-defined matches when there is none. A prop-filter matches when some property
 * of that name passes its time-range or text-match and all its param-filters. A
 * param-filter matches when the parameter is present (and its text-match holds).
 */
import ICAL from 'ical.js';
import type { CalendarObject } from './calendar-object.js';
import { addDuration, propertyUtcMs, zoneOfProperty } from './datetime.js';
import { componentMatchesTimeRange, type TimeRange, type TimeRangeOptions } from './time-range.js';

/** Collations of RFC 4790 a CalDAV server must support (RFC 4791 §7.5.1). */
export type Collation = 'i;ascii-casemap' | 'i;octet';

export interface TextMatch {
  /** The substring to look for. */
  text: string;
  /** negate-condition="yes": match when the text is *not* found. */
  negate: boolean;
  collation: Collation;
}

export interface ParamFilter {
  name: string;
  isNotDefined?: boolean;
  textMatch?: TextMatch;
}

export interface PropFilter {
  name: string;
  isNotDefined?: boolean;
  timeRange?: TimeRange;
  textMatch?: TextMatch;
  paramFilters: ParamFilter[];
}

export interface CompFilter {
  name: string;
  isNotDefined?: boolean;
  timeRange?: TimeRange;
  compFilters: CompFilter[];
  propFilters: PropFilter[];
}

export type FilterOptions = TimeRangeOptions;

/** i;ascii-casemap folds only A–Z (RFC 4790 §9.2), not other letters. */
function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

/**
 * Substring match under the collation. With several values (CATEGORIES:a,b, a
 * multi-valued parameter), the text is found if any value contains it; negation
 * applies to that answer.
 */
export function textMatches(values: readonly string[], match: TextMatch): boolean {
  const fold = match.collation === 'i;octet' ? (s: string) => s : asciiLower;
  const needle = fold(match.text);
  const found = values.some((v) => fold(v).includes(needle));
  return match.negate ? !found : found;
}

/** The text of a property's value(s) as written in iCalendar (unescaped TEXT). */
function propertyTexts(prop: ICAL.Property): string[] {
  const values = prop.getValues();
  if (values.every((v) => typeof v === 'string')) return values as string[];
  // Dates, durations, periods, rules: their iCalendar form (what a client sees in the data).
  return values.map((v) => (v && typeof v === 'object' && 'toICALString' in v ? (v as { toICALString(): string }).toICALString() : String(v)));
}

function parameterTexts(prop: ICAL.Property, name: string): string[] | undefined {
  const v = prop.getParameter(name.toLowerCase()) as unknown;
  if (v === undefined || v === null) return undefined;
  return Array.isArray(v) ? v.map(String) : [String(v)];
}

function paramMatches(prop: ICAL.Property, f: ParamFilter): boolean {
  const values = parameterTexts(prop, f.name);
  if (f.isNotDefined) return values === undefined;
  if (values === undefined) return false;
  return f.textMatch ? textMatches(values, f.textMatch) : true;
}

/** §9.9: a date-time property overlaps when (start <= value AND end > value). */
function instantInRange(ms: number | undefined, range: TimeRange): boolean {
  if (ms === undefined) return false;
  const rs = range.start ? range.start.getTime() : -Infinity;
  const re = range.end ? range.end.getTime() : Infinity;
  return rs <= ms && re > ms;
}

/**
 * The property values a time-range prop-filter tests. §9.9: DTEND missing from a
 * VEVENT with DURATION is tested as DTSTART+DURATION, and DUE missing from a VTODO with
 * DTSTART and DURATION likewise (the "effective" value).
 */
function effectiveInstant(component: ICAL.Component, name: string, floatingZone: string): number | undefined {
  const start = component.getFirstProperty('dtstart');
  const duration = component.getFirstPropertyValue('duration');
  const s = propertyUtcMs(start, floatingZone);
  if (!start || s === undefined || !(duration instanceof ICAL.Duration)) return undefined;
  if ((name === 'dtend' && component.name === 'vevent') || (name === 'due' && component.name === 'vtodo')) {
    return addDuration(s, duration, zoneOfProperty(start), floatingZone);
  }
  return undefined;
}

function propFilterMatches(component: ICAL.Component, f: PropFilter, floatingZone: string): boolean {
  const name = f.name.toLowerCase();
  const props = component.getAllProperties(name);
  if (f.isNotDefined) return props.length === 0;
  if (props.length === 0) {
    // Only a time-range test can match an absent DTEND/DUE, through its effective value.
    if (!f.timeRange || f.paramFilters.length > 0) return false;
    return instantInRange(effectiveInstant(component, name, floatingZone), f.timeRange);
  }
  return props.some((prop) => {
    if (f.timeRange && !instantInRange(propertyUtcMs(prop, floatingZone), f.timeRange)) return false;
    if (f.textMatch && !textMatches(propertyTexts(prop), f.textMatch)) return false;
    return f.paramFilters.every((pf) => paramMatches(prop, pf));
  });
}

function compFilterMatches(object: CalendarObject, scope: ICAL.Component, f: CompFilter, opts: FilterOptions): boolean {
  const candidates = scope.getAllSubcomponents(f.name.toLowerCase());
  if (f.isNotDefined) return candidates.length === 0;
  return candidates.some((c) => componentPasses(object, c, f, opts));
}

function componentPasses(object: CalendarObject, component: ICAL.Component, f: CompFilter, opts: FilterOptions): boolean {
  const floatingZone = opts.floatingZone ?? 'UTC';
  if (f.timeRange && !componentMatchesTimeRange(object, component, f.timeRange, opts)) return false;
  if (!f.propFilters.every((pf) => propFilterMatches(component, pf, floatingZone))) return false;
  return f.compFilters.every((cf) => compFilterMatches(object, component, cf, opts));
}

/**
 * Does the object match the calendar-query filter? `filter` is the top comp-filter,
 * which names VCALENDAR (anything else matches nothing; is-not-defined on VCALENDAR
 * matches nothing either, as every object is one).
 */
export function matchesFilter(object: CalendarObject, filter: CompFilter, opts: FilterOptions = {}): boolean {
  if (filter.name.toUpperCase() !== 'VCALENDAR' || filter.isNotDefined) return false;
  return componentPasses(object, object.vcalendar, filter, opts);
}
