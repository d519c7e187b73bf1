import type { ProfileContext } from '../lib/registry/profile.js';
import { InvitationMaker } from './invitation.js';

/**
 * Inviter, the master generation's (the original's profiles.py): after each
 * `sendInvitationDistribution` wait, a new event on one of the user's own
 * VEVENT calendars with invitees. An invitee that cannot be found in 10 draws
 * is skipped: the invitation goes out with those found (it may hold only the
 * organizer). Each invitee is looked up first (principal search + free-busy)
 * with `inviteeLookupPercentage` % probability; a file is attached with
 * `fileAttachPercentage` %. Operation `invite`: lookups, `PUT{organizer-<n>}`,
 * and `POST{attachment}` + `GET{event}` when attaching.
 */
export class Inviter extends InvitationMaker {
  constructor(ctx: ProfileContext) {
    super(ctx, 'Inviter');
  }

  protected run(): void {
    this.loopWithDistribution('sendInvitationDistribution', (lagMs) => this.invite(lagMs));
  }

  private async invite(lagMs: number): Promise<void> {
    const invitation = this.makeInvitation(true, 'skip');
    if (!invitation || !('href' in invitation)) return;
    const attachmentSize = this.attachmentSize();
    const lookupPercentage = this.number('inviteeLookupPercentage');
    await this.operation('invite', lagMs, () => this.client.addInvite(invitation.href, invitation.text, { lookupPercentage, ...(attachmentSize ? { attachmentSize } : {}) }));
  }
}
