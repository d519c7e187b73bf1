import type ICAL from 'ical.js';
import type { ProfileContext } from '../lib/registry/profile.js';
import { calendarText, isSelf, mainComponent, mayMention, parseCalendar, uidOf } from './calendar-data.js';
import { OperationFailed, ProfileBase } from './profile-base.js';

/**
 * How many times an accept is retried after a 412 (the event changed on the
 * server: re-read it and try again). The original retried without end; a
 * server that answers 412 for good would have kept it busy for the rest of
 * the run, so here the operation fails after this many retries.
 */
export const ACCEPT_RETRIES = 3;

/**
 * Accepter (the original's profiles.py): answers what the client's polls bring in.
 *
 * - An event in a calendar where the user is an ATTENDEE with
 *   PARTSTAT=NEEDS-ACTION (and not STATUS:CANCELLED, which the original did not
 *   check): after an `acceptDelayDistribution` wait, the user's
 *   ATTENDEE becomes PARTSTAT=ACCEPTED without RSVP and the event is PUT as
 *   attendee (`PUT{attendee-<n>}`, If-Schedule-Tag-Match); on 412 it is re-read
 *   (`GET{event}`) and the change made again, at most ACCEPT_RETRIES times;
 *   then the inbox item with the same UID is deleted. Operation `accept`.
 * - In the inbox, a METHOD:REPLY item is deleted at once (operation
 *   `reply done`); a METHOD:CANCEL item after an `acceptDelayDistribution`
 *   wait, and with it the calendar event of the same UID (operation
 *   `cancelled`). Invitations (METHOD:REQUEST) stay until their accept.
 *
 * An href is never handled twice at once: a change notification that arrives
 * while one is pending (our own re-read on 412, a poll) is ignored, and once
 * the handling ends a later change is considered afresh (a re-invitation is
 * accepted again).
 */
export class Accepter extends ProfileBase {
  private readonly handling = new Set<string>();

  constructor(ctx: ProfileContext) {
    super(ctx, 'Accepter');
  }

  /** From before the client's startup, as the original: what the first poll fetches is answered too. */
  protected override subscribe(): void {
    this.listen((href) => this.eventChanged(href));
  }

  protected run(): void {}

  private eventChanged(href: string): void {
    if (this.handling.has(href)) return;
    const collection = this.client.state.calendarOf(href);
    if (!collection) return;
    if (collection.kind === 'inbox') this.inboxItemChanged(href);
    else this.calendarEventChanged(href);
  }

  // ---- invitations in calendars ---------------------------------------------------------------

  private calendarEventChanged(href: string): void {
    const data = this.client.state.events.get(href)?.data;
    // Only an event with attendees can wait for this user's answer: the others are not parsed.
    if (!mayMention(data, 'ATTENDEE')) return;
    const vcal = parseCalendar(data);
    const main = vcal && mainComponent(vcal);
    if (!main || !this.selfAttendees(main).some((a) => partstat(a) === 'NEEDS-ACTION')) return;
    // A cancelled event waits for its CANCEL to be handled; the original accepted it all the same.
    if (String(main.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED') return;
    this.handleLater(href, this.seconds('acceptDelayDistribution'), (lagMs) => this.accept(href, lagMs));
  }

  private async accept(href: string, lagMs: number): Promise<void> {
    await this.operation('accept', lagMs, async () => {
      let uid: string | undefined;
      for (let retries = 0; ; retries++) {
        const accepted = this.acceptedText(href);
        // Gone from the cache, or the user is no longer invited: nothing left to accept.
        if (!accepted) return;
        uid = accepted.uid;
        const status = await this.client.changeEventAttendee(href, accepted.text);
        if (status !== 412) break;
        if (retries >= ACCEPT_RETRIES) throw new OperationFailed(`the attendee change was refused with 412 ${retries + 1} times`);
        await this.client.updateEvent(href);
      }
      const item = uid === undefined ? undefined : this.findByUid(uid, 'inbox');
      if (item) await this.client.deleteEvent(item);
    });
  }

  /** The cached event with the user's ATTENDEE set to ACCEPTED and its RSVP removed, in every instance that waits for an answer. */
  private acceptedText(href: string): { text: string; uid: string } | undefined {
    const vcal = parseCalendar(this.client.state.events.get(href)?.data);
    const main = vcal && mainComponent(vcal);
    if (!vcal || !main) return undefined;
    const mine = this.selfAttendees(main);
    if (mine.length === 0) return undefined;
    for (const component of [...vcal.getAllSubcomponents('vevent'), ...vcal.getAllSubcomponents('vtodo')]) {
      for (const attendee of this.selfAttendees(component)) {
        // The master's answer is always given (a retry after 412 re-applies it); an override already answered keeps its answer.
        if (component !== main && partstat(attendee) !== 'NEEDS-ACTION') continue;
        attendee.setParameter('partstat', 'ACCEPTED');
        attendee.removeParameter('rsvp');
      }
    }
    return { text: calendarText(vcal), uid: String(main.getFirstPropertyValue('uid') ?? '') };
  }

  private selfAttendees(component: ICAL.Component): ICAL.Property[] {
    const self = this.self;
    return component.getAllProperties('attendee').filter((p) => isSelf(p, self));
  }

  // ---- the schedule inbox ---------------------------------------------------------------------

  private inboxItemChanged(href: string): void {
    const vcal = parseCalendar(this.client.state.events.get(href)?.data);
    const method = String(vcal?.getFirstPropertyValue('method') ?? '').toUpperCase();
    if (method === 'REPLY') this.handleLater(href, 0, (lagMs) => this.operation('reply done', lagMs, () => this.client.deleteEvent(href)));
    else if (method === 'CANCEL') this.handleLater(href, this.seconds('acceptDelayDistribution'), (lagMs) => this.cancelled(href, lagMs));
  }

  private async cancelled(href: string, lagMs: number): Promise<void> {
    // Read before the delete: the client forgets the item first.
    const uid = uidOf(this.client.state.events.get(href)?.data);
    await this.operation('cancelled', lagMs, async () => {
      await this.client.deleteEvent(href);
      const event = uid === undefined ? undefined : this.findByUid(uid, 'calendar');
      if (event) await this.client.deleteEvent(event);
    });
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** Mark `href` as being handled now, run `fn` after `seconds`, unmark when it is done. */
  private handleLater(href: string, seconds: number, fn: (lagMs: number) => Promise<unknown>): void {
    this.handling.add(href);
    const timer = this.after(seconds * 1000, async (lagMs) => {
      try {
        await fn(lagMs);
      } finally {
        this.handling.delete(href);
      }
    });
    if (!timer) this.handling.delete(href);
  }

  /** The first cached item with this UID in an inbox or in a calendar (the original's linear search). */
  private findByUid(uid: string, kind: 'inbox' | 'calendar'): string | undefined {
    const state = this.client.state;
    for (const collection of state.calendars.values()) {
      if (collection.kind !== kind) continue;
      for (const href of state.eventsIn(collection.href)) if (uidOf(state.events.get(href)?.data) === uid) return href;
    }
    return undefined;
  }
}

/** PARTSTAT as written (upper-cased); absent is not NEEDS-ACTION here, as in the original, so an organizer's own bare ATTENDEE is left alone. */
function partstat(attendee: ICAL.Property): string {
  return String(attendee.getParameter('partstat') ?? '').toUpperCase();
}
