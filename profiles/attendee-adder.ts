import type ICAL from 'ical.js';
import { addressOf, normalizeAddress } from '../lib/ical/calendar-object.js';
import type { AccountRecord } from '../lib/core/account-record.js';
import type { ProfileContext } from '../lib/registry/profile.js';
import { isSelf, mainComponent, parseCalendar } from './calendar-data.js';
import { INVITEE_TRIES } from './invitation.js';
import { ProfileBase } from './profile-base.js';

/**
 * The inviters that add ONE attendee to an EXISTING event: 2013's Inviter and
 * DistanceInviter (the original's profiles.py Inviter at 2013, `_invite` and
 * `_addAttendee`). After each `sendInvitationDistribution` wait: an event, a
 * user to add, then the client's addEventAttendee as operation `invite`. They
 * differ in the name of the distance distribution, and in whether an invite
 * that found no one to add is still reported.
 */
export abstract class AttendeeAdder extends ProfileBase {
  constructor(
    ctx: ProfileContext,
    name: string,
    /** The param whose samples are added to the inviter's user number. */
    private readonly distance: string,
    /** Report a successful `invite` with no request when no one could be added (2013's Inviter). */
    private readonly reportWhenNoOne: boolean,
  ) {
    super(ctx, name);
  }

  protected run(): void {
    this.loopWithDistribution('sendInvitationDistribution', (lagMs) => this.invite(lagMs));
  }

  private async invite(lagMs: number): Promise<void> {
    const target = this.pickEvent();
    if (!target) return;
    const present = new Set(target.vevent.getAllProperties('attendee').map(addressOf));
    present.add(normalizeAddress(this.self.email));
    const record = this.drawAttendee(present, this.distance);
    if (!record && !this.reportWhenNoOne) return;
    await this.operation('invite', lagMs, async () => {
      if (record) await this.client.addEventAttendee(target.href, { address: `mailto:${record.email}`, cn: record.commonName });
    });
  }

  /**
   * A random event with data, organized by the user or by nobody: calendars that take VEVENTs
   * (shared ones too) in random order, and the events of each in random order. The original
   * took any main component; the client adds attendees to VEVENTs only. Undefined when none.
   */
  private pickEvent(): { href: string; vevent: ICAL.Component } | undefined {
    const state = this.client.state;
    for (const calendar of this.random.shuffle(this.calendarsOfType('VEVENT'))) {
      for (const href of this.random.shuffle(state.eventsIn(calendar.href))) {
        const vcal = parseCalendar(state.events.get(href)?.data);
        const vevent = vcal && mainComponent(vcal);
        if (vevent?.name !== 'vevent') continue;
        const organizer = vevent.getFirstProperty('organizer');
        // Organized by someone else: not ours to invite people to.
        if (organizer && !isSelf(organizer, this.self)) continue;
        return { href, vevent };
      }
    }
    return undefined;
  }

  /**
   * The original's draw: the user whose number is the inviter's plus a sample of `distribution`
   * (at least 0), an existing user not already `present` (as `mailto:` or `urn:uuid:`); up to
   * 10 draws, else undefined.
   */
  private drawAttendee(present: ReadonlySet<string>, distribution: string): AccountRecord | undefined {
    for (let i = 0; i < INVITEE_TRIES; i++) {
      const n = Math.max(0, this.userNumber + (Math.trunc(Number(this.sample<unknown>(distribution))) || 0));
      const record = this.population.records[n];
      if (!record) continue;
      if (present.has(normalizeAddress(`mailto:${record.email}`))) continue;
      if (present.has(normalizeAddress(`urn:uuid:${record.uid}`)) || present.has(normalizeAddress(`urn:uuid:${record.guid}`))) continue;
      return record;
    }
    return undefined;
  }
}
