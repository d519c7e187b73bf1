import type ICAL from 'ical.js';
import { addressOf, normalizeAddress } from '../lib/ical/calendar-object.js';
import type { AccountRecord } from '../lib/population/account-record.js';
import type { ProfileContext } from '../lib/profile.js';
import { isSelf, mainComponent, parseCalendar } from './calendar-data.js';
import { INVITEE_TRIES } from './invitation.js';
import { ProfileBase } from './profile-base.js';

/**
 * The old Inviter of 2013 (notes §8.4), registered as DistanceInviter: after
 * each `sendInvitationDistribution` wait, one new attendee — the user whose
 * number is the inviter's plus an `inviteeDistanceDistribution` sample, at
 * least 0, not already an attendee, up to 10 draws — is added to a random
 * existing event of a VEVENT calendar that the user organizes or that has no
 * organizer yet: lookups, then `PUT{organizer-<n>}` with If-Match, as
 * operation `invite`. When no attendee can be found nothing is sent, as in
 * the original.
 */
export class DistanceInviter extends ProfileBase {
  constructor(ctx: ProfileContext) {
    super(ctx, 'DistanceInviter');
  }

  protected run(): void {
    this.loopWithDistribution('sendInvitationDistribution', (lagMs) => this.invite(lagMs));
  }

  private async invite(lagMs: number): Promise<void> {
    const target = this.pickEvent();
    if (!target) return;
    const present = new Set(target.vevent.getAllProperties('attendee').map(addressOf));
    present.add(normalizeAddress(this.self.email));
    const record = this.drawAttendee(present);
    if (!record) return;
    await this.operation('invite', lagMs, () => this.client.addEventAttendee(target.href, { address: `mailto:${record.email}`, cn: record.commonName }));
  }

  /** A random event with data, organized by the user or by nobody: calendars and events in random order. */
  private pickEvent(): { href: string; vevent: ICAL.Component } | undefined {
    const state = this.client.state;
    for (const calendar of this.random.shuffle(this.calendarsOfType('VEVENT'))) {
      for (const href of this.random.shuffle(state.eventsIn(calendar.href))) {
        const vcal = parseCalendar(state.events.get(href)?.data);
        const vevent = vcal && mainComponent(vcal);
        if (!vevent || vevent.name !== 'vevent') continue;
        const organizer = vevent.getFirstProperty('organizer');
        // Someone else's event: not ours to invite people to.
        if (organizer && !isSelf(organizer, this.self)) continue;
        return { href, vevent };
      }
    }
    return undefined;
  }

  private drawAttendee(present: ReadonlySet<string>): AccountRecord | undefined {
    for (let i = 0; i < INVITEE_TRIES; i++) {
      const n = Math.max(0, this.userNumber + (Math.trunc(Number(this.sample<unknown>('inviteeDistanceDistribution'))) || 0));
      const record = this.population.records[n];
      if (!record) continue;
      if (present.has(normalizeAddress(`mailto:${record.email}`)) || present.has(normalizeAddress(`urn:uuid:${record.guid}`))) continue;
      return record;
    }
    return undefined;
  }
}
