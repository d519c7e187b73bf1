import type { ProfileContext } from '../lib/registry/profile.js';
import { AttendeeAdder } from './attendee-adder.js';

/**
 * The old Inviter of 2013 (profiles.py Inviter at 2013), registered as DistanceInviter: after
 * each `sendInvitationDistribution` wait, one new attendee — the user whose
 * number is the inviter's plus an `inviteeDistanceDistribution` sample, at
 * least 0, not already an attendee, up to 10 draws — is added to a random
 * existing event of a VEVENT calendar that the user organizes or that has no
 * organizer yet: lookups, then `PUT{organizer-<n>}` with If-Match, as
 * operation `invite`. When no attendee can be found nothing is sent, as in
 * the original.
 */
export class DistanceInviter extends AttendeeAdder {
  constructor(ctx: ProfileContext) {
    super(ctx, 'DistanceInviter', 'inviteeDistanceDistribution', false);
  }
}
