import type ICAL from 'ical.js';
import type { ProfileContext } from '../lib/registry/profile.js';
import { EventUpdater } from './event-updater.js';

/** TitleChanger (the original's profiles.py): SUMMARY becomes `Event` and dots, `titleLengthDistribution` characters long (at least 5); operation `update`. */
export class TitleChanger extends EventUpdater {
  constructor(ctx: ProfileContext) {
    super(ctx, 'TitleChanger');
  }

  protected modify(_href: string, vevent: ICAL.Component): string {
    const length = Math.max(5, Math.trunc(Number(this.sample<unknown>('titleLengthDistribution'))) || 0);
    vevent.updatePropertyWithValue('summary', `Event${'.'.repeat(length - 5)}`);
    return 'update';
  }
}
