import type { ProfileContext } from '../lib/registry/profile.js';
import { calendarText, mainComponent, parseCalendar, utcNow } from './calendar-data.js';
import { EventMaker } from './event-maker.js';
import { buildEvent } from './ical-template.js';

/**
 * Whether a tick at `minute` past the hour acknowledges: only the first tick
 * inside one of the configured minutes (edge-triggered), so every client does
 * it once at :00, :15, :30 and :45 — the original's deliberate stampede.
 */
export class MinuteEdge {
  private last: number | undefined;

  constructor(private readonly minutes: readonly number[]) {}

  shouldUpdate(minute: number): boolean {
    const fire = this.minutes.includes(minute) && minute !== this.last;
    this.last = minute;
    return fire;
  }
}

/**
 * AlarmAcknowledger (the original's profiles.py): keeps one event with a reminder (VALARM 8
 * minutes before) and acknowledges it at `pastTheHour` minutes. Ticks every
 * `interval` seconds; on the first tick of such a minute it creates the event
 * in the first VEVENT calendar if it has none (operation `create`), else sets
 * ACKNOWLEDGED to now on the alarm and PUTs the event back with If-Match
 * (operation `update`).
 *
 * Where this differs from the original on purpose: the acknowledgement is
 * written into what is sent (the original edited a copy and re-sent the stored
 * data); minutes are UTC minutes (the original used the machine's local time:
 * the same minutes except in zones offset by a fraction of an hour); an event
 * that has vanished (deleted by another profile or client) is made again.
 */
export class AlarmAcknowledger extends EventMaker {
  private readonly edge: MinuteEdge;
  private href: string | undefined;

  constructor(ctx: ProfileContext) {
    super(ctx, 'AlarmAcknowledger');
    const minutes = ctx.params.pastTheHour;
    this.edge = new MinuteEdge(Array.isArray(minutes) ? (minutes as number[]) : [0, 15, 30, 45]);
  }

  protected run(): void {
    this.everyInterval((lagMs) => this.tick(lagMs));
  }

  private async tick(lagMs: number): Promise<void> {
    if (!this.edge.shouldUpdate(new Date(this.clock.now()).getUTCMinutes())) return;
    if (this.href && this.client.state.events.has(this.href)) await this.acknowledge(this.href, lagMs);
    else await this.create(lagMs);
  }

  private async create(lagMs: number): Promise<void> {
    const calendar = this.calendarsOfType('VEVENT')[0];
    if (!calendar) return;
    const spec = this.newEventSpec();
    const href = `${calendar.href}${spec.uid}.ics`;
    const text = buildEvent({ ...spec, description: 'AlarmAcknowledger', alarm: { uid: this.newUid() } });
    await this.operation('create', lagMs, () => this.client.addEvent(href, text));
    if (this.client.state.events.has(href)) this.href = href;
  }

  private async acknowledge(href: string, lagMs: number): Promise<void> {
    const vcal = parseCalendar(this.client.state.events.get(href)?.data);
    const vevent = vcal && mainComponent(vcal);
    if (!vcal || !vevent) return;
    const now = utcNow(this.clock.now());
    // ACKNOWLEDGED (RFC 9074) is unknown to ical.js, which would write a Time with VALUE=DATE-TIME: give it the text.
    for (const alarm of vevent.getAllSubcomponents('valarm')) alarm.updatePropertyWithValue('acknowledged', now.toICALString());
    vevent.updatePropertyWithValue('dtstamp', now);
    const text = calendarText(vcal);
    await this.operation('update', lagMs, () => this.client.changeEvent(href, text));
  }
}
