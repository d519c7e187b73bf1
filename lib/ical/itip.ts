/**
 * iTIP (RFC 5546) for implicit scheduling (RFC 6638 §3): the messages the server
 * sends on a user's behalf, the attendee's copy it keeps in step with the
 * organizer's, and the tests that decide when to send.
 *
 * Everything works on copies: a CalendarObject's parsed tree is never modified, and
 * results are iCalendar text with CRLF line ends (parse them again to reuse them).
 *
 * Components are matched across objects by RECURRENCE-ID (as an instant); the master
 * has none. An override the organizer did not invite an attendee to becomes an EXDATE
 * in that attendee's copy and messages (RFC 6638 §3.2.6 / CalendarServer practice).
 */
import ICAL from 'ical.js';
import {
  addressOf,
  findAttendee,
  normalizeAddress,
  partstatOfProperty,
  type CalendarObject,
  type Partstat,
} from './calendar-object.js';
import { utcTime } from './datetime.js';
import { cloneComponent, copyJCal, serialize, stripParameters } from './edit.js';
import { deriveOverride, masterHasInstance, masterOccurrences, recurrenceIdMs, singleInstance, type RawInstance } from './recurrence.js';

export type ItipMethod = 'REQUEST' | 'REPLY' | 'CANCEL';

export interface ItipOptions {
  /** REPLY (required): the replying attendee; the message lists only their ATTENDEE (RFC 5546 §3.2.3). */
  attendee?: string;
  /**
   * REQUEST and CANCEL: the one attendee the message is for. Components that do not
   * list them are left out (overridden instances they are not invited to become
   * EXDATEs of the master).
   */
  recipient?: string;
  /**
   * CANCEL: the recipient is being removed from an event that goes on. RFC 5546 §3.2.5:
   * then STATUS is not set and ATTENDEE lists only those removed; otherwise (the
   * default) the event is cancelled: STATUS:CANCELLED and every ATTENDEE listed.
   */
  uninvite?: boolean;
  /** CANCEL: cancel only these instances (one component each, with RECURRENCE-ID). */
  recurrenceIds?: readonly Date[];
  /** A new DTSTAMP for every component. Default: keep the object's (only the Clock knows the time). */
  dtstamp?: Date;
  /** CANCEL: how much SEQUENCE goes up, so the cancellation supersedes the last REQUEST (RFC 5546 §2.1.4). Default 1. */
  sequenceIncrement?: number;
}

export const itipDefaults = { uninvite: false, sequenceIncrement: 1 } as const;

/** RFC 6638 §7.1–§7.3: never in an iTIP message. */
const SCHEDULING_PARAMETERS = ['schedule-agent', 'schedule-force-send', 'schedule-status'] as const;
const ADDRESS_PROPERTIES = ['attendee', 'organizer'] as const;
const MASTER = 'master';

type Key = typeof MASTER | number;

function keyOf(component: ICAL.Component): Key {
  return component.hasProperty('recurrence-id') ? (recurrenceIdMs(component) ?? NaN) : MASTER;
}

function byKey(components: readonly ICAL.Component[]): Map<Key, ICAL.Component> {
  return new Map(components.map((c) => [keyOf(c), c]));
}

/** A copy of the object's VCALENDAR, detached, with its scheduling components. */
function copyOf(object: CalendarObject): { vcal: ICAL.Component; components: () => ICAL.Component[] } {
  const vcal = cloneComponent(object.vcalendar, null);
  const name = object.component.toLowerCase();
  return { vcal, components: () => vcal.getAllSubcomponents(name) };
}

/**
 * Keep only the components listing `address`. An override left out while the master
 * stays becomes an EXDATE on the master, so the instance does not reappear from the
 * rule. No-op if no component lists the address.
 */
function restrictToAttendee(components: ICAL.Component[], address: string, vcal: ICAL.Component): void {
  const listed = components.filter((c) => findAttendee(c, address));
  if (listed.length === 0) return;
  const master = components.find((c) => !c.hasProperty('recurrence-id'));
  const masterKept = master !== undefined && listed.includes(master);
  for (const c of components) {
    if (listed.includes(c)) continue;
    const rid = c.getFirstProperty('recurrence-id');
    if (rid && masterKept) {
      const jcal = copyJCal(rid.toJSON()) as [string, Record<string, unknown>, ...unknown[]];
      jcal[0] = 'exdate';
      delete jcal[1].range;
      master!.addProperty(new ICAL.Property(jcal as unknown[], master));
    }
    vcal.removeSubcomponent(c);
  }
}

function onlyAttendee(component: ICAL.Component, address: string): void {
  const keep = normalizeAddress(address);
  for (const p of component.getAllProperties('attendee')) if (addressOf(p) !== keep) component.removeProperty(p);
}

function setPartstat(prop: ICAL.Property, partstat: Partstat): void {
  prop.setParameter('partstat', partstat);
}

/**
 * The iTIP message for `method` built from the object (the organizer's data for
 * REQUEST and CANCEL, the attendee's for REPLY): METHOD set, VALARMs and the
 * SCHEDULE-* parameters removed (RFC 6638 §7), then per method:
 * - REQUEST: the components (for `recipient`: those listing them), unchanged otherwise.
 * - REPLY: the components listing `attendee`, each with only that ATTENDEE line.
 * - CANCEL: the components (or the `recurrenceIds` instances), SEQUENCE raised by
 *   `sequenceIncrement`, STATUS:CANCELLED unless `uninvite` (then ATTENDEE lists only
 *   the recipient).
 */
export function itipMessage(object: CalendarObject, method: ItipMethod, opts: ItipOptions = {}): string {
  const { vcal, components } = copyOf(object);
  vcal.removeAllProperties('method');
  vcal.addPropertyWithValue('method', method);
  stripParameters(vcal, ADDRESS_PROPERTIES, SCHEDULING_PARAMETERS);

  if (method === 'REPLY') {
    const attendee = opts.attendee;
    if (!attendee) throw new TypeError('itipMessage REPLY needs opts.attendee');
    const all = components();
    if (!all.some((c) => findAttendee(c, attendee))) throw new TypeError(`${attendee} is not an attendee of ${object.uid}`);
    for (const c of all) {
      if (findAttendee(c, attendee)) onlyAttendee(c, attendee);
      else vcal.removeSubcomponent(c);
    }
  } else if (method === 'CANCEL') {
    if (opts.recurrenceIds && opts.recurrenceIds.length > 0) {
      const existing = byKey(components());
      const master = existing.get(MASTER);
      const wanted: ICAL.Component[] = [];
      for (const d of opts.recurrenceIds) {
        const rid = d.getTime();
        const override = existing.get(rid);
        if (override) wanted.push(cloneComponent(override));
        else if (master && masterHasInstance(object, rid)) wanted.push(deriveOverride(master, rid));
      }
      vcal.removeAllSubcomponents(object.component.toLowerCase());
      for (const c of wanted) vcal.addSubcomponent(c);
    }
    if (opts.recipient) restrictToAttendee(components(), opts.recipient, vcal);
    const uninvite = opts.uninvite ?? itipDefaults.uninvite;
    const increment = opts.sequenceIncrement ?? itipDefaults.sequenceIncrement;
    for (const c of components()) {
      const sequence = Number(c.getFirstPropertyValue('sequence') ?? 0);
      c.updatePropertyWithValue('sequence', (Number.isFinite(sequence) ? sequence : 0) + increment);
      if (uninvite) {
        if (opts.recipient) onlyAttendee(c, opts.recipient);
      } else {
        c.updatePropertyWithValue('status', 'CANCELLED');
      }
    }
  } else if (opts.recipient) {
    restrictToAttendee(components(), opts.recipient, vcal);
  }

  for (const c of components()) {
    c.removeAllSubcomponents('valarm');
    if (opts.dtstamp) c.updatePropertyWithValue('dtstamp', utcTime(opts.dtstamp.getTime()));
  }
  return serialize(vcal);
}

/** Start, end and due of an instance: what a reschedule changes. */
function timing(i: RawInstance): string {
  return [i.start, i.startIsDate, i.dtend ?? i.durationEnd, i.due].join('|');
}

/** How many master instances reschedule detection compares (the rest is assumed unchanged). */
const RESCHEDULE_HORIZON = 1000;

function recurrenceText(component: ICAL.Component): string {
  return JSON.stringify(['rrule', 'rdate', 'exdate', 'exrule', 'dtstart'].map((n) => component.getAllProperties(n).map((p) => p.toJSON())));
}

/**
 * Is `component` of `after` rescheduled relative to `before` (RFC 6638 §3.2.8)? Its
 * DTSTART, DTEND, DURATION or DUE moved (compared as effective instants, so rewriting
 * DTEND as DURATION is no reschedule); or, for a master, its rule now yields an
 * instance time the old one did not (added by RRULE/RDATE, reinstated by removing an
 * EXDATE); or, for an override, the instance is new or its times differ from the
 * instance it replaces. Removing instances is not a reschedule.
 */
function componentRescheduled(before: CalendarObject, after: CalendarObject, component: ICAL.Component): boolean {
  const key = keyOf(component);
  const now = singleInstance(component);
  if (key === MASTER) {
    const was = before.master;
    if (!was) return true;
    if (timing(singleInstance(was)) !== timing(now)) return true;
    if (recurrenceText(was) === recurrenceText(component)) return false;
    const a = masterOccurrences(after, { maxInstances: RESCHEDULE_HORIZON });
    const b = masterOccurrences(before, { maxInstances: 10 * RESCHEDULE_HORIZON, until: a.starts.at(-1) ?? -Infinity });
    const old = new Set(b.starts);
    const horizon = b.truncated ? (b.starts.at(-1) ?? -Infinity) : Infinity;
    return a.starts.some((s) => s <= horizon && !old.has(s));
  }
  const previous = before.overrides.find((o) => keyOf(o) === key);
  if (previous) return timing(singleInstance(previous)) !== timing(now);
  if (!before.master || !masterHasInstance(before, key)) return true;
  return timing(singleInstance(deriveOverride(before.master, key))) !== timing(now);
}

/** Did the organizer reschedule any component (RFC 6638 §3.2.8)? See componentRescheduled. */
export function isReschedule(before: CalendarObject, after: CalendarObject): boolean {
  return after.components.some((c) => componentRescheduled(before, after, c));
}

/**
 * The organizer's new data with every ATTENDEE but the organizer set to NEEDS-ACTION in
 * each rescheduled component: the reset RFC 6638 §3.2.8 requires of the server on an
 * organizer's PUT. Returns `after.text` itself when nothing was rescheduled.
 */
export function resetPartstatsOnReschedule(before: CalendarObject, after: CalendarObject): string {
  const rescheduled = new Set(after.components.filter((c) => componentRescheduled(before, after, c)).map(keyOf));
  if (rescheduled.size === 0) return after.text;
  const { vcal, components } = copyOf(after);
  for (const c of components()) {
    if (!rescheduled.has(keyOf(c))) continue;
    for (const p of c.getAllProperties('attendee')) {
      if (after.organizer !== undefined && addressOf(p) === after.organizer) continue;
      setPartstat(p, 'NEEDS-ACTION');
    }
  }
  return serialize(vcal);
}

/**
 * The calendar data for an attendee's own calendar, from the organizer's: the
 * components listing the attendee (see restrictToAttendee), without the organizer's
 * VALARMs and SCHEDULE-STATUS / SCHEDULE-FORCE-SEND parameters.
 *
 * - New invitation (no `previousCopy`): the attendee's PARTSTAT as the organizer has
 *   it, normally NEEDS-ACTION.
 * - Update: per component, the attendee's previous PARTSTAT is kept, unless the
 *   organizer rescheduled that component (RFC 6638 §3.2.8), then NEEDS-ACTION; the
 *   attendee's own VALARMs and TRANSP are carried over (RFC 6638 §3.2.2.1 lets them
 *   have those). A new override takes them from the previous master.
 *
 * If no component lists the attendee, every component is kept.
 */
export function attendeeCopy(organizerObject: CalendarObject, attendeeAddress: string, previousCopy?: CalendarObject): string {
  const { vcal, components } = copyOf(organizerObject);
  vcal.removeAllProperties('method');
  restrictToAttendee(components(), attendeeAddress, vcal);
  stripParameters(vcal, ADDRESS_PROPERTIES, ['schedule-status', 'schedule-force-send']);
  const organizerComponents = byKey(organizerObject.components);
  const previous = previousCopy ? byKey(previousCopy.components) : undefined;
  for (const c of components()) {
    c.removeAllSubcomponents('valarm');
    if (!previousCopy || !previous) continue;
    const key = keyOf(c);
    const prev = previous.get(key) ?? previous.get(MASTER);
    if (!prev) continue;
    const mine = findAttendee(c, attendeeAddress);
    const before = findAttendee(prev, attendeeAddress);
    if (mine) {
      const rescheduled = componentRescheduled(previousCopy, organizerObject, organizerComponents.get(key) ?? c);
      if (rescheduled) setPartstat(mine, 'NEEDS-ACTION');
      else if (before) setPartstat(mine, partstatOfProperty(before));
    }
    for (const alarm of prev.getAllSubcomponents('valarm')) c.addSubcomponent(cloneComponent(alarm, c));
    const transp = prev.getFirstPropertyValue('transp');
    if (transp) c.updatePropertyWithValue('transp', transp);
    else c.removeAllProperties('transp');
  }
  return serialize(vcal);
}

export interface PartstatOptions {
  /** Only this instance (an override, created from the master if needed). Default: every component listing the attendee. */
  recurrenceId?: Date;
}

/**
 * The object with `address`'s PARTSTAT set (the attendee accepting or declining). With
 * `recurrenceId`, only that instance; if it has no override yet, one is derived from
 * the master (RFC 6638 §3.2.2.1 item 11). Unchanged text if the address is not an
 * attendee there.
 */
export function withPartstat(object: CalendarObject, address: string, partstat: Partstat, opts: PartstatOptions = {}): string {
  const { vcal, components } = copyOf(object);
  let targets = components();
  if (opts.recurrenceId) {
    const rid = opts.recurrenceId.getTime();
    const found = byKey(targets);
    let target = found.get(rid);
    const master = found.get(MASTER);
    if (!target && master && findAttendee(master, address) && masterHasInstance(object, rid)) {
      target = vcal.addSubcomponent(deriveOverride(master, rid));
    }
    targets = target ? [target] : [];
  }
  let changed = false;
  for (const c of targets) {
    const prop = findAttendee(c, address);
    if (prop) {
      setPartstat(prop, partstat);
      changed = true;
    }
  }
  return changed ? serialize(vcal) : object.text;
}

/**
 * The PARTSTAT of `address` in the master (or, with `recurrenceId`, in that instance's
 * override, else the master); for an object of overrides only, the first listing them.
 * Undefined if they are not an attendee.
 */
export function partstatOf(object: CalendarObject, address: string, opts: PartstatOptions = {}): Partstat | undefined {
  let order: readonly ICAL.Component[] = object.components;
  if (opts.recurrenceId) {
    const rid = opts.recurrenceId.getTime();
    const override = object.overrides.find((o) => keyOf(o) === rid);
    order = [...(override ? [override] : []), ...(object.master ? [object.master] : [])];
  }
  for (const c of order) {
    const prop = findAttendee(c, address);
    if (prop) return partstatOfProperty(prop);
  }
  return undefined;
}

/**
 * The organizer's data with a REPLY applied (RFC 5546 §3.2.3, RFC 6638 §3.2.1): for
 * each component of the reply, the replying attendees' PARTSTAT (and DELEGATED-TO) is
 * written into the organizer's component with the same RECURRENCE-ID; a reply to an
 * instance without override creates the override from the master. Attendees the
 * organizer did not invite (party crashers) and instances the organizer does not have
 * are ignored. `replyObject` is the REPLY parsed without its METHOD line.
 */
export function applyReply(organizerObject: CalendarObject, replyObject: CalendarObject): string {
  const { vcal, components } = copyOf(organizerObject);
  const targets = byKey(components());
  let changed = false;
  for (const rc of replyObject.components) {
    const key = keyOf(rc);
    let target = targets.get(key);
    const master = targets.get(MASTER);
    if (!target && key !== MASTER && master && masterHasInstance(organizerObject, key)) {
      target = vcal.addSubcomponent(deriveOverride(master, key));
      targets.set(key, target);
    }
    if (!target) continue;
    for (const replied of rc.getAllProperties('attendee')) {
      const prop = findAttendee(target, addressOf(replied));
      if (!prop) continue;
      setPartstat(prop, partstatOfProperty(replied));
      const delegatedTo = replied.getParameter('delegated-to');
      if (delegatedTo !== undefined && delegatedTo !== null) prop.setParameter('delegated-to', delegatedTo);
      changed = true;
    }
  }
  return changed ? serialize(vcal) : organizerObject.text;
}

/** Properties whose changes never call for a new REQUEST: timestamps, per-user data (RFC 6638 §3.2.2.1), status replies. */
const INSIGNIFICANT_PROPERTIES: ReadonlySet<string> = new Set([
  'dtstamp',
  'created',
  'last-modified',
  'transp',
  'percent-complete',
  'completed',
  'request-status',
]);
/** ATTENDEE/ORGANIZER parameters that replies and the server change, not the organizer. */
const INSIGNIFICANT_PARAMETERS: ReadonlySet<string> = new Set(['partstat', 'rsvp', 'schedule-status', 'schedule-force-send']);

function canonicalProperty(prop: ICAL.Property): string {
  const [name, params, type, ...values] = prop.toJSON() as [string, Record<string, unknown>, string, ...unknown[]];
  const isAddress = name === 'attendee' || name === 'organizer';
  const kept = Object.keys(params)
    .filter((k) => !(isAddress && INSIGNIFICANT_PARAMETERS.has(k)))
    .sort()
    .map((k) => [k, String(params[k]).toUpperCase()]);
  const vals = isAddress ? values.map((v) => normalizeAddress(String(v))) : values;
  return JSON.stringify([name, kept, type, vals]);
}

function canonicalComponent(component: ICAL.Component): string {
  const props = component
    .getAllProperties()
    .filter((p) => !INSIGNIFICANT_PROPERTIES.has(p.name) && !p.name.startsWith('x-'))
    .map(canonicalProperty)
    .sort();
  const subs = component
    .getAllSubcomponents()
    .filter((s) => s.name !== 'valarm')
    .map(canonicalComponent)
    .sort();
  return JSON.stringify([component.name, props, subs]);
}

/**
 * Does the organizer's change call for a new REQUEST to the attendees (RFC 6638
 * §3.2.1.2, §3.2.10's "consequential" changes)? Yes for any change to the scheduling
 * components except: DTSTAMP, CREATED, LAST-MODIFIED, TRANSP, PERCENT-COMPLETE,
 * COMPLETED, REQUEST-STATUS, X- properties, VALARMs, property order, and the
 * PARTSTAT, RSVP and SCHEDULE-STATUS parameters of ATTENDEE/ORGANIZER (replies change
 * those). Calendar-level properties and VTIMEZONEs do not count. An ATTENDEE with
 * SCHEDULE-FORCE-SEND=REQUEST in `after` forces yes (RFC 6638 §7.2).
 */
export function isSchedulingSignificantChange(before: CalendarObject, after: CalendarObject): boolean {
  for (const c of after.components) {
    for (const p of c.getAllProperties('attendee')) {
      if (String(p.getFirstParameter('schedule-force-send') ?? '').toUpperCase() === 'REQUEST') return true;
    }
  }
  if (before.component !== after.component || before.uid !== after.uid) return true;
  const canon = (o: CalendarObject) => new Map(o.components.map((c) => [String(keyOf(c)), canonicalComponent(c)]));
  const a = canon(before);
  const b = canon(after);
  if (a.size !== b.size) return true;
  for (const [k, v] of a) if (b.get(k) !== v) return true;
  return false;
}
