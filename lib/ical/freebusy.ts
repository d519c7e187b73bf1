/**
 * Busy time (RFC 4791 §7.10 free-busy-query, RFC 6638 §5 schedule-outbox POST) and
 * the VFREEBUSY reply that carries it (RFC 5546 §3.3.2).
 *
 * Which data counts, and as what (RFC 4791 §7.10's table, plus RFC 6638 practice):
 * - VEVENT instances overlapping the range: TRANSP:TRANSPARENT and STATUS:CANCELLED
 *   are free; STATUS:TENTATIVE is BUSY-TENTATIVE; anything else is BUSY.
 * - When `ownerAddress` is given and the owner is an ATTENDEE of the instance:
 *   PARTSTAT=DECLINED is free, PARTSTAT=TENTATIVE is BUSY-TENTATIVE (what CalendarServer
 *   does; the event is on the owner's calendar but they are not, or not surely, going).
 * - VFREEBUSY components contribute their FREEBUSY periods with their FBTYPE (default
 *   BUSY; FREE skipped; unknown x-names count as BUSY, RFC 5545 §3.2.9).
 * - VTODO and VJOURNAL are not busy time.
 * - UIDs in `maskUids` are skipped (CalendarServer's X-CALENDARSERVER-MASK-UID: the
 *   event being rescheduled should not block its own new time).
 * Periods are clipped to the range; periods of one type that overlap or touch are
 * coalesced (§7.10: "SHOULD be coalesced"); different types are kept apart, so a
 * BUSY and a BUSY-TENTATIVE period may overlap (RFC 5546 §3.3 allows it).
 */
import ICAL from 'ical.js';
import { findAttendee, normalizeAddress, partstatOfProperty, type CalendarObject } from './calendar-object.js';
import { utcTime } from './datetime.js';
import { serialize } from './edit.js';
import { findInstances, freebusyPropertyPeriods, type TimeRangeOptions } from './time-range.js';

/** The busy FBTYPE values of RFC 5545 §3.2.9 (FREE is never reported). */
export type BusyType = 'BUSY' | 'BUSY-TENTATIVE' | 'BUSY-UNAVAILABLE';
const TYPE_ORDER: Record<BusyType, number> = { BUSY: 0, 'BUSY-TENTATIVE': 1, 'BUSY-UNAVAILABLE': 2 };

export interface BusyPeriod {
  start: Date;
  end: Date;
  type: BusyType;
}

export interface FreeBusyRange {
  start: Date;
  end: Date;
}

export interface BusyOptions extends TimeRangeOptions {
  /** The calendar user whose busy time this is; their PARTSTAT decides declined/tentative events. */
  ownerAddress?: string;
  /** UIDs to leave out. */
  maskUids?: readonly string[];
}

/** The busy type of a VEVENT instance, or undefined if it is free time. */
function eventBusyType(component: ICAL.Component, owner: string | undefined): BusyType | undefined {
  if (String(component.getFirstPropertyValue('transp') ?? 'OPAQUE').toUpperCase() === 'TRANSPARENT') return undefined;
  const status = String(component.getFirstPropertyValue('status') ?? '').toUpperCase();
  if (status === 'CANCELLED') return undefined;
  let type: BusyType = status === 'TENTATIVE' ? 'BUSY-TENTATIVE' : 'BUSY';
  if (owner) {
    const attendee = findAttendee(component, owner);
    if (attendee) {
      const partstat = partstatOfProperty(attendee);
      if (partstat === 'DECLINED') return undefined;
      if (partstat === 'TENTATIVE') type = 'BUSY-TENTATIVE';
    }
  }
  return type;
}

function fbtypeOf(prop: ICAL.Property): BusyType | undefined {
  const v = String(prop.getFirstParameter('fbtype') ?? 'BUSY').toUpperCase();
  if (v === 'FREE') return undefined;
  return v === 'BUSY-TENTATIVE' || v === 'BUSY-UNAVAILABLE' ? v : 'BUSY';
}

/**
 * Clip periods to the range, coalesce those of one type that overlap or touch, drop
 * empty ones; ordered by start, then type.
 */
export function mergePeriods(periods: readonly BusyPeriod[], range: FreeBusyRange): BusyPeriod[] {
  const rs = range.start.getTime();
  const re = range.end.getTime();
  const byType = new Map<BusyType, [number, number][]>();
  for (const p of periods) {
    const s = Math.max(p.start.getTime(), rs);
    const e = Math.min(p.end.getTime(), re);
    if (e <= s) continue;
    let list = byType.get(p.type);
    if (!list) byType.set(p.type, (list = []));
    list.push([s, e]);
  }
  const out: BusyPeriod[] = [];
  for (const [type, list] of byType) {
    list.sort((a, b) => a[0] - b[0]);
    let [cs, ce] = list[0]!;
    for (const [s, e] of list.slice(1)) {
      if (s <= ce) ce = Math.max(ce, e);
      else {
        out.push({ start: new Date(cs), end: new Date(ce), type });
        [cs, ce] = [s, e];
      }
    }
    out.push({ start: new Date(cs), end: new Date(ce), type });
  }
  out.sort((a, b) => a.start.getTime() - b.start.getTime() || TYPE_ORDER[a.type] - TYPE_ORDER[b.type]);
  return out;
}

/** The busy time of `objects` within `range` (see the file comment for the rules). */
export function busyPeriods(objects: Iterable<CalendarObject>, range: FreeBusyRange, opts: BusyOptions = {}): BusyPeriod[] {
  const owner = opts.ownerAddress ? normalizeAddress(opts.ownerAddress) : undefined;
  const masked = new Set(opts.maskUids ?? []);
  const tr = { start: range.start, end: range.end };
  const raw: BusyPeriod[] = [];
  for (const object of objects) {
    if (masked.has(object.uid)) continue;
    if (object.component === 'VEVENT') {
      for (const i of findInstances(object, tr, opts).instances) {
        const type = eventBusyType(i.component, owner);
        if (type) raw.push({ start: i.start, end: i.end, type });
      }
    } else if (object.component === 'VFREEBUSY') {
      for (const c of object.components) {
        for (const prop of c.getAllProperties('freebusy')) {
          const type = fbtypeOf(prop);
          if (!type) continue;
          for (const [s, e] of freebusyPropertyPeriods(prop, opts.floatingZone)) raw.push({ start: new Date(s), end: new Date(e), type });
        }
      }
    }
  }
  return mergePeriods(raw, range);
}

export interface FreeBusyReplyInput {
  /** The ORGANIZER of the request (who asked). */
  organizer: string;
  /** The ATTENDEE whose busy time this is. */
  attendee: string;
  /** The request's UID (omitted from the reply if empty). */
  uid: string;
  dtstamp: Date;
  range: FreeBusyRange;
  periods: readonly BusyPeriod[];
  /** PRODID of the reply. Default "-//loadsim//ical//EN". */
  prodId?: string;
}

export const freeBusyReplyDefaults = { prodId: '-//loadsim//ical//EN' } as const;

/**
 * A METHOD:REPLY VCALENDAR with one VFREEBUSY (RFC 5546 §3.3.2): DTSTAMP, DTSTART and
 * DTEND of the range, ORGANIZER, ATTENDEE, UID, and one FREEBUSY property per busy
 * type listing its periods in UTC, in order. CRLF line ends.
 */
export function freeBusyReply(input: FreeBusyReplyInput): string {
  const vcal = new ICAL.Component('vcalendar');
  vcal.addPropertyWithValue('version', '2.0');
  vcal.addPropertyWithValue('prodid', input.prodId ?? freeBusyReplyDefaults.prodId);
  vcal.addPropertyWithValue('method', 'REPLY');
  const fb = new ICAL.Component('vfreebusy');
  if (input.uid) fb.addPropertyWithValue('uid', input.uid);
  fb.addPropertyWithValue('dtstamp', utcTime(input.dtstamp.getTime()));
  fb.addPropertyWithValue('dtstart', utcTime(input.range.start.getTime()));
  fb.addPropertyWithValue('dtend', utcTime(input.range.end.getTime()));
  fb.addPropertyWithValue('organizer', input.organizer);
  fb.addPropertyWithValue('attendee', input.attendee);
  const types = [...new Set(input.periods.map((p) => p.type))].sort((a, b) => TYPE_ORDER[a] - TYPE_ORDER[b]);
  for (const type of types) {
    const prop = new ICAL.Property('freebusy');
    prop.setParameter('fbtype', type);
    prop.setValues(
      input.periods
        .filter((p) => p.type === type)
        .map((p) => ICAL.Period.fromData({ start: utcTime(p.start.getTime()), end: utcTime(p.end.getTime()) })),
    );
    fb.addProperty(prop);
  }
  vcal.addSubcomponent(fb);
  return serialize(vcal);
}
