import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { parseCalendarObject, type CalendarObject } from '../ical/calendar-object.js';
import { applyReply, attendeeCopy, isSchedulingSignificantChange, itipMessage, partstatOf, resetPartstatsOnReschedule, withPartstat } from '../ical/itip.js';
import { freshTag, type Collection, type Store, type StoredResource, type User } from './store.js';

/** What PUT stores, as the scheduler decides it. */
export interface StoreOutcome {
  text: string;
  object: CalendarObject;
  scheduleTag?: string;
}

type Role = 'organizer' | 'attendee' | 'none';

const parsedOf = (r: StoredResource | undefined) => r?.parsed as CalendarObject | undefined;

/** An iTIP message as calendar data: the same VCALENDAR without METHOD, which stored resources must not carry (RFC 4791 §4.1). */
function withoutMethod(message: string): string {
  return message.replace(/^METHOD:[^\r\n]*\r\n/m, '');
}

/**
 * Implicit scheduling (RFC 6638 §3): the server, not the client, delivers
 * invitations, replies and cancellations to local users' inboxes and keeps
 * the organizer's and attendees' copies in step.
 *
 * Schedule-Tag (RFC 6638 §3.2.10): the organizer's resource gets a new tag on
 * every organizer write, but not when the server merges an attendee's reply;
 * an attendee's resource gets a new tag when the server writes an organizer's
 * change into it, but not when the attendee changes its own participation.
 * That is what lets an attendee PUT with If-Schedule-Tag-Match fail (412)
 * exactly when the organizer changed the event underneath it.
 */
export class Scheduler {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  private isUser(address: string | undefined, user: User): boolean {
    return address !== undefined && this.store.userByAddress(address) === user;
  }

  role(user: User, object: CalendarObject): Role {
    if (!object.organizer) return 'none';
    if (this.isUser(object.organizer, user)) return object.attendees.length > 0 ? 'organizer' : 'none';
    return object.attendees.some((a) => this.isUser(a.address, user)) ? 'attendee' : 'none';
  }

  /** The address this user appears under in the object (as an attendee or organizer). */
  private addressIn(user: User, object: CalendarObject): string {
    if (this.isUser(object.organizer, user)) return object.organizer!;
    return object.attendees.find((a) => this.isUser(a.address, user))?.address ?? user.mailto;
  }

  beforeStore(user: User, _collection: Collection, existing: StoredResource | undefined, object: CalendarObject): StoreOutcome {
    switch (this.role(user, object)) {
      case 'organizer': {
        // A reschedule puts every attendee back to NEEDS-ACTION (RFC 6638 §3.2.8), in the organizer's copy too.
        const before = parsedOf(existing);
        const text = before ? resetPartstatsOnReschedule(before, object) : object.text;
        const reparsed = text === object.text ? undefined : parseCalendarObject(text);
        return { text, object: reparsed?.ok ? reparsed.object : object, scheduleTag: freshTag() };
      }
      case 'attendee':
        return { text: object.text, object, scheduleTag: existing?.scheduleTag ?? freshTag() };
      default:
        return { text: object.text, object };
    }
  }

  afterStore(user: User, _collection: Collection, existing: StoredResource | undefined, stored: StoredResource): void {
    const now = parsedOf(stored)!;
    const before = parsedOf(existing);
    const role = this.role(user, now);
    if (role === 'organizer') {
      const significant = !before || isSchedulingSignificantChange(before, now);
      const current = new Set(now.attendees.map((a) => a.address));
      for (const a of now.attendees) {
        const attendee = this.store.userByAddress(a.address);
        if (!attendee || attendee === user) continue;
        const copy = this.findByUid(attendee, now.uid);
        // A new attendee is always invited; the others only on a significant change.
        if (significant || !copy) this.invite(attendee, a.address, now, copy);
      }
      for (const a of before?.attendees ?? []) {
        if (current.has(a.address)) continue;
        const attendee = this.store.userByAddress(a.address);
        if (attendee && attendee !== user) this.cancelFor(attendee, a.address, before!, true);
      }
    } else if (role === 'attendee') {
      const address = this.addressIn(user, now);
      const was = before ? partstatOf(before, address) : undefined;
      if (partstatOf(now, address) !== was) this.reply(address, now);
    }
  }

  afterDelete(user: User, _collection: Collection, removed: StoredResource): void {
    const object = parsedOf(removed);
    if (!object) return;
    const role = this.role(user, object);
    if (role === 'organizer') {
      for (const a of object.attendees) {
        const attendee = this.store.userByAddress(a.address);
        if (attendee && attendee !== user) this.cancelFor(attendee, a.address, object, false);
      }
    } else if (role === 'attendee') {
      // An attendee removing the event declines it (RFC 6638 §3.2.2.3).
      const address = this.addressIn(user, object);
      const declined = parseCalendarObject(withPartstat(object, address, 'DECLINED'));
      if (declined.ok) this.reply(address, declined.object);
    }
  }

  /** The calendar resource with this UID in any of the user's calendars. */
  findByUid(user: User, uid: string): { collection: Collection; resource: StoredResource } | undefined {
    for (const c of user.home.collections.values()) {
      if (c.kind !== 'calendar') continue;
      const r = c.findByUid(uid);
      if (r) return { collection: c, resource: r };
    }
    return undefined;
  }

  private deliver(recipient: User, text: string, method: string): void {
    const inbox = recipient.home.inbox;
    inbox.put({
      name: `${randomUUID()}.ics`,
      text,
      contentType: `text/calendar; charset=utf-8; method=${method}`,
      etag: freshTag(),
      lastModified: this.clock.now(),
    });
  }

  private writeCopy(user: User, at: { collection: Collection; resource?: StoredResource } | undefined, text: string, scheduleTag: string | undefined): void {
    const parsed = parseCalendarObject(text);
    if (!parsed.ok) return; // our own output; cannot happen, and must not break the organizer's PUT
    const collection = at?.collection ?? user.home.defaultCalendar;
    if (!collection) return;
    collection.put({
      name: at?.resource?.name ?? `${randomUUID()}.ics`,
      text,
      contentType: 'text/calendar; charset=utf-8',
      etag: freshTag(),
      uid: parsed.object.uid,
      component: parsed.object.component as StoredResource['component'],
      parsed: parsed.object,
      lastModified: this.clock.now(),
      ...(scheduleTag ? { scheduleTag } : {}),
    });
  }

  private invite(attendee: User, address: string, organizerObject: CalendarObject, copy: ReturnType<Scheduler['findByUid']>): void {
    this.deliver(attendee, itipMessage(organizerObject, 'REQUEST', { recipient: address }), 'REQUEST');
    // A server-made change of the attendee's copy: a new Schedule-Tag.
    this.writeCopy(attendee, copy, attendeeCopy(organizerObject, address, parsedOf(copy?.resource)), freshTag());
  }

  /**
   * CANCEL to one attendee: the whole event (it was deleted) or just their
   * place in it (`uninvited`: removed from an event that goes on, RFC 5546
   * §3.2.5). Either way their copy stays, marked cancelled, until their
   * client removes it, which is what the Accepter profile does.
   */
  private cancelFor(attendee: User, address: string, organizerObject: CalendarObject, uninvited: boolean): void {
    const message = itipMessage(organizerObject, 'CANCEL', { recipient: address, uninvite: uninvited });
    this.deliver(attendee, message, 'CANCEL');
    const copy = this.findByUid(attendee, organizerObject.uid);
    if (copy) {
      const full = uninvited ? itipMessage(organizerObject, 'CANCEL', { recipient: address }) : message;
      this.writeCopy(attendee, copy, withoutMethod(full), freshTag());
    }
  }

  private reply(address: string, attendeeObject: CalendarObject): void {
    const organizer = attendeeObject.organizer ? this.store.userByAddress(attendeeObject.organizer) : undefined;
    if (!organizer) return;
    const message = itipMessage(attendeeObject, 'REPLY', { attendee: address });
    this.deliver(organizer, message, 'REPLY');
    const copy = this.findByUid(organizer, attendeeObject.uid);
    const orgObject = parsedOf(copy?.resource);
    const replyParsed = parseCalendarObject(withoutMethod(message));
    if (copy && orgObject && replyParsed.ok) {
      // Merging a reply keeps the organizer's Schedule-Tag (RFC 6638 §3.2.10).
      this.writeCopy(organizer, copy, applyReply(orgObject, replyParsed.object), copy.resource.scheduleTag);
    }
  }
}
