import type { ProfileContext } from '../lib/registry/profile.js';
import { ProfileBase } from './profile-base.js';

/**
 * CalendarSharer (the original's profiles.py): every `interval` seconds, one of the user's own
 * VEVENT calendars is shared read-write with another random user
 * (`POST{share-calendar}`), unless it already has `maxSharees`. No operation.
 *
 * The original counted the sharees the server listed for the calendar; the
 * client does not keep that list, so this profile counts the shares it made
 * itself (the same number unless something else shares the calendar).
 */
export class CalendarSharer extends ProfileBase {
  private readonly sharees = new Map<string, Set<number>>();

  constructor(ctx: ProfileContext) {
    super(ctx, 'CalendarSharer');
  }

  protected run(): void {
    this.everyInterval(() => this.share());
  }

  private async share(): Promise<void> {
    const calendar = this.randomCalendarOfType('VEVENT', true);
    if (!calendar) return;
    const shared = this.sharees.get(calendar.href) ?? new Set<number>();
    if (shared.size >= this.number('maxSharees')) return;
    const other = this.population.randomUserNumber(this.random, this.userNumber);
    const record = other === undefined ? undefined : this.population.records[other];
    if (other === undefined || !record || shared.has(other)) return;
    await this.client.shareCalendar(calendar.href, `mailto:${record.email}`);
    // Counted once the server took it: a refused share is tried again on a later tick.
    shared.add(other);
    this.sharees.set(calendar.href, shared);
  }
}
