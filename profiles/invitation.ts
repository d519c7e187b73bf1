import { normalizeAddress } from '../lib/ical/calendar-object.js';
import type { AccountRecord } from '../lib/core/account-record.js';
import type { ProfileContext } from '../lib/registry/profile.js';
import { EventMaker } from './event-maker.js';
import { buildEvent, type AttendeeSpec } from './ical-template.js';

/** Draws of the invitee distribution before giving up on one attendee, as the original. */
export const INVITEE_TRIES = 10;

/** A new invitation, ready to PUT; or the reason none could be made. */
export type Invitation = { href: string; text: string } | { cannotAddAttendee: true } | undefined;

/**
 * What the inviters share (the original's profiles.py, profiles.py at 2013): a new event on a random VEVENT
 * calendar with the user as ORGANIZER and as an ACCEPTED ATTENDEE, plus
 * `int(inviteeCountDistribution)` invitees. Each invitee is the user whose
 * number is an `inviteeDistribution` sample (plus the inviter's own number
 * when `inviteeClumping`), at least 0, an existing user not yet invited; up
 * to 10 draws. What happens when none is found is each inviter's own rule.
 */
export abstract class InvitationMaker extends EventMaker {
  constructor(ctx: ProfileContext, name: string) {
    super(ctx, name);
  }

  /**
   * @param justOwned only the user's own calendars (master), or shared ones too (2013)
   * @param onMissing `skip`: go on to the next invitee, and send the invitation
   *   with those found (master's Inviter); `abandon`: make none (2013 RealisticInviter)
   */
  protected makeInvitation(justOwned: boolean, onMissing: 'skip' | 'abandon'): Invitation {
    const calendar = this.randomCalendarOfType('VEVENT', justOwned);
    if (!calendar) return undefined;
    const spec = this.newEventSpec();
    const self = this.selfUser;
    // The original compared the record's mailto: with attendee values; the server's address is added in case it differs in case.
    const invited = new Set([normalizeAddress(self.address), normalizeAddress(`mailto:${this.record.email}`)]);
    const attendees: AttendeeSpec[] = [{ ...self, partstat: 'ACCEPTED' }];
    const count = Math.trunc(Number(this.sample<unknown>('inviteeCountDistribution'))) || 0;
    for (let i = 0; i < count; i++) {
      const record = this.drawInvitee(invited);
      if (!record) {
        if (onMissing === 'abandon') return { cannotAddAttendee: true };
        continue;
      }
      const address = `mailto:${record.email}`;
      invited.add(normalizeAddress(address));
      attendees.push({ address, cn: record.commonName, partstat: 'NEEDS-ACTION', role: 'REQ-PARTICIPANT', rsvp: true });
    }
    const text = buildEvent({ ...spec, organizer: self, attendees });
    return { href: `${calendar.href}${spec.uid}.ics`, text };
  }

  /** The original's _addAttendee draw: an existing, not yet invited user, or undefined after 10 tries. */
  protected drawInvitee(invited: ReadonlySet<string>): AccountRecord | undefined {
    const clumping = this.params.inviteeClumping !== false;
    for (let i = 0; i < INVITEE_TRIES; i++) {
      let n = Math.trunc(Number(this.sample<unknown>('inviteeDistribution')));
      if (clumping) n += this.userNumber;
      const record = this.population.records[Math.max(0, n)];
      if (!record) continue; // beyond the last user (or not a number): the original's IndexError, next try
      if (!invited.has(normalizeAddress(`mailto:${record.email}`))) return record;
    }
    return undefined;
  }
}
