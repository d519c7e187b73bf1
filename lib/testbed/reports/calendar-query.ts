import type { CompFilter, ParamFilter, PropFilter, TextMatch } from '../../ical/filter.js';
import { matchesFilter } from '../../ical/filter.js';
import { NS } from '../../xml/namespaces.js';
import { child, childrenNamed, type XmlElement } from '../../xml/parse.js';
import { DavError, caldavCondition } from '../dav-error.js';
import { parsedOf } from '../methods/objects.js';
import { multistatus, propResponse } from '../multistatus.js';
import { XML_HEADERS, header, type DavRequest, type DavResponse } from '../request.js';
import type { Target } from '../targets.js';
import { parseUtc, reportProps } from './calendar-data.js';

function timeRange(el: XmlElement | undefined): { start?: Date; end?: Date } | undefined {
  const tr = child(el, NS.CALDAV, 'time-range');
  if (!tr) return undefined;
  const start = parseUtc(tr.attrs.start, 'time-range start');
  const end = parseUtc(tr.attrs.end, 'time-range end');
  if (!start && !end) throw new DavError(403, 'time-range needs start or end', caldavCondition('valid-filter'));
  return { ...(start ? { start } : {}), ...(end ? { end } : {}) };
}

function textMatch(el: XmlElement | undefined): TextMatch | undefined {
  const tm = child(el, NS.CALDAV, 'text-match');
  if (!tm) return undefined;
  const collation = tm.attrs.collation ?? 'i;ascii-casemap';
  if (collation !== 'i;ascii-casemap' && collation !== 'i;octet') throw new DavError(403, `unsupported collation ${collation}`, caldavCondition('supported-collation'));
  return { text: tm.text, negate: tm.attrs['negate-condition'] === 'yes', collation };
}

function paramFilter(el: XmlElement): ParamFilter {
  const tm = textMatch(el);
  return { name: (el.attrs.name ?? '').toUpperCase(), ...(child(el, NS.CALDAV, 'is-not-defined') ? { isNotDefined: true } : {}), ...(tm ? { textMatch: tm } : {}) };
}

function propFilter(el: XmlElement): PropFilter {
  const tr = timeRange(el);
  const tm = textMatch(el);
  return {
    name: (el.attrs.name ?? '').toUpperCase(),
    ...(child(el, NS.CALDAV, 'is-not-defined') ? { isNotDefined: true } : {}),
    ...(tr ? { timeRange: tr } : {}),
    ...(tm ? { textMatch: tm } : {}),
    paramFilters: childrenNamed(el, NS.CALDAV, 'param-filter').map(paramFilter),
  };
}

/** The XML filter (RFC 4791 §9.7) as the evaluator's model. */
export function compFilter(el: XmlElement): CompFilter {
  const tr = timeRange(el);
  return {
    name: (el.attrs.name ?? '').toUpperCase(),
    ...(child(el, NS.CALDAV, 'is-not-defined') ? { isNotDefined: true } : {}),
    ...(tr ? { timeRange: tr } : {}),
    compFilters: childrenNamed(el, NS.CALDAV, 'comp-filter').map(compFilter),
    propFilters: childrenNamed(el, NS.CALDAV, 'prop-filter').map(propFilter),
  };
}

/** CALDAV:calendar-query (RFC 4791 §7.8) on a calendar collection (Depth 1) or one resource (Depth 0). */
export function calendarQuery(req: DavRequest, root: XmlElement): DavResponse {
  const filterEl = child(child(root, NS.CALDAV, 'filter'), NS.CALDAV, 'comp-filter');
  if (!filterEl || (filterEl.attrs.name ?? '').toUpperCase() !== 'VCALENDAR') throw new DavError(403, 'the filter must start with comp-filter VCALENDAR', caldavCondition('valid-filter'));
  const filter = compFilter(filterEl);
  const { request, overrides } = reportProps(child(root, NS.DAV, 'prop'));
  const t = req.target;
  let candidates: Target[];
  if (t.kind === 'object' && t.resource) candidates = [t];
  else if (t.kind === 'collection' && t.collection.kind === 'calendar') {
    if ((header(req, 'depth') ?? '0').trim() === '0') candidates = [];
    else candidates = [...t.collection.resources.values()].map((r) => ({ kind: 'object', path: t.collection.path + encodeURIComponent(r.name), collection: t.collection, name: r.name, resource: r }));
  } else throw new DavError(403, 'calendar-query works on calendar collections and calendar resources', caldavCondition('calendar-collection-location-ok'));
  let out = '';
  for (const c of candidates) {
    if (c.kind !== 'object' || !c.resource) continue;
    const parsed = parsedOf(c.resource);
    if (parsed && matchesFilter(parsed, filter)) out += propResponse(c.path, c, request, req.ctx, overrides);
  }
  return { status: 207, headers: { ...XML_HEADERS }, body: multistatus(out) };
}
