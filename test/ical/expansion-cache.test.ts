/**
 * A parsed object's expanded instances are kept and reused (recurrence.ts, `Expansion`).
 * Whatever ranges were asked before, and in whatever order, an object must give exactly
 * what a freshly parsed copy of it gives: the same instances, the same truncation.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import seedrandom from 'seedrandom';
import { componentInstances, instancesOf } from '../../lib/ical/recurrence.js';
import { findInstances, matchesTimeRange } from '../../lib/ical/time-range.js';
import type { CalendarObject } from '../../lib/ical/calendar-object.js';
import { ics, parse, vevent } from './support.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 5, 9);

/** The recurring shapes the cache must keep exact: bounded and unbounded rules, overrides, RDATE, EXDATE, a zone. */
const SHAPES: string[] = [
  ics(vevent('DTSTART:20260105T090000Z\nDTEND:20260105T100000Z\nRRULE:FREQ=DAILY')),
  ics(vevent('DTSTART:20260105T090000Z\nDURATION:PT30M\nRRULE:FREQ=WEEKLY;COUNT=40;BYDAY=MO,WE')),
  ics(vevent('DTSTART;TZID=Europe/Berlin:20260105T090000\nDTEND;TZID=Europe/Berlin:20260105T093000\nRRULE:FREQ=DAILY;UNTIL=20260601T000000Z\nEXDATE;TZID=Europe/Berlin:20260107T090000')),
  ics(
    vevent('DTSTART:20260105T090000Z\nDTEND:20260105T100000Z\nRRULE:FREQ=DAILY;INTERVAL=3\nRDATE:20260106T150000Z'),
    vevent('RECURRENCE-ID:20260111T090000Z\nDTSTART:20260111T120000Z\nDTEND:20260111T130000Z'),
  ),
  ics(vevent('DTSTART;VALUE=DATE:20260105\nDTEND;VALUE=DATE:20260106\nRRULE:FREQ=MONTHLY;BYMONTHDAY=5')),
  ics(vevent('DTSTART:20260105T090000Z\nDTEND:20260105T100000Z')),
];

function view(o: CalendarObject, until: number, maxInstances?: number) {
  const opts = { until, ...(maxInstances ? { maxInstances } : {}) };
  return o.components.map((c) => {
    const set = componentInstances(o, c, opts);
    return { starts: set.instances.map((i) => [i.start, i.dtend, i.durationEnd, i.recurrenceId]), truncated: set.truncated, lazy: [...instancesOf(o, c, opts)].map((i) => i.start) };
  });
}

describe('expansion cache', () => {
  it('gives what a fresh parse gives, whatever was asked before (seeded random sequences of ranges)', () => {
    const rng = seedrandom('expansion-cache');
    for (const text of SHAPES) {
      for (const maxInstances of [undefined, 7]) {
        const reused = maxInstances ? parse(text, maxInstances) : parse(text);
        for (let k = 0; k < 25; k++) {
          // Ranges both before and after those already asked; now and then no end at all.
          const until = rng() < 0.1 ? Infinity : T0 + Math.floor(rng() * 400) * DAY;
          const fresh = maxInstances ? parse(text, maxInstances) : parse(text);
          assert.deepEqual(view(reused, until, maxInstances), view(fresh, until, maxInstances), `${text.split('\r\n')[4]} until ${until} (max ${maxInstances ?? 'default'})`);
        }
      }
    }
  });

  it('time-range answers do not change when asked again, in another order', () => {
    const text = SHAPES[3]!;
    const a = parse(text);
    const ranges = [30, 5, 90, 12, 60].map((d) => ({ start: new Date(T0 + (d - 5) * DAY), end: new Date(T0 + d * DAY) }));
    const first = ranges.map((r) => findInstances(parse(text), r).instances.map((i) => i.start.getTime()));
    const again = ranges.map((r) => findInstances(a, r).instances.map((i) => i.start.getTime()));
    assert.deepEqual(again, first);
    // The override moved 11 January from 09:00 to 12:00.
    assert.equal(matchesTimeRange(a, 'VEVENT', { start: new Date(Date.UTC(2026, 0, 11, 12)), end: new Date(Date.UTC(2026, 0, 11, 13)) }), true);
    assert.equal(matchesTimeRange(a, 'VEVENT', { start: new Date(Date.UTC(2026, 0, 11, 9)), end: new Date(Date.UTC(2026, 0, 11, 10)) }), false);
  });

  it('a caller that changes the array it was given does not change the next answer', () => {
    const o = parse(SHAPES[0]!);
    const master = o.components[0]!;
    const first = componentInstances(o, master, { until: T0 + 10 * DAY });
    first.instances.length = 0;
    assert.equal(componentInstances(o, master, { until: T0 + 10 * DAY }).instances.length, 11);
  });
});
