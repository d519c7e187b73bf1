import type { ProfileContext } from '../lib/registry/profile.js';
import { EventMaker } from './event-maker.js';
import { buildEvent } from './ical-template.js';

/**
 * Eventer (the original's profiles.py): every `interval` seconds, a new event (no attendees)
 * on a random calendar that takes VEVENTs, owned or shared with the user:
 * `PUT{event}` (+ `POST{attachment}` and `GET{event}` when it attaches a
 * file), as operation `create`.
 */
export class Eventer extends EventMaker {
  constructor(ctx: ProfileContext) {
    super(ctx, 'Eventer');
  }

  protected run(): void {
    this.everyInterval((lagMs) => this.addEvent(lagMs));
  }

  private async addEvent(lagMs: number): Promise<void> {
    const calendar = this.randomCalendarOfType('VEVENT');
    if (!calendar) return;
    const spec = this.newEventSpec();
    const text = buildEvent(spec);
    const attachmentSize = this.attachmentSize();
    await this.operation('create', lagMs, () => this.client.addEvent(`${calendar.href}${spec.uid}.ics`, text, attachmentSize ? { attachmentSize } : {}));
  }
}
