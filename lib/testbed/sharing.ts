import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { NS, ROOT_XMLNS } from '../xml/namespaces.js';
import { child, parseXml, textOf, type XmlElement } from '../xml/parse.js';
import { escapeXml } from '../xml/write.js';
import { DavError } from './dav-error.js';
import { header, statusLine, type DavRequest, type DavResponse } from './request.js';
import { Collection, freshTag, type ChangeLog, type Home, type StoredResource, type User } from './store.js';

/**
 * Calendar sharing as CalendarServer does it (twistedcaldav/sharing.py,
 * txdav/common/datastore/sql_sharing.py; doc/Extensions/caldav-sharing.txt):
 *
 * - the owner POSTs `CS:share` (`CS:set` / `CS:remove` per sharee) to the calendar;
 * - each new sharee gets an invitation, a `CS:notification` document in their
 *   notification collection, named `<invite uid>.xml`;
 * - the sharee POSTs `CS:invite-reply` to their calendar home; on accept the calendar
 *   appears in their home under a new name, and the owner gets a reply notification
 *   (`<invite uid>-reply.xml`);
 * - the owner's calendar then has resourcetype `CS:shared-owner` and a `CS:invite`
 *   property listing the sharees; the sharee's has `CS:shared`, `CS:invite` (with the
 *   organizer) and `CS:shared-url`.
 *
 * The sharee's calendar is a view ({@link SharedCalendar}): another URL, in the
 * sharee's home, for the owner's members. A sharee's PUT lands in the owner's calendar.
 */

export type ShareAccess = 'read' | 'read-write';
export type InviteStatus = 'noresponse' | 'accepted' | 'declined' | 'deleted';

export interface Invite {
  /** The invitation's uid (CS:uid, CS:in-reply-to, the notification's name). */
  readonly uid: string;
  /** The owner's calendar. */
  readonly calendar: Collection;
  readonly sharee: User;
  access: ShareAccess;
  status: InviteStatus;
  /** CS:summary of the CS:set, shown to the sharee. */
  summary: string;
  /** The sharee's view, while accepted. */
  view: SharedCalendar | undefined;
}

/** Invitations of an owner's calendar, in the order they were made. */
const invitesByCalendar = new WeakMap<Collection, Map<User, Invite>>();
/** Invitations a user received, by uid (what a CS:invite-reply names). */
const invitesBySharee = new WeakMap<User, Map<string, Invite>>();

export function invitesOf(calendar: Collection): Invite[] {
  const m = invitesByCalendar.get(calendar);
  return m ? [...m.values()] : [];
}

/**
 * A sharee's view of an owner's calendar: its own URL, name, display name and dead
 * properties (CalendarServer keeps those per user), the owner's members, change log
 * and sync-token space. Writes go to the owner's calendar, which tells every view's
 * home (store.ts, Collection.membersChanged).
 */
export class SharedCalendar extends Collection {
  constructor(
    home: Home,
    name: string,
    readonly invite: Invite,
    displayName: string,
  ) {
    const source = invite.calendar;
    super(home, name, 'calendar', source.components, displayName);
    // The same objects, not copies: this is a second URL for the owner's calendar.
    const shared = this as unknown as { id: number; resources: Map<string, StoredResource>; log: ChangeLog };
    shared.id = source.id;
    shared.resources = source.resources;
    shared.log = source.log;
  }

  override get source(): Collection {
    return this.invite.calendar;
  }
  override get writable(): boolean {
    return this.invite.access === 'read-write';
  }
  override put(resource: StoredResource): void {
    this.invite.calendar.put(resource);
  }
  override remove(name: string): StoredResource | undefined {
    return this.invite.calendar.remove(name);
  }
  /**
   * Nothing, on purpose: UID lookups on a collection are made for its home's owner
   * (implicit scheduling looks for the attendee's own copy, RFC 6638), and a sharee's
   * view holds the owner's copies, never the sharee's (CalendarServer looks up UIDs
   * with allowShared=False). Uniqueness checks use `source.findByUid`.
   */
  override findByUid(_uid: string): StoredResource | undefined {
    return undefined;
  }
}

/** `<D:collection/><C:calendar/>` is followed by this: CS:shared for a view, CS:shared-owner for a calendar with invitations. */
export function sharedResourceType(c: Collection): string {
  if (c.source !== c) return '<CS:shared/>';
  return invitesByCalendar.get(c)?.size ? '<CS:shared-owner/>' : '';
}

const accessXml = (a: ShareAccess) => (a === 'read' ? '<CS:access><CS:read/></CS:access>' : '<CS:access><CS:read-write/></CS:access>');
const statusXml = (s: InviteStatus) => `<CS:invite-${s}/>`;
const href = (h: string) => `<D:href>${escapeXml(h)}</D:href>`;
/** How CalendarServer names a sharee in invitations: urn:x-uid: and the record's uid (our GUID). */
const shareeHref = (u: User) => `urn:x-uid:${u.record.guid}`;
const commonName = (u: User) => `<CS:common-name>${escapeXml(u.record.commonName)}</CS:common-name>`;
const organizer = (u: User) => `<CS:organizer>${href(u.principalPath)}${commonName(u)}</CS:organizer>`;

/** CS:invite (inner XML): the owner sees every sharee with the invitation uid; a sharee sees the organizer and the sharees. */
export function inviteProperty(c: Collection): string | undefined {
  if (c.kind !== 'calendar') return undefined;
  const users = (withUid: boolean) =>
    invitesOf(c.source)
      .map((i) => `<CS:user>${withUid ? `<CS:uid>${escapeXml(i.uid)}</CS:uid>` : ''}${href(shareeHref(i.sharee))}${commonName(i.sharee)}${accessXml(i.access)}${statusXml(i.status)}</CS:user>`)
      .join('');
  if (c.source !== c) return organizer(c.source.owner) + users(false);
  return invitesByCalendar.get(c)?.size ? users(true) : undefined;
}

/** CS:shared-url of a sharee's view: the owner's calendar. */
export function sharedUrlProperty(c: Collection): string | undefined {
  return c.source !== c ? href(c.source.path) : undefined;
}

function dtstamp(clock: Clock): string {
  return new Date(clock.now()).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

const NOTIFICATION_TYPE_INVITE = '<CS:invite-notification shared-type="calendar"/>';
const NOTIFICATION_TYPE_REPLY = '<CS:invite-reply/>';

function notificationsOf(user: User): Collection {
  return user.home.collections.get('notification')!;
}

function writeNotification(user: User, name: string, type: string, inner: string, clock: Clock): void {
  const text = `<?xml version="1.0" encoding="utf-8"?>\n<CS:notification${ROOT_XMLNS}><CS:dtstamp>${dtstamp(clock)}</CS:dtstamp>${inner}</CS:notification>`;
  notificationsOf(user).put({ name, text, contentType: 'text/xml', etag: freshTag(), lastModified: clock.now(), notificationType: type });
}

/** The invitation as the sharee reads it (CalendarServer's StoreNotificationObjectFile.text). */
function sendInvite(invite: Invite, clock: Clock, status: InviteStatus = invite.status): void {
  const cal = invite.calendar;
  const comps = `<C:supported-calendar-component-set>${cal.components.map((n) => `<C:comp name="${n}"/>`).join('')}</C:supported-calendar-component-set>`;
  const inner =
    `<CS:invite-notification shared-type="calendar"><CS:uid>${escapeXml(invite.uid)}</CS:uid>${href(shareeHref(invite.sharee))}${statusXml(status)}` +
    `${accessXml(invite.access)}<CS:hosturl>${href(cal.path)}</CS:hosturl>${organizer(cal.owner)}<CS:summary>${escapeXml(invite.summary)}</CS:summary>${comps}</CS:invite-notification>`;
  writeNotification(invite.sharee, `${invite.uid}.xml`, NOTIFICATION_TYPE_INVITE, inner, clock);
}

/** The sharee's answer, as the owner reads it. */
function sendReply(invite: Invite, clock: Clock, summary: string | undefined): void {
  const s = invite.sharee;
  const inner =
    `<CS:invite-reply shared-type="calendar">${href(s.mailto)}${statusXml(invite.status)}<CS:hosturl>${href(invite.calendar.path)}</CS:hosturl>` +
    `<CS:in-reply-to>${escapeXml(invite.uid)}</CS:in-reply-to>${summary ? `<CS:summary>${escapeXml(summary)}</CS:summary>` : ''}${commonName(s)}</CS:invite-reply>`;
  writeNotification(invite.calendar.owner, `${invite.uid}-reply.xml`, NOTIFICATION_TYPE_REPLY, inner, clock);
}

/** Take the view out of the sharee's home without it counting as the sharee's decline. */
function unmount(invite: Invite): void {
  const view = invite.view;
  if (!view) return;
  invite.view = undefined;
  view.onRemove = undefined;
  invite.calendar.views.delete(view);
  view.home.delete(view.name);
}

/** The owner takes a sharee off (CS:remove, or the calendar is deleted). */
function uninvite(invite: Invite, clock: Clock): void {
  const { calendar, sharee } = invite;
  if (invite.status === 'accepted') sendInvite(invite, clock, 'deleted');
  else notificationsOf(sharee).remove(`${invite.uid}.xml`);
  unmount(invite);
  invitesByCalendar.get(calendar)?.delete(sharee);
  invitesBySharee.get(sharee)?.delete(invite.uid);
}

function invite(calendar: Collection, sharee: User, access: ShareAccess, summary: string, clock: Clock): void {
  let byUser = invitesByCalendar.get(calendar);
  if (!byUser) invitesByCalendar.set(calendar, (byUser = new Map()));
  const existing = byUser.get(sharee);
  if (existing) {
    // CalendarServer's inviteUserUpdateToShare: new access and summary; a declined invitation is made again.
    existing.access = access;
    existing.summary = summary;
    if (existing.status !== 'accepted') existing.status = 'noresponse';
    sendInvite(existing, clock);
    return;
  }
  const i: Invite = { uid: randomUUID(), calendar, sharee, access, status: 'noresponse', summary, view: undefined };
  byUser.set(sharee, i);
  let received = invitesBySharee.get(sharee);
  if (!received) invitesBySharee.set(sharee, (received = new Map()));
  received.set(i.uid, i);
  // Deleting a shared calendar takes every sharee off (CalendarServer's ownerDeleteShare).
  calendar.onRemove = () => {
    for (const x of invitesOf(calendar)) uninvite(x, clock);
  };
  sendInvite(i, clock);
}

function bad(message: string, name = 'valid-request'): DavError {
  return new DavError(403, message, { ns: NS.CS, name });
}

interface ShareSet {
  href: string;
  user: User | undefined;
  access: ShareAccess;
  summary: string;
}

/** POST CS:share to an owned calendar (CalendarServer's _handleInvite). */
function share(req: DavRequest, calendar: Collection, root: XmlElement): DavResponse {
  const sets = new Map<string, ShareSet>();
  const removes = new Map<string, User | undefined>();
  for (const item of root.children) {
    if (item.ns !== NS.CS) continue;
    if (item.name === 'set') {
      const h = textOf(child(item, NS.DAV, 'href'));
      const summary = child(item, NS.CS, 'summary');
      const access: ShareAccess | undefined = child(item, NS.CS, 'read-write') ? 'read-write' : child(item, NS.CS, 'read') ? 'read' : undefined;
      const missing = [!h && 'missing href', !access && 'missing access', !summary && 'missing summary'].filter(Boolean);
      if (missing.length) throw bad(`CS:set: ${missing.join(', ')}`);
      sets.set(h, { href: h, user: req.store.userByAddress(h), access: access!, summary: textOf(summary) });
    } else if (item.name === 'remove') {
      const h = textOf(child(item, NS.DAV, 'href'));
      if (!h) throw bad('CS:remove: missing href');
      removes.set(h, req.store.userByAddress(h));
    }
  }
  // A sharee must be another local user; one bad sharee and nothing changes (then 424 for the good ones).
  const badHrefs = [...sets.values()].filter((s) => !s.user || s.user === calendar.owner).map((s) => s.href);
  if (badHrefs.length) {
    const ok = [...new Set([...sets.keys(), ...removes.keys()])].filter((h) => !badHrefs.includes(h)).sort();
    const responses = ok.map((h) => `<D:response>${href(h)}${statusLine(424)}</D:response>`).join('') + badHrefs.sort().map((h) => `<D:response>${href(h)}${statusLine(403)}</D:response>`).join('');
    return { status: 207, headers: { 'Content-Type': 'text/xml; charset=utf-8' }, body: `<?xml version="1.0" encoding="utf-8"?>\n<D:multistatus${ROOT_XMLNS}>${responses}</D:multistatus>` };
  }
  for (const [h, user] of removes) {
    // Removing and setting the same sharee in one request is an update (CalendarServer does the same).
    if (sets.has(h) || !user) continue;
    const i = invitesByCalendar.get(calendar)?.get(user);
    if (i) uninvite(i, req.clock);
  }
  for (const s of sets.values()) invite(calendar, s.user!, s.access, s.summary, req.clock);
  // CS:invite and the resourcetype changed: the owner's home sync and push show the calendar changed.
  calendar.propsChanged();
  return { status: 200 };
}

/** POST CS:invite-reply to the sharee's home (CalendarServer's SharedHomeMixin._handleInviteReply). */
function inviteReply(req: DavRequest, home: Home, root: XmlElement): DavResponse {
  const accepted = child(root, NS.CS, 'invite-accepted') ? true : child(root, NS.CS, 'invite-declined') ? false : undefined;
  const hostUrl = textOf(child(child(root, NS.CS, 'hosturl'), NS.DAV, 'href'));
  const inReplyTo = textOf(child(root, NS.CS, 'in-reply-to'));
  const summaryEl = child(root, NS.CS, 'summary');
  if (accepted === undefined || !hostUrl || !inReplyTo) throw bad('CS:invite-reply needs invite-accepted or invite-declined, hosturl and in-reply-to');
  const i = invitesBySharee.get(home.owner)?.get(inReplyTo);
  if (!i) throw bad('Invite UID not valid', 'invalid-share');
  const summary = summaryEl ? textOf(summaryEl) : undefined;
  if (accepted) {
    if (!i.view) {
      i.status = 'accepted';
      const view = new SharedCalendar(home, randomUUID().toUpperCase(), i, summary || i.calendar.displayName);
      i.view = view;
      view.onRemove = () => shareeRemoved(i, req.clock);
      i.calendar.views.add(view);
      home.add(view);
      sendReply(i, req.clock, summary);
      i.calendar.propsChanged();
    }
    return {
      status: 200,
      headers: { 'Content-Type': 'text/xml; charset=utf-8' },
      body: `<?xml version="1.0" encoding="utf-8"?>\n<CS:shared-as${ROOT_XMLNS}>${href(i.view.path)}</CS:shared-as>`,
    };
  }
  if (i.status !== 'declined') {
    i.status = 'declined';
    unmount(i);
    sendReply(i, req.clock, undefined);
    i.calendar.propsChanged();
  }
  return { status: 204 };
}

/** The sharee deleted their view: CalendarServer treats that as declining. */
function shareeRemoved(i: Invite, clock: Clock): void {
  const view = i.view;
  if (!view) return;
  i.view = undefined;
  i.calendar.views.delete(view);
  i.status = 'declined';
  sendReply(i, clock, undefined);
  i.calendar.propsChanged();
}

/** A sharing POST: CS:share to an owned calendar, CS:invite-reply to one's home; text/xml or application/xml. */
export function sharingPost(req: DavRequest): DavResponse {
  const t = req.target;
  const type = (header(req, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'text/xml' && type !== 'application/xml') throw new DavError(403, `POST to a collection takes text/xml, got "${type}"`);
  let root: XmlElement;
  try {
    root = parseXml(req.body);
  } catch {
    throw bad('Invalid XML');
  }
  if (root.ns === NS.CS && root.name === 'share') {
    if (t.kind !== 'collection' || t.collection.kind !== 'calendar' || t.collection.source !== t.collection) throw bad('Sharing not supported on this resource');
    return share(req, t.collection, root);
  }
  if (root.ns === NS.CS && root.name === 'invite-reply') {
    if (t.kind !== 'home') throw bad('Sharing not supported on this resource');
    return inviteReply(req, t.home, root);
  }
  throw bad(`Unsupported XML {${root.ns}}${root.name}`);
}

