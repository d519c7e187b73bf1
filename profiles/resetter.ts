import type { ProfileContext } from '../lib/profile.js';
import { ProfileBase } from './profile-base.js';

/**
 * Resetter (notes §3.10): every `interval` seconds the client forgets all it
 * knows and starts again (`startup` and a first poll). The other profiles of
 * the client skip their ticks until it has started again.
 */
export class Resetter extends ProfileBase {
  constructor(ctx: ProfileContext) {
    super(ctx, 'Resetter');
  }

  protected run(): void {
    this.everyInterval(() => this.client.reset());
  }
}
