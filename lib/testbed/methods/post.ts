import ICAL from 'ical.js';
import { normalizeAddress, type CalendarObject } from '../../ical/calendar-object.js';
import { busyPeriods, freeBusyReply } from '../../ical/freebusy.js';
import { escapeXml } from '../../xml/write.js';
import { NS } from '../../xml/namespaces.js';
import { apnsSubscribe, isApnsPath } from '../apns.js';
import { attachmentPost } from '../attachments.js';
import { DavError, caldavCondition } from '../dav-error.js';
import { header, type DavRequest, type DavResponse } from '../request.js';
import type { Scheduler } from '../scheduling.js';
import { sharingPost } from '../sharing.js';
import type { User } from '../store.js';

/** Every calendar object of a user, for free-busy. */
export function calendarObjectsOf(user: User): CalendarObject[] {
  const out: CalendarObject[] = [];
  for (const c of user.home.collections.values()) {
    if (c.kind !== 'calendar' || c.source !== c) continue; // calendars shared to the user are the owner's time
    for (const r of c.resources.values()) if (r.parsed) out.push(r.parsed as CalendarObject);
  }
  return out;
}

/**
 * POST of a VFREEBUSY request to the user's outbox (RFC 6638 §5, as
 * CalendarServer and iCal use it): one C:response per recipient with the
 * busy time computed from that user's calendars, or a request-status for a
 * recipient who is not a local user.
 */
function freeBusy(req: DavRequest, _scheduler: Scheduler): DavResponse {
  const type = (header(req, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'text/calendar') throw new DavError(415, 'a free-busy request is text/calendar', caldavCondition('supported-calendar-data'));
  let vcal: ICAL.Component;
  try {
    vcal = new ICAL.Component(ICAL.parse(req.body) as unknown[]);
  } catch (e) {
    throw new DavError(400, `invalid iCalendar: ${(e as Error).message}`, caldavCondition('valid-calendar-data'));
  }
  const fb = vcal.getFirstSubcomponent('vfreebusy');
  if (String(vcal.getFirstPropertyValue('method') ?? '').toUpperCase() !== 'REQUEST' || !fb) {
    throw new DavError(400, 'expected METHOD:REQUEST with a VFREEBUSY', caldavCondition('valid-calendar-data'));
  }
  const start = fb.getFirstPropertyValue('dtstart') as ICAL.Time | null;
  const end = fb.getFirstPropertyValue('dtend') as ICAL.Time | null;
  const organizer = normalizeAddress(String(fb.getFirstPropertyValue('organizer') ?? header(req, 'originator') ?? ''));
  if (!start || !end || end.compare(start) <= 0) throw new DavError(400, 'VFREEBUSY needs DTSTART before DTEND', caldavCondition('valid-calendar-data'));
  if (req.store.userByAddress(organizer) !== req.user) throw new DavError(403, 'ORGANIZER must be the authenticated user', caldavCondition('organizer-allowed'));
  const range = { start: start.toJSDate(), end: end.toJSDate() };
  const uid = String(fb.getFirstPropertyValue('uid') ?? '');
  const maskUids = fb.getAllProperties('x-calendarserver-mask-uid').map((p) => String(p.getFirstValue()));
  let responses = '';
  for (const p of fb.getAllProperties('attendee')) {
    const address = normalizeAddress(String(p.getFirstValue()));
    const recipient = req.store.userByAddress(address);
    let inner = `<C:recipient><D:href>${escapeXml(address)}</D:href></C:recipient>`;
    if (!recipient) inner += '<C:request-status>3.7;Invalid calendar user</C:request-status>';
    else {
      const periods = busyPeriods(calendarObjectsOf(recipient), range, { ownerAddress: address, maskUids });
      const reply = freeBusyReply({ organizer, attendee: address, uid, dtstamp: new Date(req.clock.now()), range, periods });
      inner += `<C:request-status>2.0;Success</C:request-status><C:calendar-data>${escapeXml(reply)}</C:calendar-data>`;
    }
    responses += `<C:response>${inner}</C:response>`;
  }
  return {
    status: 200,
    headers: { 'Content-Type': 'application/xml; charset=utf-8' },
    body: `<?xml version="1.0" encoding="utf-8"?>\n<C:schedule-response xmlns:D="DAV:" xmlns:C="${NS.CALDAV}">${responses}</C:schedule-response>`,
  };
}

export function post(req: DavRequest, scheduler: Scheduler): DavResponse {
  const t = req.target;
  if (t.kind === 'collection' && t.collection.kind === 'outbox') return freeBusy(req, scheduler);
  if (t.kind === 'object' && req.query.has('action')) return attachmentPost(req, scheduler);
  if (t.kind === 'collection' || t.kind === 'home') return sharingPost(req);
  if (t.kind === 'missing' && isApnsPath(req.path)) return apnsSubscribe(req);
  throw new DavError(403, 'POST is supported on the schedule outbox (free-busy), events (?action=attachment-…), calendars and homes (sharing) and /apns/');
}
