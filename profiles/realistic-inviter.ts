import type { ProfileContext } from '../lib/registry/profile.js';
import { InvitationMaker } from './invitation.js';

/** The reason RealisticInviter reports when it gives up an invitation, as the 2013 original words it. */
export const CANNOT_ADD_ATTENDEE = 'Cannot add attendee';

/**
 * RealisticInviter, the 2013 generation's (the original's profiles.py at 2013): as Inviter, on any
 * VEVENT calendar, every invitee looked up, no attachments. When an invitee
 * cannot be found in 10 draws the invitation is abandoned and reported as a
 * failed `invite` with a `sim-failure` ("invite: Cannot add attendee"), which
 * fails the run as the original's did: a population too small for the
 * invitee distribution is a broken configuration, not load.
 */
export class RealisticInviter extends InvitationMaker {
  constructor(ctx: ProfileContext) {
    super(ctx, 'RealisticInviter');
  }

  protected run(): void {
    this.loopWithDistribution('sendInvitationDistribution', (lagMs) => this.invite(lagMs));
  }

  private async invite(lagMs: number): Promise<void> {
    const invitation = this.makeInvitation(false, 'abandon');
    if (!invitation) return;
    if (!('href' in invitation)) {
      this.failed('invite', CANNOT_ADD_ATTENDEE);
      return;
    }
    await this.operation('invite', lagMs, () => this.client.addInvite(invitation.href, invitation.text));
  }
}
