/**
 * A calendar object resource (RFC 4791 §4.1): one VCALENDAR holding the components of
 * one UID, parsed once and checked against the rules a CalDAV server must enforce on
 * PUT (the CALDAV:valid-calendar-data and CALDAV:valid-calendar-object-resource
 * preconditions of §5.3.2.1). The result keeps the parsed ical.js tree, so the
 * time-range, filter, expand, free-busy and iTIP helpers reuse it without parsing again.
 */
import ICAL from 'ical.js';
import { isIanaTzid, propertyUtcMs } from './datetime.js';
import { checkRule } from './rrule.js';

/** The calendar component types a calendar object resource may hold (RFC 4791 §4.1). */
export type CalendarComponentName = 'VEVENT' | 'VTODO' | 'VJOURNAL' | 'VFREEBUSY';
export const CALENDAR_COMPONENT_NAMES: readonly CalendarComponentName[] = ['VEVENT', 'VTODO', 'VJOURNAL', 'VFREEBUSY'];

/** RFC 5545 §3.2.12 participation statuses (x-names and unknown values count as NEEDS-ACTION). */
export type Partstat = 'NEEDS-ACTION' | 'ACCEPTED' | 'DECLINED' | 'TENTATIVE' | 'DELEGATED' | 'COMPLETED' | 'IN-PROCESS';
const PARTSTATS: ReadonlySet<string> = new Set<Partstat>(['NEEDS-ACTION', 'ACCEPTED', 'DECLINED', 'TENTATIVE', 'DELEGATED', 'COMPLETED', 'IN-PROCESS']);

/** The two PUT preconditions of RFC 4791 §5.3.2.1 that the content itself decides. */
export type CalendarDataCondition = 'valid-calendar-data' | 'valid-calendar-object-resource';

export interface Attendee {
  /** The calendar user address, normalized by {@link normalizeAddress}. */
  address: string;
  /** PARTSTAT, upper-cased; absent or unknown values are NEEDS-ACTION (RFC 5545 §3.2.12). */
  partstat: Partstat;
  role?: string;
  rsvp?: boolean;
  cn?: string;
  /** SCHEDULE-AGENT (RFC 6638 §7.1), upper-cased; absent means SERVER. */
  scheduleAgent?: string;
  /** Every parameter as written, by lower-case name (multi-valued ones joined with ","). */
  params: Record<string, string>;
}

export interface CalendarObject {
  /** The text as submitted. */
  readonly text: string;
  /** The parsed VCALENDAR. Treat it as read-only: other helpers rely on it being what was parsed. */
  readonly vcalendar: ICAL.Component;
  readonly component: CalendarComponentName;
  readonly uid: string;
  /** Every component of type `component` (the VTIMEZONEs aside): the master first, then the overrides. */
  readonly components: readonly ICAL.Component[];
  /** The component without RECURRENCE-ID; absent when only overridden instances were sent (RFC 6638 invitations to some instances). */
  readonly master?: ICAL.Component;
  /** The components with RECURRENCE-ID. */
  readonly overrides: readonly ICAL.Component[];
  /** True if the master has RRULE or RDATE, or there are overrides. */
  readonly recurring: boolean;
  /** ORGANIZER of the master (else of the first override), normalized. */
  readonly organizer?: string;
  /** ATTENDEEs of the master (else of the first override). */
  readonly attendees: readonly Attendee[];
  /** The default bound on recurrence instances for expansions of this object. */
  readonly maxInstances: number;
}

export type CalendarObjectResult =
  | { ok: true; object: CalendarObject }
  | { ok: false; condition: CalendarDataCondition; message: string };

export interface ParseOptions {
  /**
   * The most recurrence instances any expansion of this object generates (time-range
   * tests, expand, free-busy), so an unbounded RRULE cannot spin. Stored on the object
   * as its default. Not a PUT precondition: an unbounded RRULE has infinitely many
   * instances and is still valid (RFC 4791 CALDAV:max-instances is advisory here).
   */
  maxInstances?: number;
}

export const parseDefaults: Required<ParseOptions> = { maxInstances: 10_000 };

/**
 * Normalize a calendar user address for comparison: the `mailto:` scheme is
 * case-insensitive and so, in practice, is the address (every CalDAV server compares
 * it so); it is lower-cased whole. Other URIs (`urn:uuid:`, `http:` principal URLs)
 * are kept as written, only trimmed, except a lower-cased scheme.
 */
export function normalizeAddress(value: string): string {
  const v = value.trim();
  const colon = v.indexOf(':');
  if (colon <= 0) return v;
  const scheme = v.slice(0, colon).toLowerCase();
  if (scheme === 'mailto') return 'mailto:' + v.slice(colon + 1).trim().toLowerCase();
  return scheme + v.slice(colon);
}

/** A calendar address property's value (ical.js gives CAL-ADDRESS values as strings). */
export function addressOf(prop: ICAL.Property): string {
  return normalizeAddress(String(prop.getFirstValue() ?? ''));
}

function paramString(prop: ICAL.Property, name: string): string | undefined {
  const v = prop.getParameter(name) as unknown;
  if (v === undefined || v === null) return undefined;
  return Array.isArray(v) ? v.join(',') : String(v);
}

/** The PARTSTAT of an ATTENDEE property, per RFC 5545 §3.2.12 defaults. */
export function partstatOfProperty(prop: ICAL.Property): Partstat {
  const v = paramString(prop, 'partstat')?.toUpperCase();
  return v !== undefined && PARTSTATS.has(v) ? (v as Partstat) : 'NEEDS-ACTION';
}

export function attendeeOf(prop: ICAL.Property): Attendee {
  const params: Record<string, string> = {};
  const jcalParams = (prop.toJSON() as [string, Record<string, unknown>])[1];
  for (const [k, v] of Object.entries(jcalParams)) params[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : String(v);
  const a: Attendee = { address: addressOf(prop), partstat: partstatOfProperty(prop), params };
  if (params.role !== undefined) a.role = params.role.toUpperCase();
  if (params.rsvp !== undefined) a.rsvp = params.rsvp.toUpperCase() === 'TRUE';
  if (params.cn !== undefined) a.cn = params.cn;
  if (params['schedule-agent'] !== undefined) a.scheduleAgent = params['schedule-agent'].toUpperCase();
  return a;
}

/** The ATTENDEEs of one component. */
export function attendeesOf(component: ICAL.Component): Attendee[] {
  return component.getAllProperties('attendee').map(attendeeOf);
}

/** The ATTENDEE property of `address` in a component, if listed. */
export function findAttendee(component: ICAL.Component, address: string): ICAL.Property | undefined {
  const wanted = normalizeAddress(address);
  return component.getAllProperties('attendee').find((p) => addressOf(p) === wanted);
}

class Invalid extends Error {
  constructor(
    readonly condition: CalendarDataCondition,
    message: string,
  ) {
    super(message);
  }
}

const data = (message: string) => new Invalid('valid-calendar-data', message);
const resource = (message: string) => new Invalid('valid-calendar-object-resource', message);

/** Properties whose values we read as dates, durations or rules: hydrated at parse time so a bad value is a 4xx now, not a crash later. */
const TYPED_PROPERTIES = ['dtstart', 'dtend', 'due', 'duration', 'recurrence-id', 'rrule', 'rdate', 'exdate', 'completed', 'created', 'dtstamp', 'last-modified', 'trigger', 'freebusy'];

function checkValues(component: ICAL.Component, where: string): void {
  for (const name of TYPED_PROPERTIES) {
    for (const prop of component.getAllProperties(name)) {
      let values: unknown[];
      try {
        values = prop.getValues();
      } catch (e) {
        throw data(`${where}: ${name.toUpperCase()}: ${(e as Error).message}`);
      }
      for (const v of values) {
        const times = v instanceof ICAL.Time ? [v] : v instanceof ICAL.Period ? [v.start, v.end ?? v.start] : [];
        for (const t of times) {
          if (![t.year, t.month, t.day, t.hour, t.minute, t.second].every(Number.isFinite)) {
            throw data(`${where}: ${name.toUpperCase()}: not a valid date or date-time`);
          }
        }
        if (v instanceof ICAL.Duration && ![v.weeks, v.days, v.hours, v.minutes, v.seconds].every(Number.isFinite)) {
          throw data(`${where}: ${name.toUpperCase()}: not a valid duration`);
        }
      }
    }
  }
  for (const sub of component.getAllSubcomponents()) checkValues(sub, `${where}/${sub.name.toUpperCase()}`);
}

/** A component as jCal (RFC 7265 §3): name, properties, subcomponents; a property is name, parameters, type, values… */
type JCalComponent = [string, [string, Record<string, unknown>, ...unknown[]][], JCalComponent[]];

/**
 * Read from the jCal that ical.js parsed into rather than through its Component and Property
 * objects: asking a component for all its properties makes an object for each, for every
 * PUT and every copy the testbed's scheduling writes (at 5,000 accelerated-mix clients this
 * walk was 5 % of the testbed's CPU).
 */
function checkTzids(component: JCalComponent, known: ReadonlySet<string>): void {
  for (const prop of component[1]) {
    // As Property.getFirstParameter reads it: a multi-valued parameter's first value.
    const param = prop[1].tzid;
    const tzid = Array.isArray(param) ? param[0] : param;
    // A TZID must have its VTIMEZONE (RFC 5545 §3.2.19), but CalDAV clients omit the
    // well-known ones (RFC 7809 time zones by reference): an IANA name is accepted.
    if (tzid && !known.has(String(tzid)) && !isIanaTzid(String(tzid))) {
      throw data(`${prop[0].toUpperCase()}: TZID "${String(tzid)}" has no VTIMEZONE and is not an IANA time zone`);
    }
  }
  for (const sub of component[2]) checkTzids(sub, known);
}

/** RFC 5545 §3.6.1–3.6.4 rules on the date properties that time-range tests depend on. */
function checkDates(comp: ICAL.Component, name: CalendarComponentName, uid: string): void {
  const where = `${name} ${uid}`;
  const has = (p: string) => comp.hasProperty(p);
  const dtstart = comp.getFirstPropertyValue('dtstart');
  if (name === 'VEVENT' && !dtstart) throw data(`${where}: DTSTART is required (RFC 5545 §3.6.1)`);
  if ((has('rrule') || has('rdate')) && !dtstart) throw data(`${where}: RRULE and RDATE need DTSTART`);
  if (name === 'VEVENT' && has('dtend') && has('duration')) throw data(`${where}: DTEND and DURATION are mutually exclusive`);
  if (name === 'VTODO' && has('due') && has('duration')) throw data(`${where}: DUE and DURATION are mutually exclusive`);
  if (name === 'VTODO' && has('duration') && !dtstart) throw data(`${where}: DURATION needs DTSTART`);
  const endName = name === 'VTODO' ? 'due' : name === 'VEVENT' ? 'dtend' : undefined;
  const end = endName ? comp.getFirstPropertyValue(endName) : null;
  if (dtstart instanceof ICAL.Time && end instanceof ICAL.Time) {
    if (dtstart.isDate !== end.isDate) throw data(`${where}: ${endName!.toUpperCase()} must have the value type of DTSTART`);
    const s = propertyUtcMs(comp.getFirstProperty('dtstart'))!;
    const e = propertyUtcMs(comp.getFirstProperty(endName!))!;
    // RFC 5545 wants DTEND strictly later; DTEND = DTSTART is common and harmless, so
    // only an end before the start is refused.
    if (e < s) throw data(`${where}: ${endName!.toUpperCase()} is before DTSTART`);
  }
  for (const prop of comp.getAllProperties('rrule')) {
    try {
      // ical.js checks the rule parts at iterator construction (e.g. BYMONTHDAY with FREQ=WEEKLY).
      checkRule(prop.getFirstValue() as ICAL.Recur, dtstart as ICAL.Time);
    } catch (e) {
      throw data(`${where}: RRULE: ${(e as Error).message}`);
    }
  }
}

function validate(text: string, opts: Required<ParseOptions>): CalendarObject {
  let jcal: unknown;
  try {
    jcal = ICAL.parse(text);
  } catch (e) {
    throw data(`not iCalendar: ${(e as Error).message}`);
  }
  if (!Array.isArray(jcal) || jcal.length === 0) throw data('no iCalendar object');
  // ICAL.parse gives one component as ['vcalendar', …] and several as [[…], […]].
  if (Array.isArray(jcal[0])) {
    throw (jcal as unknown[][]).every((c) => c[0] === 'vcalendar')
      ? resource(`${jcal.length} VCALENDAR objects; a calendar object resource holds exactly one (RFC 4791 §4.1)`)
      : data('the top level must be one VCALENDAR');
  }
  if (jcal[0] !== 'vcalendar') throw data(`the top level is ${String(jcal[0]).toUpperCase()}, not VCALENDAR`);
  const vcalendar = new ICAL.Component(jcal as unknown[]);

  const version = vcalendar.getFirstPropertyValue('version');
  if (String(version ?? '').trim() !== '2.0') throw data('VERSION:2.0 is required (RFC 5545 §3.7.4)');
  if (!vcalendar.hasProperty('prodid')) throw data('PRODID is required (RFC 5545 §3.7.3)');
  if (vcalendar.hasProperty('method')) throw resource('METHOD is not allowed in a calendar object resource (RFC 4791 §4.1)');
  checkValues(vcalendar, 'VCALENDAR');

  const timezones = vcalendar.getAllSubcomponents('vtimezone');
  const knownTzids = new Set<string>();
  for (const tz of timezones) {
    const tzid = tz.getFirstPropertyValue('tzid');
    if (typeof tzid !== 'string' || !tzid) throw data('VTIMEZONE without TZID');
    if (tz.getAllSubcomponents('standard').length + tz.getAllSubcomponents('daylight').length === 0) {
      throw data(`VTIMEZONE ${tzid} has neither STANDARD nor DAYLIGHT`);
    }
    knownTzids.add(tzid);
  }

  const others = vcalendar.getAllSubcomponents().filter((c) => c.name !== 'vtimezone');
  const types = [...new Set(others.map((c) => c.name.toUpperCase()))];
  if (types.length === 0) throw resource('no VEVENT, VTODO, VJOURNAL or VFREEBUSY component');
  if (types.length > 1) throw resource(`components of more than one type (${types.join(', ')}); RFC 4791 §4.1 allows one`);
  const name = types[0] as CalendarComponentName;
  if (!CALENDAR_COMPONENT_NAMES.includes(name)) throw resource(`${name} is not a calendar component a calendar collection holds`);

  const uids = new Set<string>();
  for (const c of others) {
    const uid = c.getFirstPropertyValue('uid');
    if (typeof uid !== 'string' || uid === '') throw data(`${name} without UID (RFC 5545 requires it)`);
    uids.add(uid);
  }
  if (uids.size > 1) throw resource(`components with different UIDs (${[...uids].join(', ')}); RFC 4791 §4.1 wants one UID per resource`);
  const uid = [...uids][0]!;

  checkTzids(vcalendar.jCal as unknown as JCalComponent, knownTzids);

  const masters = others.filter((c) => !c.hasProperty('recurrence-id'));
  const overrides = others.filter((c) => c.hasProperty('recurrence-id'));
  if (masters.length > 1) throw resource(`${masters.length} ${name} components without RECURRENCE-ID for UID ${uid}; only one master is allowed`);
  const rids = new Set<number>();
  for (const o of overrides) {
    const rid = propertyUtcMs(o.getFirstProperty('recurrence-id'));
    if (rid === undefined) throw data(`${name} ${uid}: RECURRENCE-ID is not a date or date-time`);
    if (rids.has(rid)) throw resource(`${name} ${uid}: two components with the same RECURRENCE-ID`);
    rids.add(rid);
  }
  for (const c of others) checkDates(c, name, uid);

  const master = masters[0];
  const lead = master ?? overrides[0]!;
  const organizerProp = lead.getFirstProperty('organizer');
  const object: CalendarObject = {
    text,
    vcalendar,
    component: name,
    uid,
    components: master ? [master, ...overrides] : overrides,
    overrides,
    recurring: overrides.length > 0 || (!!master && (master.hasProperty('rrule') || master.hasProperty('rdate'))),
    attendees: attendeesOf(lead),
    maxInstances: opts.maxInstances,
    ...(master ? { master } : {}),
    ...(organizerProp ? { organizer: addressOf(organizerProp) } : {}),
  };
  return object;
}

/**
 * Parse and check a calendar object resource. Never throws for bad input: the result
 * names the precondition to report. What counts as what:
 *
 * - `valid-calendar-data` (not valid iCalendar, RFC 5545): unparsable text; a top
 *   level that is not VCALENDAR; no VERSION:2.0 or PRODID; a date, duration or rule
 *   value ical.js cannot read; a TZID with neither a VTIMEZONE nor an IANA name; a
 *   component without UID; a VEVENT without DTSTART; DTEND with DURATION, DUE with
 *   DURATION; DTEND/DUE of another value type than DTSTART or before it; RRULE
 *   without DTSTART or with parts ical.js rejects.
 * - `valid-calendar-object-resource` (valid iCalendar that breaks RFC 4791 §4.1):
 *   several VCALENDARs; METHOD; no calendar component, or components of more than
 *   one type; more than one UID; two masters; two overrides with one RECURRENCE-ID.
 */
export function parseCalendarObject(text: string, opts: ParseOptions = {}): CalendarObjectResult {
  const o = { ...parseDefaults, ...opts };
  try {
    return { ok: true, object: validate(text, o) };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, condition: e.condition, message: e.message };
    return { ok: false, condition: 'valid-calendar-data', message: (e as Error).message };
  }
}

/** parseCalendarObject for data known to be good (tests, data we generated): throws on invalid data. */
export function calendarObjectFrom(text: string, opts: ParseOptions = {}): CalendarObject {
  const r = parseCalendarObject(text, opts);
  if (!r.ok) throw new Error(`${r.condition}: ${r.message}`);
  return r.object;
}
