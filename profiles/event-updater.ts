import type ICAL from 'ical.js';
import type { ProfileContext } from '../lib/registry/profile.js';
import { calendarText, mainComponent, parseCalendar, utcNow } from './calendar-data.js';
import { ProfileBase } from './profile-base.js';

/**
 * The original's EventUpdaterBase (profiles.py): every `interval` seconds, a
 * random event of the user's own VEVENT calendars that is not a scheduling
 * object is edited by `modify`; when that returns an operation label, DTSTAMP
 * is set to now and the event is PUT back with If-Match (`PUT{update}`, 204,
 * or 412 when it changed meanwhile) as that operation.
 */
export abstract class EventUpdater extends ProfileBase {
  constructor(ctx: ProfileContext, name: string) {
    super(ctx, name);
  }

  protected run(): void {
    this.everyInterval((lagMs) => this.update(lagMs));
  }

  /** Edit `vevent` (the master) in place; return the operation label to PUT it back under, or undefined for no PUT. */
  protected abstract modify(href: string, vevent: ICAL.Component): Promise<string | undefined> | string | undefined;

  private async update(lagMs: number): Promise<void> {
    const found = this.randomEventOfType('VEVENT');
    if (!found) return;
    const vcal = parseCalendar(found.event.data);
    const vevent = vcal && mainComponent(vcal);
    if (!vcal || !vevent || vevent.name !== 'vevent') return;
    const label = await this.modify(found.href, vevent);
    if (!label) return;
    vevent.updatePropertyWithValue('dtstamp', utcNow(this.clock.now()));
    const text = calendarText(vcal);
    await this.operation(label, lagMs, () => this.client.changeEvent(found.href, text));
  }
}
