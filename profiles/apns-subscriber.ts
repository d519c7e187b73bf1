import type { ProfileContext } from '../lib/profile.js';
import { ProfileBase } from './profile-base.js';

/** APNSSubscriber (notes §3.10): every `interval` seconds, `POST{apns}` with a made-up device token; no operation. */
export class APNSSubscriber extends ProfileBase {
  constructor(ctx: ProfileContext) {
    super(ctx, 'APNSSubscriber');
  }

  protected run(): void {
    this.everyInterval(() => this.client.apnsSubscribe());
  }
}
