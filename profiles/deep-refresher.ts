import type { ProfileContext } from '../lib/registry/profile.js';
import { ProfileBase } from './profile-base.js';

/** DeepRefresher (the original's profiles.py): every `interval` seconds, `PROPFIND{home}` and `PROPFIND{calendar}` of every calendar, results thrown away; no operation. */
export class DeepRefresher extends ProfileBase {
  constructor(ctx: ProfileContext) {
    super(ctx, 'DeepRefresher');
  }

  protected run(): void {
    this.everyInterval(() => this.client.deepRefresh());
  }
}
