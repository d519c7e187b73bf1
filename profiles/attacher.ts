import type { ProfileContext } from '../lib/registry/profile.js';
import { EventUpdater } from './event-updater.js';

/**
 * Attacher (the original's profiles.py): a managed attachment of `fileSizeDistribution` bytes
 * added to a random event of the user's (`POST{attachment}`, then
 * `GET{event}`). As in the original it is no operation: only its requests
 * are reported.
 */
export class Attacher extends EventUpdater {
  constructor(ctx: ProfileContext) {
    super(ctx, 'Attacher');
  }

  protected async modify(href: string): Promise<undefined> {
    const size = Math.max(0, Math.trunc(this.seconds('fileSizeDistribution')));
    await this.client.postAttachment(href, 'x'.repeat(size));
    return undefined;
  }
}
