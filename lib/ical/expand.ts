/**
 * RFC 4791 §9.6.5 CALDAV:expand: the recurrence set within a time range, written out
 * as one component per instance.
 *
 * The output VCALENDAR keeps the object's calendar properties and holds, in start
 * order, every instance that overlaps the range (by the §9.9 table of its type):
 * - each instance of a recurring component carries RECURRENCE-ID, and no RRULE, RDATE,
 *   EXDATE or EXRULE;
 * - every DATE-TIME value is in UTC (floating ones read in `floatingZone`, UTC unless
 *   given), so no VTIMEZONE is needed and none is included; DATE values (all-day
 *   instances) stay DATEs, as they name days, not instants;
 * - a non-recurring component is returned once, converted to UTC, without RECURRENCE-ID.
 * Lines end with CRLF.
 */
import ICAL from 'ical.js';
import type { CalendarObject } from './calendar-object.js';
import { timeToUtcMs, utcTime, zoneOfTime } from './datetime.js';
import { cloneComponent, copyJCal, serialize, setUtcProperty } from './edit.js';
import { RECURRENCE_PROPERTIES, type RawInstance } from './recurrence.js';
import { overlappingInstances, type TimeRange, type TimeRangeOptions } from './time-range.js';

export type ExpandOptions = TimeRangeOptions;

/** Rewrite every DATE-TIME value (and PERIOD start/end) in the component and below as UTC, dropping TZID. */
function toUtc(component: ICAL.Component, floatingZone: string): void {
  for (const prop of component.getAllProperties()) {
    const type = prop.type;
    if (type !== 'date-time' && type !== 'period') continue;
    const tzid = prop.getFirstParameter('tzid') ?? undefined;
    const values = prop.getValues().map((v: unknown) => {
      if (v instanceof ICAL.Time) return v.isDate ? v : utcTime(timeToUtcMs(v, zoneOfTime(v, tzid), floatingZone));
      if (v instanceof ICAL.Period) {
        const start = utcTime(timeToUtcMs(v.start, zoneOfTime(v.start, tzid), floatingZone));
        return v.end
          ? ICAL.Period.fromData({ start, end: utcTime(timeToUtcMs(v.end, zoneOfTime(v.end, tzid), floatingZone)) })
          : ICAL.Period.fromData({ start, duration: v.duration });
      }
      return v;
    });
    prop.removeParameter('tzid');
    if (values.length === 1) prop.setValue(values[0]);
    else prop.setValues(values);
  }
  for (const sub of component.getAllSubcomponents()) toUtc(sub, floatingZone);
}

/** The component for one instance, before UTC conversion. */
function instanceComponent(raw: RawInstance, floatingZone: string): ICAL.Component {
  const source = raw.component;
  // The copy keeps the source's VCALENDAR as parent, so its TZIDs resolve to the VTIMEZONEs there.
  const c = cloneComponent(source);
  const generated = raw.recurrenceId !== undefined && !source.hasProperty('recurrence-id');
  if (generated) {
    for (const n of RECURRENCE_PROPERTIES) c.removeAllProperties(n);
    const isDate = raw.startIsDate;
    setUtcProperty(c, 'dtstart', raw.start!, isDate, floatingZone);
    setUtcProperty(c, 'recurrence-id', raw.recurrenceId!, isDate, floatingZone);
    if (raw.fromPeriod) {
      // RDATE;VALUE=PERIOD gives this instance its own end.
      c.removeAllProperties('duration');
      setUtcProperty(c, 'dtend', raw.dtend!, isDate, floatingZone);
    } else if (raw.dtend !== undefined && source.hasProperty('dtend')) {
      setUtcProperty(c, 'dtend', raw.dtend, isDate, floatingZone);
    }
    if (raw.due !== undefined) setUtcProperty(c, 'due', raw.due, (source.getFirstPropertyValue('due') as ICAL.Time).isDate, floatingZone);
  } else {
    // An override may still carry recurrence properties (RANGE=THISANDFUTURE style); §9.6.5 wants none.
    for (const n of RECURRENCE_PROPERTIES) c.removeAllProperties(n);
  }
  return c;
}

/** The expanded form of the object within `range` (see the file comment). */
export function expandCalendarObject(object: CalendarObject, range: TimeRange, opts: ExpandOptions = {}): string {
  const floatingZone = opts.floatingZone ?? 'UTC';
  const out = new ICAL.Component('vcalendar');
  for (const prop of object.vcalendar.getAllProperties()) {
    if (prop.name !== 'method') out.addProperty(new ICAL.Property(copyJCal(prop.toJSON()) as unknown[]));
  }
  const { instances } = overlappingInstances(object, range, opts);
  for (const raw of instances) {
    const c = instanceComponent(raw, floatingZone);
    toUtc(c, floatingZone);
    out.addSubcomponent(c);
  }
  return serialize(out);
}
