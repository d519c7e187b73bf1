import type ICAL from 'ical.js';
import type { ProfileContext } from '../lib/registry/profile.js';
import { EventUpdater } from './event-updater.js';

/** DescriptionChanger (the original's profiles.py): DESCRIPTION becomes `descriptionLengthDistribution` dots; operation `update`. */
export class DescriptionChanger extends EventUpdater {
  constructor(ctx: ProfileContext) {
    super(ctx, 'DescriptionChanger');
  }

  protected modify(_href: string, vevent: ICAL.Component): string {
    const length = Math.max(0, Math.trunc(Number(this.sample<unknown>('descriptionLengthDistribution'))) || 0);
    vevent.updatePropertyWithValue('description', '.'.repeat(length));
    return 'update';
  }
}
