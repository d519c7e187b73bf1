import { randomUUID } from 'node:crypto';
import ICAL from 'ical.js';
import { parseCalendarObject, type CalendarObject } from '../ical/calendar-object.js';
import { serialize } from '../ical/edit.js';
import { attachmentsOf, type Attachment, type AttachmentStore } from './attachment-store.js';
import { DavError, caldavCondition, davCondition } from './dav-error.js';
import { header, type DavRequest, type DavResponse } from './request.js';
import type { Scheduler } from './scheduling.js';
import { freshTag, type Collection, type Store, type StoredResource, type User } from './store.js';

/**
 * Managed attachments as CalendarServer does them (twistedcaldav/storebridge.py
 * POST_handler_attachment, txdav/caldav/datastore/sql_attachment.py):
 *
 * `POST <event>?action=attachment-add` with the bytes as the body stores them and adds
 * `ATTACH;MANAGED-ID=…;FMTTYPE=…;FILENAME=…;SIZE=…:<url>` to every component of the
 * event, then stores the event as a PUT by its owner would (new ETag; an organizer's
 * Schedule-Tag moves and the attendees get the new ATTACH through implicit
 * scheduling, since an added property is a significant change). The answer is 201
 * with `Cal-Managed-ID` and `Location`. `attachment-update` replaces the bytes (204),
 * `attachment-remove&managed-id=…` takes the ATTACH off (204). The URL is
 * CalendarServer's: `/calendars/__uids__/<owner>/dropbox/<dropbox id>/<name>-<first 8 of
 * the managed id>.<suffix>`.
 *
 * The bytes live in memory, bounded (store limits maxAttachmentSize, maxAttachmentBytes).
 * An attachment lives while the event it was added to still carries its ATTACH: that is
 * checked when it is read and when memory runs short, so no other code path (DELETE, a
 * PUT without the ATTACH, a deleted calendar) has to tell us.
 */

/** A request whose body the server also kept as bytes (attachments are not text). */
export interface BinaryDavRequest extends DavRequest {
  rawBody: Buffer;
}

/** A response whose body is bytes. */
export interface BinaryDavResponse extends DavResponse {
  bytes: Buffer;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: strips control characters from header values
const CONTROL = /[\x00-\x1f\x7f"]/g;

/** `attachment; filename="x.txt"` (also `filename=x.txt` and RFC 6266 `filename*=UTF-8''x.txt`) → the file name. */
export function dispositionFilename(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const star = /filename\*\s*=\s*[^']*'[^']*'([^;\s]+)/i.exec(value);
  if (star) {
    try {
      return decodeURIComponent(star[1]!);
    } catch {
      /* fall through to the plain parameter */
    }
  }
  const m = /(?:^|;)\s*filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i.exec(value);
  if (!m) return undefined;
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2];
}

/** CalendarServer's lastSegmentOfUriPath: `<name>-<managed id[:8]>.<suffix>` (suffix "unknown" when the name has none). */
function lastSegment(managedId: string, fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  const base = dot < 0 ? fileName : fileName.slice(0, dot);
  const suffix = dot < 0 ? 'unknown' : fileName.slice(dot + 1);
  return `${base}-${managedId.slice(0, 8)}.${suffix}`;
}

/** The calendar data with `edit` applied to every component of the object's type (master and overrides). */
function editComponents(r: StoredResource, edit: (c: ICAL.Component) => void): string {
  const vcal = new ICAL.Component(ICAL.parse(r.text) as unknown[]);
  const name = (r.component ?? 'VEVENT').toLowerCase();
  for (const c of vcal.getAllSubcomponents(name)) edit(c);
  return serialize(vcal);
}

function attachProperty(a: Attachment, url: string): ICAL.Property {
  const p = new ICAL.Property('attach');
  p.setParameter('managed-id', a.managedId);
  p.setParameter('fmttype', a.contentType.split(';')[0]!.trim().toLowerCase() || 'application/octet-stream');
  p.setParameter('filename', a.fileName);
  p.setParameter('size', String(a.bytes.length));
  p.setValue(url);
  return p;
}

const hasManagedId = (p: ICAL.Property, id: string) => String(p.getParameter('managed-id') ?? '') === id;

/** Store new calendar data for the event, as a PUT by the calendar's owner would (implicit scheduling included). */
function storeEvent(req: DavRequest, scheduler: Scheduler, collection: Collection, existing: StoredResource, text: string): void {
  const limits = req.store.limits;
  if (Buffer.byteLength(text) > limits.maxResourceSize) throw new DavError(403, `the event would be larger than ${limits.maxResourceSize} bytes`, caldavCondition('max-resource-size'));
  const result = parseCalendarObject(text, { maxInstances: limits.maxInstances });
  if (!result.ok) throw new DavError(500, `rewriting the event failed: ${result.message}`);
  const actor = collection.source.owner;
  const outcome = scheduler.beforeStore(actor, collection, existing, result.object);
  const resource: StoredResource = {
    name: existing.name,
    text: outcome.text,
    contentType: existing.contentType,
    etag: freshTag(),
    uid: result.object.uid,
    component: result.object.component as StoredResource['component'],
    parsed: outcome.object,
    lastModified: req.clock.now(),
    ...(outcome.scheduleTag ? { scheduleTag: outcome.scheduleTag } : {}),
  };
  collection.put(resource);
  scheduler.afterStore(actor, collection, existing, resource);
}

function origin(req: DavRequest): string {
  const host = header(req, 'host');
  return host && /^[A-Za-z0-9.:[\]-]+$/.test(host) ? `http://${host}` : '';
}

/** POST `<event>?action=attachment-add|attachment-update|attachment-remove`. */
export function attachmentPost(req: DavRequest, scheduler: Scheduler): DavResponse {
  const t = req.target;
  if (t.kind !== 'object' || !t.resource) throw new DavError(404, 'no such resource');
  const collection = t.collection;
  const existing = t.resource;
  const action = req.query.get('action') ?? '';
  const precondition = { 'attachment-add': 'valid-attachment-add', 'attachment-update': 'valid-attachment-update', 'attachment-remove': 'valid-attachment-remove' }[action];
  if (!precondition) throw new DavError(403, 'The action parameter in the request-URI is not valid', caldavCondition('valid-action-parameter'));
  if (collection.kind !== 'calendar' || !existing.parsed) throw new DavError(403, 'attachments belong to calendar object resources', caldavCondition(precondition));
  if (!collection.writable) throw new DavError(403, 'this shared calendar is read-only', davCondition('need-privileges'));
  if (req.query.get('rid')) throw new DavError(403, 'Server does not support per-instance attachments', caldavCondition('valid-rid-parameter'));
  // Only organizers (or events without attendees) manage attachments (CalendarServer's _checkValidManagedAttachmentChange).
  if (scheduler.role(collection.source.owner, existing.parsed as CalendarObject) === 'attendee') {
    throw new DavError(403, 'Attendees are not allowed to manipulate managed attachments', caldavCondition(precondition));
  }
  const atts = attachmentsOf(req.store);

  if (action === 'attachment-remove') {
    const a = managed(req, atts, precondition);
    storeEvent(req, scheduler, collection, existing, editComponents(existing, (c) => {
      for (const p of c.getAllProperties('attach')) if (hasManagedId(p, a.managedId)) c.removeProperty(p);
    }));
    atts.free(a);
    return { status: 204 };
  }

  const bytes = (req as Partial<BinaryDavRequest>).rawBody ?? Buffer.from(req.body, 'utf8');
  const limits = req.store.limits;
  if (bytes.length > limits.maxAttachmentSize) throw new DavError(403, `an attachment is at most ${limits.maxAttachmentSize} bytes`, caldavCondition('max-attachment-size'));
  const contentType = (header(req, 'content-type') ?? '').replace(CONTROL, '').trim() || 'application/octet-stream';
  const fileName = (dispositionFilename(header(req, 'content-disposition')) ?? '').replace(CONTROL, '').trim() || randomUUID();
  const growth = action === 'attachment-update' ? bytes.length - (atts.get(req.query.get('managed-id') ?? '')?.bytes.length ?? 0) : bytes.length;
  if (atts.totalBytes + growth > limits.maxAttachmentBytes) {
    atts.sweep();
    if (atts.totalBytes + growth > limits.maxAttachmentBytes) {
      throw new DavError(507, `the testbed holds at most ${limits.maxAttachmentBytes} bytes of attachments`, davCondition('quota-not-exceeded'));
    }
  }

  if (action === 'attachment-update') {
    const a = managed(req, atts, precondition);
    const url = `${origin(req)}${a.path}`;
    const previous = { bytes: a.bytes, fileName: a.fileName, contentType: a.contentType, etag: a.etag };
    atts.replaceBytes(a, bytes);
    a.fileName = fileName;
    a.contentType = contentType;
    try {
      storeEvent(req, scheduler, collection, existing, editComponents(existing, (c) => {
        for (const p of c.getAllProperties('attach')) {
          if (!hasManagedId(p, a.managedId)) continue;
          c.removeProperty(p);
          c.addProperty(attachProperty(a, url));
        }
      }));
    } catch (e) {
      atts.replaceBytes(a, previous.bytes);
      Object.assign(a, previous);
      throw e;
    }
    return { status: 204, headers: { Location: url, 'Cal-Managed-ID': a.managedId } };
  }

  // attachment-add
  const owner: User = collection.source.owner;
  const managedId = randomUUID().toUpperCase();
  const dropbox = atts.dropboxOf(collection.source, existing.name);
  const segment = lastSegment(managedId, fileName);
  const path = `/calendars/__uids__/${encodeURIComponent(owner.uid)}/dropbox/${encodeURIComponent(dropbox)}/${encodeURIComponent(segment)}`;
  const a: Attachment = { managedId, path, collection: collection.source, resourceName: existing.name, key: `${owner.uid}/${dropbox}/${segment}`, fileName, contentType, bytes, etag: freshTag() };
  const url = `${origin(req)}${path}`;
  storeEvent(req, scheduler, collection, existing, editComponents(existing, (c) => c.addProperty(attachProperty(a, url))));
  atts.add(a);
  return { status: 201, headers: { Location: url, 'Cal-Managed-ID': managedId } };
}

/** The attachment named by `managed-id`, which must belong to this event. */
function managed(req: DavRequest, atts: AttachmentStore, precondition: string): Attachment {
  const id = req.query.get('managed-id');
  if (!id) throw new DavError(403, 'The managed-id parameter is missing from the request-URI', caldavCondition('valid-managed-id-parameter'));
  const t = req.target as Extract<DavRequest['target'], { kind: 'object' }>;
  const a = atts.get(id);
  if (!a || a.collection !== t.collection.source || a.resourceName !== t.name || !atts.live(a)) {
    throw new DavError(403, `managed-id ${id} is not an attachment of this event`, caldavCondition(precondition === 'valid-attachment-remove' ? 'valid-managed-id-parameter' : 'valid-managed-id'));
  }
  return a;
}

/** Who may read an attachment: the calendar's owner, its sharees, and the event's local organizer and attendees. */
function mayRead(store: Store, a: Attachment, user: User): boolean {
  if (a.collection.owner === user) return true;
  for (const v of a.collection.views) if (v.home.owner === user) return true;
  const parsed = a.collection.resources.get(a.resourceName)?.parsed as CalendarObject | undefined;
  if (!parsed) return false;
  if (parsed.organizer && store.userByAddress(parsed.organizer) === user) return true;
  return parsed.attendees.some((x) => store.userByAddress(x.address) === user);
}

/** GET (or HEAD) of an attachment URL: the bytes, 404 when unknown or no event carries it, 403 for anyone else. */
export function getAttachment(req: DavRequest, attachment: Attachment | undefined, head: boolean): BinaryDavResponse {
  const atts = attachmentsOf(req.store);
  if (!attachment || !atts.live(attachment)) {
    if (attachment) atts.free(attachment);
    throw new DavError(404, 'no such attachment');
  }
  if (!mayRead(req.store, attachment, req.user)) throw new DavError(403, 'this attachment belongs to an event you cannot read', davCondition('need-privileges'));
  return {
    status: 200,
    headers: { 'Content-Type': attachment.contentType, ETag: attachment.etag },
    bytes: head ? Buffer.alloc(0) : attachment.bytes,
  };
}
