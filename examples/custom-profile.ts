/**
 * A profile of your own: a user who books lunch. Every `interval` seconds,
 * the client puts a one-hour event at noon tomorrow on one of its calendars,
 * as operation `lunch` (its own row in the report's operations table, its
 * PUT counted under `PUT{event}` as every new event is).
 *
 * Profiles extend ProfileBase: it waits for the client to start, runs the
 * loops on the run's clock (so `--seed` replays it), and reports operations;
 * `this.client` is the simulated Apple client with its write API (addEvent,
 * changeEvent, deleteEvent, requestAvailability, …). `defineProfile` declares
 * the params, so `loadsim validate` checks them as it checks a built-in's.
 *
 * In a clients.plist (examples/custom-profile-clients.plist; the path is
 * relative to the plist and names the compiled module):
 *
 *   <dict>
 *     <key>class</key>  <string>../dist/examples/custom-profile.js#Lunch</string>
 *     <key>params</key> <dict><key>interval</key><integer>30</integer></dict>
 *   </dict>
 */
import { ProfileBase, defineProfile, type ParamSpec, type ParamsOf } from '../lib/index.js';

/** Its clients.plist params: checked by `loadsim validate`, and typed in `this.params`. */
const params = {
  interval: { type: 'number', rule: { positive: true }, unit: 's', default: 60, doc: 'seconds between bookings' },
  title: { type: 'string', default: 'Lunch', doc: 'the events’ SUMMARY' },
} as const satisfies ParamSpec;

class LunchBooker extends ProfileBase<ParamsOf<typeof params>> {
  protected run(): void {
    this.everyInterval(async (lagMs) => {
      const calendar = this.randomCalendarOfType('VEVENT', true);
      if (!calendar) return;
      const uid = this.newUid();
      await this.operation('lunch', lagMs, () => this.client.addEvent(`${calendar.href}${uid}.ics`, lunchAtNoon(uid, this.params.title, this.clock.now())));
    });
  }
}

/** A one-hour event at noon (UTC) tomorrow. */
function lunchAtNoon(uid: string, title: string, now: number): string {
  const noon = new Date(now + 86_400_000);
  noon.setUTCHours(12, 0, 0, 0);
  const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//loadsim//examples//EN',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    `DTSTAMP:${stamp(new Date(now))}`,
    `DTSTART:${stamp(noon)}`,
    'DURATION:PT1H',
    `SUMMARY:${title}`,
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

export const Lunch = defineProfile({
  name: 'Lunch',
  summary: 'books lunch at noon tomorrow every interval',
  params,
  create: (ctx) => new LunchBooker(ctx),
});
