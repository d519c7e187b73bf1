import type { ProfileContext } from '../lib/registry/profile.js';
import { ProfileBase } from './profile-base.js';

/**
 * Resetter: every `interval` seconds the client forgets its
 * events and sync state, asks its principal's details again and polls
 * (client.reset: master's sequence, no discovery). The client stays started.
 */
export class Resetter extends ProfileBase {
  constructor(ctx: ProfileContext) {
    super(ctx, 'Resetter');
  }

  protected run(): void {
    this.everyInterval(() => this.client.reset());
  }
}
