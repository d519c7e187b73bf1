/**
 * VTIMEZONE components for IANA zones, made from the IANA database that luxon
 * reads through Node's ICU. ical.js has no time zone database, and an event
 * whose DTSTART carries a TZID must carry the matching VTIMEZONE (RFC 5545
 * §3.6.5; RFC 7809 lets a server drop it, but not every server takes an event
 * without it), as the original's `getTextWithTimezones` did.
 *
 * The zone's offset changes are found by probing luxon from a year before the
 * date to `YEARS_AFTER` years after it. When every change of each kind in that
 * span follows one yearly rule (same month, same weekday of the month, same
 * wall time, same offsets) — true of almost every zone today — the VTIMEZONE
 * is the usual STANDARD/DAYLIGHT pair with RRULEs, so it stays right for a
 * recurring event however far it runs. Otherwise each change is written as an
 * observance of its own, exact inside the span (the last offset holds after
 * it). A zone without changes gets one STANDARD observance. Each also
 * starts with the offset in force on 1 January of the year before the date,
 * so the VTIMEZONE is right for every instant from then on.
 */
import ICAL from 'ical.js';
import { DateTime, IANAZone } from 'luxon';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** Where the first observance starts, as wall time: 19700101T000000. */
const EPOCH = 0;
/** Years after the date's year covered; with yearly rules that only decides which rule is seen, not how far it holds. */
const YEARS_AFTER = 2;

interface Transition {
  /** The first instant of the new offset. */
  at: number;
  /** Offsets in minutes east of UTC. */
  from: number;
  to: number;
  daylight: boolean;
}

/** Cache of finished components by `tzid/year`: events of one zone and year share one, and finding changes costs ~1,500 luxon probes. */
const cache = new Map<string, string>();
const CACHE_LIMIT = 512;

/** The VTIMEZONE for IANA zone `tzid`, right for instants around `aroundMs` and (for rule-based zones) every later year. */
export function vtimezoneFor(tzid: string, aroundMs: number): ICAL.Component {
  const zone = IANAZone.create(tzid);
  if (!zone.isValid) throw new RangeError(`unknown time zone ${JSON.stringify(tzid)}`);
  const year = new Date(aroundMs).getUTCFullYear();
  const key = `${tzid}/${year}`;
  let jcal = cache.get(key);
  if (jcal === undefined) {
    jcal = JSON.stringify(build(tzid, zone, year).toJSON());
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, jcal);
  }
  // A fresh tree each time: callers add it to their own VCALENDAR.
  return new ICAL.Component(JSON.parse(jcal) as unknown[]);
}

function build(tzid: string, zone: IANAZone, year: number): ICAL.Component {
  const from = Date.UTC(year - 1, 0, 1);
  const to = Date.UTC(year + YEARS_AFTER + 1, 0, 1);
  const transitions = findTransitions(zone, from, to);
  const vtz = new ICAL.Component('vtimezone');
  vtz.addPropertyWithValue('tzid', tzid);
  if (transitions.length === 0) {
    const offset = zone.offset(from);
    vtz.addSubcomponent(observance(zone, 'standard', EPOCH - offset * MINUTE_MS, offset, offset));
    return vtz;
  }
  // The offset in force when the span begins, until its first change: so the VTIMEZONE is right from 1 January of the year before.
  const initial = transitions[0]!.from;
  vtz.addSubcomponent(observance(zone, DateTime.fromMillis(from, { zone }).isInDST ? 'daylight' : 'standard', EPOCH - initial * MINUTE_MS, initial, initial));
  const rules = [true, false].map((daylight) => yearlyRule(transitions.filter((t) => t.daylight === daylight), year - 1, year + YEARS_AFTER));
  if (rules.every((r) => r !== undefined)) {
    for (const [i, daylight] of [true, false].entries()) {
      const first = transitions.find((t) => t.daylight === daylight)!;
      const sub = observance(zone, daylight ? 'daylight' : 'standard', first.at, first.from, first.to);
      const recur = new ICAL.Property('rrule');
      recur.setValue(ICAL.Recur.fromString(rules[i]!));
      sub.addProperty(recur);
      vtz.addSubcomponent(sub);
    }
    return vtz;
  }
  for (const t of transitions) vtz.addSubcomponent(observance(zone, t.daylight ? 'daylight' : 'standard', t.at, t.from, t.to));
  return vtz;
}

/** Every offset change in [from, to): a probe a day (no zone changes twice within one), then a bisection to the minute. */
function findTransitions(zone: IANAZone, from: number, to: number): Transition[] {
  const out: Transition[] = [];
  let prev = zone.offset(from);
  for (let t = from + DAY_MS; t <= to; t += DAY_MS) {
    const cur = zone.offset(t);
    if (cur === prev) continue;
    // Invariant: offset(lo) = prev, offset(hi) = cur; changes happen on whole minutes.
    let lo = t - DAY_MS;
    let hi = t;
    while (hi - lo > MINUTE_MS) {
      const mid = lo + Math.floor((hi - lo) / MINUTE_MS / 2) * MINUTE_MS;
      if (zone.offset(mid) === prev) lo = mid;
      else hi = mid;
    }
    out.push({ at: hi, from: prev, to: cur, daylight: DateTime.fromMillis(hi, { zone }).isInDST });
    prev = cur;
  }
  return out;
}

/**
 * The RRULE (`FREQ=YEARLY;BYMONTH=m;BYDAY=nDD`) every one of `ts` follows, one
 * change a year for each year of [firstYear, lastYear], or undefined. The wall
 * time compared is the one of DTSTART: local time in the offset before the change.
 */
function yearlyRule(ts: Transition[], firstYear: number, lastYear: number): string | undefined {
  if (ts.length !== lastYear - firstYear + 1) return undefined;
  const DAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];
  const shapes = ts.map((t) => {
    const wall = new Date(t.at + t.from * MINUTE_MS);
    const day = wall.getUTCDate();
    const monthDays = new Date(Date.UTC(wall.getUTCFullYear(), wall.getUTCMonth() + 1, 0)).getUTCDate();
    return {
      year: wall.getUTCFullYear(),
      month: wall.getUTCMonth() + 1,
      weekday: DAYS[wall.getUTCDay()]!,
      nth: Math.ceil(day / 7),
      last: day + 7 > monthDays,
      time: wall.getUTCHours() * 60 + wall.getUTCMinutes(),
      offsets: `${t.from}/${t.to}`,
    };
  });
  const a = shapes[0]!;
  const same = shapes.every((s, i) => s.year === firstYear + i && s.month === a.month && s.weekday === a.weekday && s.time === a.time && s.offsets === a.offsets);
  if (!same) return undefined;
  // "Last Sunday" is preferred to "5th" or "4th": it is what the rule means and it stays right in every month length.
  if (shapes.every((s) => s.last)) return `FREQ=YEARLY;BYMONTH=${a.month};BYDAY=-1${a.weekday}`;
  if (shapes.every((s) => s.nth === a.nth)) return `FREQ=YEARLY;BYMONTH=${a.month};BYDAY=${a.nth}${a.weekday}`;
  return undefined;
}

/** A STANDARD or DAYLIGHT observance starting at instant `at`, written in the offset before it (RFC 5545 §3.6.5). */
function observance(zone: IANAZone, kind: 'standard' | 'daylight', at: number, from: number, to: number): ICAL.Component {
  const sub = new ICAL.Component(kind);
  const wall = new Date(at + from * MINUTE_MS);
  const start = new ICAL.Property('dtstart');
  start.setValue(
    ICAL.Time.fromData({
      year: wall.getUTCFullYear(),
      month: wall.getUTCMonth() + 1,
      day: wall.getUTCDate(),
      hour: wall.getUTCHours(),
      minute: wall.getUTCMinutes(),
      second: 0,
    }),
  );
  sub.addProperty(start);
  sub.addPropertyWithValue('tzoffsetfrom', utcOffset(from));
  sub.addPropertyWithValue('tzoffsetto', utcOffset(to));
  const name = DateTime.fromMillis(at, { zone }).setLocale('en-US').offsetNameShort;
  if (name) sub.addPropertyWithValue('tzname', name);
  return sub;
}

function utcOffset(minutes: number): ICAL.UtcOffset {
  const abs = Math.abs(minutes);
  return new ICAL.UtcOffset({ hours: Math.floor(abs / 60), minutes: abs % 60, factor: minutes < 0 ? -1 : 1 });
}
