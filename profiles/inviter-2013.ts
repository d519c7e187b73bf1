import type { ProfileContext } from '../lib/registry/profile.js';
import { AttendeeAdder } from './attendee-adder.js';

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
export class Inviter2013 extends AttendeeAdder {
  constructor(ctx: ProfileContext) {
    super(ctx, 'Inviter', 'inviteeDistribution', true);
  }
}
