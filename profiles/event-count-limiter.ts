import type { ProfileContext } from '../lib/registry/profile.js';
import { IncorrectResponseCode } from '../lib/clients/client.js';
import { ProfileBase } from './profile-base.js';

/**
 * EventCountLimiter (the original's profiles.py): every `interval` seconds, in each of the
 * user's own VEVENT calendars holding more than `eventCountLimit` events,
 * random events are deleted (`DELETE{event}`) down to the limit, so a long run
 * does not grow calendars without end. No operation.
 */
export class EventCountLimiter extends ProfileBase {
  constructor(ctx: ProfileContext) {
    super(ctx, 'EventCountLimiter');
  }

  protected run(): void {
    this.everyInterval(() => this.limit());
  }

  private async limit(): Promise<void> {
    const limit = this.number('eventCountLimit');
    const state = this.client.state;
    for (const calendar of this.calendarsOfType('VEVENT', true)) {
      // The client forgets an event before deleting it, so this ends even when deletes fail.
      for (let hrefs = state.eventsIn(calendar.href); hrefs.length > limit; hrefs = state.eventsIn(calendar.href)) {
        try {
          await this.client.deleteEvent(this.random.pick(hrefs));
        } catch (e) {
          if (!(e instanceof IncorrectResponseCode)) throw e; // counted as a failed response; carry on
        }
        if (this.stopped) return;
      }
    }
  }
}
