import type ICAL from 'ical.js';
import { addressOf, normalizeAddress } from '../lib/ical/calendar-object.js';
import type { AccountRecord } from '../lib/population/account-record.js';
import type { ProfileContext } from '../lib/profile.js';
import { isSelf, mainComponent, parseCalendar } from './calendar-data.js';
import { INVITEE_TRIES } from './invitation.js';
import { ProfileBase } from './profile-base.js';

/**
 * Inviter, the 2013 generation's (what a 2013 config's `Inviter` gets; the
 * original's profiles.py Inviter at 2013): after each
 * `sendInvitationDistribution` wait, ONE new attendee is added to an EXISTING
 * event. Calendars that take VEVENTs (shared ones too) are tried in random
 * order, and the events of each, with data, in random order; the first one
 * the user organizes, or that has no ORGANIZER yet, is the one. The attendee
 * is the user whose number is the inviter's plus an `inviteeDistribution`
 * sample (at least 0), an existing user not already on the event (as
 * `mailto:` or `urn:uuid:`), up to 10 draws. Then the client's
 * addEventAttendee: attendee lookups, `PUT{organizer-<n>}` with If-Match.
 *
 * All of it is operation `invite`. As in the original, an `invite` that found
 * no one to add is still reported, successful, with no request sent (the
 * original swallowed its CannotAddAttendee inside the operation); with no
 * event to invite to, nothing is reported.
 */
export class Inviter2013 extends ProfileBase {
  constructor(ctx: ProfileContext) {
    super(ctx, 'Inviter');
  }

  protected run(): void {
    this.loopWithDistribution('sendInvitationDistribution', (lagMs) => this.invite(lagMs));
  }

  private async invite(lagMs: number): Promise<void> {
    const target = this.pickEvent();
    if (!target) return;
    const present = new Set(target.vevent.getAllProperties('attendee').map(addressOf));
    present.add(normalizeAddress(`mailto:${this.record.email}`));
    const record = this.drawAttendee(present);
    await this.operation('invite', lagMs, async () => {
      if (record) await this.client.addEventAttendee(target.href, { address: `mailto:${record.email}`, cn: record.commonName });
    });
  }

  /** A random event with data, organized by the user or by nobody; undefined when there is none. */
  private pickEvent(): { href: string; vevent: ICAL.Component } | undefined {
    const state = this.client.state;
    for (const calendar of this.random.shuffle(this.calendarsOfType('VEVENT'))) {
      for (const href of this.random.shuffle(state.eventsIn(calendar.href))) {
        const vcal = parseCalendar(state.events.get(href)?.data);
        const vevent = vcal && mainComponent(vcal);
        // The original took any main component; the client adds attendees to VEVENTs only.
        if (!vevent || vevent.name !== 'vevent') continue;
        const organizer = vevent.getFirstProperty('organizer');
        // Organized by someone else: not ours to invite people to.
        if (organizer && !isSelf(organizer, this.self)) continue;
        return { href, vevent };
      }
    }
    return undefined;
  }

  /** The original's _addAttendee draw: user number + sample, ≥ 0, an existing user not yet present; 10 tries. */
  private drawAttendee(present: ReadonlySet<string>): AccountRecord | undefined {
    for (let i = 0; i < INVITEE_TRIES; i++) {
      const n = Math.max(0, this.userNumber + (Math.trunc(Number(this.sample<unknown>('inviteeDistribution'))) || 0));
      const record = this.population.records[n];
      if (!record) continue;
      if (present.has(normalizeAddress(`mailto:${record.email}`))) continue;
      if (present.has(normalizeAddress(`urn:uuid:${record.uid}`)) || present.has(normalizeAddress(`urn:uuid:${record.guid}`))) continue;
      return record;
    }
    return undefined;
  }
}
