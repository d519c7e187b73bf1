import { parseCalendarObject, type CalendarObject } from '../../ical/calendar-object.js';
import { getAttachment } from '../attachments.js';
import { DavError, caldavCondition, davCondition } from '../dav-error.js';
import { header, type DavRequest, type DavResponse } from '../request.js';
import { freshTag, type Collection, type StoredResource } from '../store.js';
import type { Scheduler } from '../scheduling.js';

/** Does an If-Match / If-None-Match list name this ETag? (`*` names any existing resource.) */
function listMatches(list: string, etag: string | undefined): boolean {
  if (list.trim() === '*') return etag !== undefined;
  return etag !== undefined && list.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}

/** RFC 7232 preconditions shared by PUT and DELETE, plus RFC 6638 If-Schedule-Tag-Match. */
function checkPreconditions(req: DavRequest, existing: StoredResource | undefined): void {
  const ifMatch = header(req, 'if-match');
  if (ifMatch !== undefined && !listMatches(ifMatch, existing?.etag)) throw new DavError(412, 'If-Match does not match the current ETag');
  const ifNoneMatch = header(req, 'if-none-match');
  if (ifNoneMatch !== undefined && listMatches(ifNoneMatch, existing?.etag)) throw new DavError(412, 'If-None-Match matches the current ETag');
  const ifScheduleTag = header(req, 'if-schedule-tag-match');
  if (ifScheduleTag !== undefined && (!existing?.scheduleTag || ifScheduleTag.trim() !== existing.scheduleTag)) {
    throw new DavError(412, 'If-Schedule-Tag-Match does not match the current Schedule-Tag');
  }
}

export function parsedOf(r: StoredResource): CalendarObject | undefined {
  return r.parsed as CalendarObject | undefined;
}

/**
 * PUT of a calendar object resource (RFC 4791 §5.3.2): checked against every
 * precondition before anything is stored, then handed to the scheduler
 * (RFC 6638), which may deliver messages and decides the Schedule-Tag.
 */
export function put(req: DavRequest, scheduler: Scheduler): DavResponse {
  const t = req.target;
  if (t.kind !== 'object') throw new DavError(t.kind === 'missing' ? 409 : 405, 'PUT needs a resource inside a calendar collection');
  const collection: Collection = t.collection;
  if (collection.kind !== 'calendar') throw new DavError(403, `cannot PUT into the ${collection.kind}`, davCondition('need-privileges'));
  if (!collection.writable) throw new DavError(403, 'this shared calendar is read-only', davCondition('need-privileges'));
  const existing = t.resource;
  checkPreconditions(req, existing);
  const type = (header(req, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'text/calendar') throw new DavError(415, `Content-Type must be text/calendar, got "${type}"`, caldavCondition('supported-calendar-data'));
  const limits = req.store.limits;
  if (Buffer.byteLength(req.body) > limits.maxResourceSize) throw new DavError(403, `larger than ${limits.maxResourceSize} bytes`, caldavCondition('max-resource-size'));
  const result = parseCalendarObject(req.body, { maxInstances: limits.maxInstances });
  if (!result.ok) throw new DavError(400, result.message, caldavCondition(result.condition));
  const object = result.object;
  if (!collection.components.includes(object.component as never)) {
    throw new DavError(403, `this calendar holds ${collection.components.join(', ')}, not ${object.component}`, caldavCondition('supported-calendar-component'));
  }
  const clash = collection.source.findByUid(object.uid);
  if (clash && clash.name !== t.name) {
    throw new DavError(403, `UID ${object.uid} is already used by ${clash.name}`, caldavCondition('no-uid-conflict', `<D:href>${collection.path}${encodeURIComponent(clash.name)}</D:href>`));
  }
  if (!existing && collection.resources.size >= limits.maxResourcesPerCollection) {
    throw new DavError(403, `a collection holds at most ${limits.maxResourcesPerCollection} resources`, { ns: 'http://calendarserver.org/ns/', name: 'max-resources' });
  }
  // In a calendar shared to the user, the owner's data changes: schedule as the owner (CalendarServer does).
  const actor = collection.source.owner;
  const outcome = scheduler.beforeStore(actor, collection, existing, object);
  const resource: StoredResource = {
    name: t.name,
    text: outcome.text,
    contentType: 'text/calendar; charset=utf-8',
    etag: freshTag(),
    uid: object.uid,
    component: object.component as StoredResource['component'],
    parsed: outcome.object,
    lastModified: req.clock.now(),
    ...(outcome.scheduleTag ? { scheduleTag: outcome.scheduleTag } : {}),
  };
  collection.put(resource);
  scheduler.afterStore(actor, collection, existing, resource);
  const headers: Record<string, string> = {};
  // RFC 4791 §5.3.4: an ETag only when what is stored is byte for byte what was sent.
  if (outcome.text === req.body) headers.ETag = resource.etag;
  if (resource.scheduleTag) headers['Schedule-Tag'] = resource.scheduleTag;
  return { status: existing ? 204 : 201, headers };
}

export function get(req: DavRequest, head: boolean): DavResponse {
  const t = req.target;
  if (t.kind === 'attachment') return getAttachment(req, t.attachment, head);
  if (t.kind !== 'object' || !t.resource) {
    if (t.kind === 'object' || t.kind === 'missing') throw new DavError(404, 'no such resource');
    // Collections have no body of their own.
    return { status: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: head ? '' : `${t.path}\n` };
  }
  const r = t.resource;
  const headers: Record<string, string> = {
    'Content-Type': r.contentType,
    ETag: r.etag,
    'Last-Modified': new Date(r.lastModified).toUTCString(),
  };
  if (r.scheduleTag) headers['Schedule-Tag'] = r.scheduleTag;
  const inm = header(req, 'if-none-match');
  if (inm !== undefined && listMatches(inm, r.etag)) return { status: 304, headers };
  return { status: 200, headers, body: head ? '' : r.text };
}

/** DELETE of a resource (with RFC 6638 CANCEL or REPLY) or of a calendar the user made. */
export function del(req: DavRequest, scheduler: Scheduler): DavResponse {
  const t = req.target;
  if (t.kind === 'object') {
    if (!t.resource) throw new DavError(404, 'no such resource');
    if (!t.collection.writable) throw new DavError(403, 'this shared calendar is read-only', davCondition('need-privileges'));
    checkPreconditions(req, t.resource);
    const removed = t.collection.remove(t.name)!;
    scheduler.afterDelete(t.collection.source.owner, t.collection, removed);
    return { status: 204 };
  }
  if (t.kind === 'collection') {
    if (['inbox', 'outbox', 'notification'].includes(t.collection.kind) || t.collection === t.collection.home.defaultCalendar) {
      throw new DavError(403, 'this collection cannot be deleted', davCondition('need-privileges'));
    }
    t.collection.home.delete(t.collection.name);
    return { status: 204 };
  }
  throw new DavError(t.kind === 'missing' ? 404 : 403, 'cannot delete this');
}
