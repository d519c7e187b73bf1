import { NS } from '../../xml/namespaces.js';
import { parseXml, type XmlElement } from '../../xml/parse.js';
import { DavError, davCondition } from '../dav-error.js';
import type { DavRequest, DavResponse } from '../request.js';
import { calendarMultiget } from '../reports/calendar-multiget.js';
import { calendarQuery } from '../reports/calendar-query.js';
import { expandProperty } from '../reports/expand-property.js';
import { freeBusyQuery } from '../reports/free-busy-query.js';
import { calendarserverPrincipalSearch, principalPropertySearch, principalSearchPropertySet } from '../reports/principal-search.js';
import { syncCollection } from '../reports/sync-collection.js';

type Report = (req: DavRequest, root: XmlElement) => DavResponse;

const REPORTS: ReadonlyMap<string, Report> = new Map<string, Report>([
  [`${NS.CALDAV} calendar-multiget`, calendarMultiget],
  [`${NS.CALDAV} calendar-query`, calendarQuery],
  [`${NS.CALDAV} free-busy-query`, freeBusyQuery],
  [`${NS.DAV} sync-collection`, syncCollection],
  [`${NS.DAV} expand-property`, expandProperty],
  [`${NS.DAV} principal-property-search`, principalPropertySearch],
  [`${NS.DAV} principal-search-property-set`, () => principalSearchPropertySet()],
  [`${NS.CS} calendarserver-principal-search`, calendarserverPrincipalSearch],
]);

/** REPORT (RFC 3253 §3.6): dispatched on the body's root element. */
export function report(req: DavRequest): DavResponse {
  let root: XmlElement;
  try {
    root = parseXml(req.body);
  } catch (e) {
    throw new DavError(400, `malformed XML body: ${(e as Error).message}`);
  }
  const handler = REPORTS.get(`${root.ns} ${root.name}`);
  if (!handler) throw new DavError(403, `unsupported report {${root.ns}}${root.name}`, davCondition('supported-report'));
  return handler(req, root);
}
