/**
 * The recurrence set of a calendar object (RFC 5545 §3.8.5): DTSTART, RRULE, RDATE and
 * EXDATE of the master, with the instances that RECURRENCE-ID components override
 * replaced by those components. Each instance carries the effective DTSTART, DTEND,
 * DURATION end and DUE that RFC 4791 §9.9 reasons about, as UTC instants.
 *
 * ical.js supplies the RRULE iterator (it steps the wall clock of DTSTART's zone, as
 * RFC 5545 wants); everything else is done here, so that TZIDs without VTIMEZONE and
 * UNTIL in UTC are honoured (ical.js compares UNTIL with a wall clock it could not
 * place, and would stop early or late by the zone offset).
 *
 * Two bounds keep expansion cheap whatever the data says: at most `maxInstances`
 * instances are generated, and the RRULE iterator gets a step budget, because ical.js
 * loops forever on rules that can never match again (FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30,
 * FREQ=DAILY;INTERVAL=7;BYDAY=TU from a Monday). Hitting either sets `truncated`.
 */
import ICAL from 'ical.js';
import type { CalendarObject } from './calendar-object.js';
import {
  FLOATING_ZONE,
  addDays,
  addDuration,
  propertyUtcMs,
  timeToUtcMs,
  utcMsToWall,
  wallOf,
  zoneOfProperty,
  type ZoneRef,
} from './datetime.js';
import { cloneComponent, setTimeProperty } from './edit.js';
import { DEFAULT_STEP_BUDGET, dateKey, ruleOccurrences, type Truncation } from './rrule.js';

export interface ExpansionOptions {
  /** The most instances generated per recurring master. Default: the object's `maxInstances`. */
  maxInstances?: number;
  /** The zone for floating date-times and DATE values (IANA name). Default UTC. */
  floatingZone?: string;
  /** Stop generating master instances that start after this instant (ms). Default: no bound but `maxInstances`. */
  until?: number;
  /**
   * RRULE iterator steps (candidate date-times ical.js tries) allowed per rule before
   * the rule is abandoned as exhausted. An ordinary rule takes a step or two per
   * instance; a step costs around 10 µs. Default: twice maxInstances, at least 20,000.
   */
  stepBudget?: number;
}

export const expansionDefaults = { floatingZone: 'UTC', stepBudget: DEFAULT_STEP_BUDGET } as const;

/** One instance of a component, with the effective values RFC 4791 §9.9 needs. */
export interface RawInstance {
  /** The master (for generated instances) or the override supplying this instance. */
  component: ICAL.Component;
  /** The instance's RECURRENCE-ID (ms); undefined for a component that does not recur. */
  recurrenceId?: number;
  /** Effective DTSTART; undefined when the component has none (VTODO, VJOURNAL). */
  start?: number;
  startIsDate: boolean;
  startZone: ZoneRef;
  /** Effective DTEND, when the component has DTEND. */
  dtend?: number;
  /** Effective DTSTART + DURATION, when the component has DURATION and DTSTART. */
  durationEnd?: number;
  /** Effective DUE, when the component has DUE. */
  due?: number;
  /** True when the instance was created by RDATE;VALUE=PERIOD (its end is `dtend`). */
  fromPeriod?: boolean;
}

export interface RecurrenceSet {
  instances: RawInstance[];
  /** True if a bound (maxInstances or the step budget) stopped generation early. */
  truncated: boolean;
}

/** The RECURRENCE-ID of an override as an instant. */
export function recurrenceIdMs(component: ICAL.Component, floatingZone = 'UTC'): number | undefined {
  return propertyUtcMs(component.getFirstProperty('recurrence-id'), floatingZone);
}

/** The instance a component describes by itself (an override, or a non-recurring master). */
export function singleInstance(component: ICAL.Component, floatingZone = 'UTC', recurrenceId?: number): RawInstance {
  const dtstartProp = component.getFirstProperty('dtstart');
  const dtstart = dtstartProp?.getFirstValue();
  const inst: RawInstance = { component, startIsDate: false, startZone: FLOATING_ZONE };
  if (recurrenceId !== undefined) inst.recurrenceId = recurrenceId;
  if (dtstartProp && dtstart instanceof ICAL.Time) {
    inst.startZone = zoneOfProperty(dtstartProp);
    inst.startIsDate = dtstart.isDate;
    inst.start = timeToUtcMs(dtstart, inst.startZone, floatingZone);
  }
  // VFREEBUSY's DTEND and DUE/DTEND of the others: each in its own zone.
  const dtend = propertyUtcMs(component.getFirstProperty('dtend'), floatingZone);
  if (dtend !== undefined) inst.dtend = dtend;
  const due = propertyUtcMs(component.getFirstProperty('due'), floatingZone);
  if (due !== undefined) inst.due = due;
  const duration = component.getFirstPropertyValue('duration');
  if (inst.start !== undefined && duration instanceof ICAL.Duration) {
    inst.durationEnd = addDuration(inst.start, duration, inst.startZone, floatingZone);
  }
  return inst;
}

interface Occurrence {
  start: number;
  /** An explicit end, from RDATE;VALUE=PERIOD. */
  end?: number;
}

/**
 * The master's recurrence set in order: DTSTART, each RRULE and the RDATEs merged,
 * duplicates and EXDATEs removed; up to `until`, and at most `max` instances (more
 * marks `trunc`). Lazy, so a caller that finds what it wants stops the work.
 */
function* occurrences(master: ICAL.Component, until: number, max: number, floatingZone: string, stepBudget: number, trunc: Truncation): Generator<Occurrence> {
  const dtstartProp = master.getFirstProperty('dtstart')!;
  const dtstart = dtstartProp.getFirstValue() as ICAL.Time;
  const zone = zoneOfProperty(dtstartProp);
  const toMs = (t: ICAL.Time, z: ZoneRef) => timeToUtcMs(t, z, floatingZone);

  // RDATEs are few: read them all, in order. RFC 5545 §3.8.5.3: DTSTART is always the
  // first instance, whether or not the rule matches it.
  const fixed: Occurrence[] = [{ start: toMs(dtstart, zone) }];
  for (const prop of master.getAllProperties('rdate')) {
    const z = zoneOfProperty(prop);
    for (const v of prop.getValues()) {
      if (v instanceof ICAL.Time) fixed.push({ start: toMs(v, z) });
      else if (v instanceof ICAL.Period) {
        const start = toMs(v.start, z);
        fixed.push({ start, end: v.end ? toMs(v.end, z) : addDuration(start, v.duration, z, floatingZone) });
      }
    }
  }
  fixed.sort((a, b) => a.start - b.start);

  const exact = new Set<number>();
  const days = new Set<number>();
  for (const prop of master.getAllProperties('exdate')) {
    const z = zoneOfProperty(prop);
    for (const v of prop.getValues()) {
      if (!(v instanceof ICAL.Time)) continue;
      // An EXDATE DATE against DATE-TIME instances removes that day's instances.
      if (v.isDate && !dtstart.isDate) days.add(dateKey(wallOf(v)));
      else exact.add(toMs(v, z));
    }
  }
  const excluded = (ms: number) => exact.has(ms) || (days.size > 0 && days.has(dateKey(utcMsToWall(ms, zone, floatingZone))));

  // A k-way merge of the fixed list and one lazy stream per RRULE.
  const streams = master.getAllProperties('rrule').map((p) => ruleOccurrences(p.getFirstValue() as ICAL.Recur, dtstart, zone, until, floatingZone, stepBudget, trunc));
  const heads = streams.map((g) => g.next());
  let fi = 0;
  let emitted = 0;
  let last = -Infinity;
  for (;;) {
    let next: Occurrence | undefined = fi < fixed.length ? fixed[fi] : undefined;
    for (const h of heads) if (!h.done && (next === undefined || h.value < next.start)) next = { start: h.value };
    if (next === undefined || next.start > until) return;
    // Consume every source at this instant; an RDATE period's end wins.
    let end = next.end;
    while (fi < fixed.length && fixed[fi]!.start === next.start) end = fixed[fi++]!.end ?? end;
    for (let i = 0; i < heads.length; i++) {
      while (!heads[i]!.done && heads[i]!.value === next.start) heads[i] = streams[i]!.next();
    }
    if (next.start === last || excluded(next.start)) continue;
    last = next.start;
    if (++emitted > max) {
      trunc.truncated = true;
      return;
    }
    yield end === undefined ? { start: next.start } : { start: next.start, end };
  }
}

type Resolved = Required<ExpansionOptions> & { until: number };

/**
 * The instances the master generates (overridden ones left out), each with DTEND, DUE
 * and DURATION carried over: DTEND and DUE keep the master's exact distance from
 * DTSTART, DURATION its nominal length (RFC 5545 §3.8.5.3); an all-day DTEND keeps its
 * number of days.
 */
function* masterInstances(object: CalendarObject, master: ICAL.Component, o: Resolved, trunc: Truncation): Generator<RawInstance> {
  const base = singleInstance(master, o.floatingZone);
  const recurs = master.hasProperty('rrule') || master.hasProperty('rdate');
  if (!recurs || base.start === undefined) {
    yield base;
    return;
  }
  const overridden = new Set<number>();
  for (const ov of object.overrides) {
    const rid = recurrenceIdMs(ov, o.floatingZone);
    if (rid !== undefined) overridden.add(rid);
  }
  const dtstartValue = master.getFirstPropertyValue('dtstart') as ICAL.Time;
  const dtendValue = master.getFirstPropertyValue('dtend');
  const duration = master.getFirstPropertyValue('duration');
  const dayCount =
    dtstartValue.isDate && dtendValue instanceof ICAL.Time
      ? Math.round((Date.UTC(dtendValue.year, dtendValue.month - 1, dtendValue.day) - Date.UTC(dtstartValue.year, dtstartValue.month - 1, dtstartValue.day)) / 86_400_000)
      : undefined;
  for (const occ of occurrences(master, o.until, o.maxInstances, o.floatingZone, o.stepBudget, trunc)) {
    if (overridden.has(occ.start)) continue;
    const inst: RawInstance = { component: master, recurrenceId: occ.start, start: occ.start, startIsDate: base.startIsDate, startZone: base.startZone };
    if (occ.end !== undefined) {
      inst.dtend = occ.end;
      inst.fromPeriod = true;
    } else {
      if (base.dtend !== undefined) {
        inst.dtend = dayCount !== undefined ? addDays(occ.start, dayCount, FLOATING_ZONE, o.floatingZone) : occ.start + (base.dtend - base.start);
      }
      if (duration instanceof ICAL.Duration) inst.durationEnd = addDuration(occ.start, duration, base.startZone, o.floatingZone);
    }
    if (base.due !== undefined) inst.due = occ.start + (base.due - base.start);
    yield inst;
  }
}

function resolve(object: CalendarObject, opts: ExpansionOptions): Resolved {
  return {
    maxInstances: opts.maxInstances ?? object.maxInstances,
    floatingZone: opts.floatingZone ?? expansionDefaults.floatingZone,
    stepBudget: opts.stepBudget ?? Math.max(expansionDefaults.stepBudget, 2 * (opts.maxInstances ?? object.maxInstances)),
    until: opts.until ?? Infinity,
  };
}

/**
 * Lazily, the instances one component contributes: an override its own, a master its
 * recurrence set (in start order). `trunc.truncated` is set if a bound stopped it.
 */
export function* instancesOf(object: CalendarObject, component: ICAL.Component, opts: ExpansionOptions = {}, trunc: Truncation = { truncated: false }): Generator<RawInstance> {
  const o = resolve(object, opts);
  const known = cachedInstances(component, o);
  if (known) {
    yield* known;
    return;
  }
  yield* uncachedInstances(object, component, o, trunc);
}

function* uncachedInstances(object: CalendarObject, component: ICAL.Component, o: Resolved, trunc: Truncation): Generator<RawInstance> {
  if (component.hasProperty('recurrence-id')) {
    yield singleInstance(component, o.floatingZone, recurrenceIdMs(component, o.floatingZone));
    return;
  }
  yield* masterInstances(object, component, o, trunc);
}

/**
 * A component's instances as already expanded, up to some horizon, for the options they
 * were expanded with. A parsed CalendarObject is never edited (edit.ts works on clones),
 * so its instances are the same for every request that asks: the testbed answers every
 * free-busy POST and calendar-query by expanding each event of a user's calendars again
 * otherwise (in a profiled 5,000-client step, 2.3 s of the testbed's 14.8 s busy, the
 * largest part of its time). Only complete sets are kept (neither bound was hit), so a
 * prefix up to any earlier `until` is exactly what a new expansion would give.
 */
interface Expansion {
  floatingZone: string;
  maxInstances: number;
  stepBudget: number;
  /** Instances starting up to here are all in `instances` (Infinity: every one). */
  horizon: number;
  /** A recurring master's instances are cut at `until`; any other component's one instance is not. */
  recurring: boolean;
  instances: readonly RawInstance[];
}
const EXPANSIONS = new WeakMap<ICAL.Component, Expansion>();

/**
 * A recurring master is expanded this far past what was asked, so that the next request,
 * a little later in time, finds its range inside the expansion (a rule's instance costs a
 * few µs; a month of a daily rule is 31 of them).
 */
const HORIZON_SLACK_MS = 31 * 86_400_000;

function isRecurringMaster(component: ICAL.Component): boolean {
  return !component.hasProperty('recurrence-id') && (component.hasProperty('rrule') || component.hasProperty('rdate'));
}

/** The instances up to `o.until`, when an expansion made earlier reaches that far. */
function cachedInstances(component: ICAL.Component, o: Resolved): readonly RawInstance[] | undefined {
  const e = EXPANSIONS.get(component);
  if (!e || e.horizon < o.until || e.floatingZone !== o.floatingZone || e.maxInstances !== o.maxInstances || e.stepBudget !== o.stepBudget) return undefined;
  if (!e.recurring || e.instances.length === 0 || e.instances[e.instances.length - 1]!.start! <= o.until) return e.instances;
  // Instances are in start order: the prefix that starts by `until`.
  let n = e.instances.length;
  while (n > 0 && e.instances[n - 1]!.start! > o.until) n--;
  return e.instances.slice(0, n);
}

/** The instances one component contributes (see instancesOf), collected. */
export function componentInstances(object: CalendarObject, component: ICAL.Component, opts: ExpansionOptions = {}): RecurrenceSet {
  const o = resolve(object, opts);
  const known = cachedInstances(component, o);
  // A copy: the caller may sort or add to what it is given.
  if (known) return { instances: known.slice(), truncated: false };
  // A component that does not recur has the one instance whatever `until` is.
  const recurring = isRecurringMaster(component);
  const horizon = !recurring ? Infinity : o.until === Infinity ? Infinity : o.until + HORIZON_SLACK_MS;
  const wide = { ...o, until: horizon };
  const trunc = { truncated: false };
  const instances = [...uncachedInstances(object, component, wide, trunc)];
  if (!trunc.truncated) {
    EXPANSIONS.set(component, { floatingZone: o.floatingZone, maxInstances: o.maxInstances, stepBudget: o.stepBudget, horizon, recurring, instances });
    return { instances: cachedInstances(component, o)!.slice(), truncated: false };
  }
  if (horizon === o.until) return { instances, truncated: true };
  // The slack reached a bound the range itself may not: expand exactly what was asked.
  const exact = { truncated: false };
  return { instances: [...uncachedInstances(object, component, o, exact)], truncated: exact.truncated };
}

/** The recurrence properties an instance component must not carry. */
export const RECURRENCE_PROPERTIES = ['rrule', 'rdate', 'exdate', 'exrule'] as const;

/**
 * A new override for the master's instance at `recurrenceId`: the master's copy with
 * RECURRENCE-ID and the instance's DTSTART (both in DTSTART's zone and value type, RFC
 * 5545 §3.8.4.4), DTEND/DUE moved by the same amount, and no recurrence properties.
 * Not added to any VCALENDAR (its parent is the master's, so its TZIDs still resolve):
 * add it to one that has the VTIMEZONEs it names.
 */
export function deriveOverride(master: ICAL.Component, recurrenceId: number, floatingZone = 'UTC'): ICAL.Component {
  const base = singleInstance(master, floatingZone);
  const c = cloneComponent(master);
  for (const n of RECURRENCE_PROPERTIES) c.removeAllProperties(n);
  setTimeProperty(c, 'dtstart', recurrenceId, base.startZone, base.startIsDate, floatingZone);
  setTimeProperty(c, 'recurrence-id', recurrenceId, base.startZone, base.startIsDate, floatingZone);
  for (const name of ['dtend', 'due'] as const) {
    const prop = master.getFirstProperty(name);
    const value = base[name];
    if (!prop || value === undefined || base.start === undefined) continue;
    const isDate = (prop.getFirstValue() as ICAL.Time).isDate;
    const end = isDate ? addDays(recurrenceId, Math.round((value - base.start) / 86_400_000), FLOATING_ZONE, floatingZone) : recurrenceId + (value - base.start);
    setTimeProperty(c, name, end, zoneOfProperty(prop), isDate, floatingZone);
  }
  return c;
}

/**
 * The start instants of the master's recurrence set (overridden instances included),
 * in order, up to `until` and `maxInstances`.
 */
export function masterOccurrences(object: CalendarObject, opts: ExpansionOptions = {}): { starts: number[]; truncated: boolean } {
  const master = object.master;
  if (!master?.getFirstProperty('dtstart')) return { starts: [], truncated: false };
  const o = resolve(object, opts);
  if (!(master.hasProperty('rrule') || master.hasProperty('rdate'))) {
    const start = singleInstance(master, o.floatingZone).start!;
    return { starts: start <= o.until ? [start] : [], truncated: false };
  }
  const trunc = { truncated: false };
  const starts = [...occurrences(master, o.until, o.maxInstances, o.floatingZone, o.stepBudget, trunc)].map((x) => x.start);
  return { starts, truncated: trunc.truncated };
}

/** Does the master generate an instance at `recurrenceId` (overridden or not)? */
export function masterHasInstance(object: CalendarObject, recurrenceId: number, opts: ExpansionOptions = {}): boolean {
  return masterOccurrences(object, { ...opts, until: recurrenceId }).starts.includes(recurrenceId);
}
