import { expandCalendarObject } from '../../ical/expand.js';
import { NS, clark } from '../../xml/namespaces.js';
import { child, type XmlElement } from '../../xml/parse.js';
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

/**
 * The props of a calendar REPORT, with CALDAV:calendar-data honouring
 * `expand` (RFC 4791 §9.6.5). Partial retrieval (comp/prop subsets) is
 * refused with a precondition rather than silently answered with the whole
 * data, so a client relying on it finds out.
 */
export function reportProps(prop: XmlElement | undefined): { request: PropRequest; overrides?: PropOverrides } {
  const names = prop ? prop.children.map((c) => clark(c.ns, c.name)) : [];
  const cd = prop && child(prop, NS.CALDAV, 'calendar-data');
  if (!cd || cd.children.length === 0) return { request: { type: 'prop', names } };
  const expand = child(cd, NS.CALDAV, 'expand');
  if (!expand || cd.children.length > 1) throw new DavError(403, 'partial calendar-data (comp/prop) is not supported; only expand', caldavCondition('supported-calendar-data'));
  const start = parseUtc(expand.attrs.start, 'expand start');
  const end = parseUtc(expand.attrs.end, 'expand end');
  if (!start || !end || end <= start) throw new DavError(403, 'expand needs start < end', caldavCondition('valid-filter'));
  const overrides: PropOverrides = new Map([
    [
      clark(NS.CALDAV, 'calendar-data'),
      (t: Target) => {
        if (t.kind !== 'object' || !t.resource) return undefined;
        const parsed = parsedOf(t.resource);
        return escapeXml(parsed ? expandCalendarObject(parsed, { start, end }) : t.resource.text);
      },
    ],
  ]);
  return { request: { type: 'prop', names }, overrides };
}
