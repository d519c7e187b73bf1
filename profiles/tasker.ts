import type { ProfileContext } from '../lib/registry/profile.js';
import { asDateTime, buildTask } from './ical-template.js';
import { ProfileBase } from './profile-base.js';

/**
 * Tasker (the original's profiles.py): every `interval` seconds, a new VTODO with DUE from
 * `taskDueDistribution` on a random calendar that takes VTODOs: `PUT{event}`,
 * as operation `create`.
 */
export class Tasker extends ProfileBase {
  constructor(ctx: ProfileContext) {
    super(ctx, 'Tasker');
  }

  protected run(): void {
    this.everyInterval((lagMs) => this.addTask(lagMs));
  }

  private async addTask(lagMs: number): Promise<void> {
    const calendar = this.randomCalendarOfType('VTODO');
    if (!calendar) return;
    const uid = this.newUid();
    const due = asDateTime(this.sample<unknown>('taskDueDistribution'), 'taskDueDistribution');
    const text = buildTask({ uid, due, nowMs: this.clock.now() });
    await this.operation('create', lagMs, () => this.client.addEvent(`${calendar.href}${uid}.ics`, text));
  }
}
