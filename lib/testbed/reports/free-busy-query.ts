import { busyPeriods } from '../../ical/freebusy.js';
import { NS } from '../../xml/namespaces.js';
import { child, type XmlElement } from '../../xml/parse.js';
import { DavError, caldavCondition } from '../dav-error.js';
import { parsedOf } from '../methods/objects.js';
import type { DavRequest, DavResponse } from '../request.js';
import type { CalendarObject } from '../../ical/calendar-object.js';
import { parseUtc } from './calendar-data.js';

const utc = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

/** CALDAV:free-busy-query (RFC 4791 §7.10): a VFREEBUSY of one calendar, 200 text/calendar. */
export function freeBusyQuery(req: DavRequest, root: XmlElement): DavResponse {
  const t = req.target;
  if (t.kind !== 'collection' || t.collection.kind !== 'calendar') throw new DavError(403, 'free-busy-query works on calendar collections', caldavCondition('calendar-collection-location-ok'));
  const tr = child(root, NS.CALDAV, 'time-range');
  const start = parseUtc(tr?.attrs.start, 'time-range start');
  const end = parseUtc(tr?.attrs.end, 'time-range end');
  if (!start || !end || end <= start) throw new DavError(400, 'free-busy-query needs a time-range with start before end');
  const objects = [...t.collection.resources.values()].map(parsedOf).filter((o): o is CalendarObject => !!o);
  const periods = busyPeriods(objects, { start, end }, { ownerAddress: t.collection.owner.mailto });
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//loadsim//testbed//EN', 'BEGIN:VFREEBUSY', `DTSTAMP:${utc(new Date(req.clock.now()))}`, `DTSTART:${utc(start)}`, `DTEND:${utc(end)}`];
  for (const p of periods) lines.push(`FREEBUSY;FBTYPE=${p.type}:${utc(p.start)}/${utc(p.end)}`);
  lines.push('END:VFREEBUSY', 'END:VCALENDAR', '');
  return { status: 200, headers: { 'Content-Type': 'text/calendar; charset=utf-8' }, body: lines.join('\r\n') };
}
