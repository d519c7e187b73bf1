import ICAL from 'ical.js';
import { expandCalendarObject } from '../../ical/expand.js';
import { NS, clark } from '../../xml/namespaces.js';
import { child, childrenNamed, type XmlElement } from '../../xml/parse.js';
import { escapeXml } from '../../xml/write.js';
import { DavError, caldavCondition } from '../dav-error.js';
import { parsedOf } from '../methods/objects.js';
import type { PropOverrides, PropRequest } from '../multistatus.js';
import type { Target } from '../targets.js';

/** iCalendar UTC date-time `20260308T100000Z` (RFC 4791 time-range attributes). */
export function parseUtc(value: string | undefined, what: string): Date | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value.trim());
  if (!m) throw new DavError(403, `${what}: expected a UTC date-time like 20260308T100000Z, got "${value}"`, caldavCondition('valid-filter'));
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

/** A CALDAV:comp of calendar-data (RFC 4791 §9.6.1): the properties and subcomponents to return, or all of them. */
interface CompSpec {
  props: Set<string> | 'all';
  comps: Map<string, CompSpec> | 'all';
}

function compSpec(el: XmlElement): CompSpec {
  const props = child(el, NS.CALDAV, 'allprop') ? 'all' : new Set(childrenNamed(el, NS.CALDAV, 'prop').map((p) => (p.attrs.name ?? '').toUpperCase()));
  const comps = child(el, NS.CALDAV, 'allcomp') ? 'all' : new Map(childrenNamed(el, NS.CALDAV, 'comp').map((c) => [(c.attrs.name ?? '').toUpperCase(), compSpec(c)] as const));
  return { props, comps };
}

type JCal = [string, unknown[][], JCal[]];

/** The jCal component with only what `spec` names (its `novalue` is ignored: values are kept). */
function pruned(jcal: JCal, spec: CompSpec): JCal {
  const [name, props, comps] = jcal;
  const keptProps = spec.props === 'all' ? props : props.filter((p) => (spec.props as Set<string>).has(String(p[0]).toUpperCase()));
  const keptComps =
    spec.comps === 'all'
      ? comps
      : comps.flatMap((c) => {
          const sub = (spec.comps as Map<string, CompSpec>).get(c[0].toUpperCase());
          return sub ? [pruned(c, sub)] : [];
        });
  return [name, keptProps, keptComps];
}

/** Partial retrieval: the calendar object text cut down to the comp/prop subset. */
export function partialCalendarData(text: string, spec: CompSpec): string {
  const jcal = ICAL.parse(text) as unknown as JCal;
  return ICAL.stringify(pruned(jcal, spec) as unknown as Parameters<typeof ICAL.stringify>[0]);
}

/**
 * The props of a calendar REPORT, with CALDAV:calendar-data honouring
 * `expand` (RFC 4791 §9.6.5) and partial retrieval by a VCALENDAR `comp`
 * (§9.6.1, applied after the expansion). limit-recurrence-set and
 * limit-freebusy-set are refused with a precondition rather than silently
 * ignored, so a client relying on them finds out.
 */
export function reportProps(prop: XmlElement | undefined): { request: PropRequest; overrides?: PropOverrides } {
  const names = prop ? prop.children.map((c) => clark(c.ns, c.name)) : [];
  const cd = prop && child(prop, NS.CALDAV, 'calendar-data');
  if (!cd || cd.children.length === 0) return { request: { type: 'prop', names } };
  const expand = child(cd, NS.CALDAV, 'expand');
  const comp = child(cd, NS.CALDAV, 'comp');
  const other = cd.children.find((c) => c !== expand && c !== comp);
  if (other) throw new DavError(403, `calendar-data ${other.name} is not supported; only expand and comp/prop`, caldavCondition('supported-calendar-data'));
  if (comp && (comp.attrs.name ?? '').toUpperCase() !== 'VCALENDAR') throw new DavError(403, 'calendar-data comp must name VCALENDAR', caldavCondition('supported-calendar-data'));
  const spec = comp && compSpec(comp);
  let range: { start: Date; end: Date } | undefined;
  if (expand) {
    const start = parseUtc(expand.attrs.start, 'expand start');
    const end = parseUtc(expand.attrs.end, 'expand end');
    if (!start || !end || end <= start) throw new DavError(403, 'expand needs start < end', caldavCondition('valid-filter'));
    range = { start, end };
  }
  const overrides: PropOverrides = new Map([
    [
      clark(NS.CALDAV, 'calendar-data'),
      (t: Target) => {
        if (t.kind !== 'object' || !t.resource) return undefined;
        const parsed = parsedOf(t.resource);
        const text = parsed && range ? expandCalendarObject(parsed, range) : t.resource.text;
        return escapeXml(spec ? partialCalendarData(text, spec) : text);
      },
    ],
  ]);
  return { request: { type: 'prop', names }, overrides };
}
