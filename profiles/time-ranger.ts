import type { ProfileContext } from '../lib/registry/profile.js';
import { ProfileBase } from './profile-base.js';

const DAY_MS = 86_400_000;

/**
 * TimeRanger (the original's profiles.py): every `interval` seconds, an expanded time-range
 * query of a random VEVENT calendar for the next 24 hours
 * (`REPORT{calendar-query}`); no operation. Without a VEVENT calendar it waits
 * (the original's loop crashed there).
 */
export class TimeRanger extends ProfileBase {
  constructor(ctx: ProfileContext) {
    super(ctx, 'TimeRanger');
  }

  protected run(): void {
    this.everyInterval(async () => {
      const calendar = this.randomCalendarOfType('VEVENT');
      if (!calendar) return;
      const now = Math.floor(this.clock.now() / 1000) * 1000;
      await this.client.timeRangeQuery(calendar.href, new Date(now), new Date(now + DAY_MS));
    });
  }
}
