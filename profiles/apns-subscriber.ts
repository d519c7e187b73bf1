import type { ProfileContext } from '../lib/registry/profile.js';
import { ProfileBase } from './profile-base.js';
import { randomUuid } from '../lib/core/random-uuid.js';

/**
 * APNSSubscriber (profiles.py APNSSubscriber): every `interval` seconds, `POST{apns}`; no
 * operation. It posts the same device token every time, as the original (its client makes
 * one token and re-posts it): a device re-registering, not a new device each minute, so the
 * server's subscription table does not grow with the run's length.
 */
export class APNSSubscriber extends ProfileBase {
  /**
   * 64 hex digits, one UUID's twice, as the original's fake token; drawn once, from a stream
   * derived from the profile's own, so the draw does not move the profile's other numbers.
   */
  readonly deviceToken: string;

  constructor(ctx: ProfileContext) {
    super(ctx, 'APNSSubscriber');
    const hex = randomUuid(this.random.derive('device-token')).replace(/-/g, '');
    this.deviceToken = hex + hex;
  }

  protected run(): void {
    this.everyInterval(() => this.client.apnsSubscribe(this.deviceToken));
  }
}
