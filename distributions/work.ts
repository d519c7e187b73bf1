import { DateTime, FixedOffsetZone, IANAZone, type Zone } from 'luxon';
import type { Clock } from '../lib/core/clock.js';
import type { NumberRule } from '../lib/params/params.js';
import { describeValue } from '../lib/params/problems.js';
import type { Distribution, DistributionContext, DistributionDefinition } from '../lib/params/distribution.js';
import { DistributionError } from '../lib/core/errors.js';
import type { Random } from '../lib/core/random.js';
import { assertValid, isNumber, maybeNumber, numberIssues, reportIssues, type Issue } from './common.js';
import { truncatedNormal } from './normal.js';

/** Day names as the plists spell them, in JavaScript's weekday order (0 = Sunday). */
export const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type DayName = (typeof DAY_NAMES)[number];

export interface WorkOptions {
  /** Working days, case-insensitive names from `sun mon tue wed thu fri sat`; at least one. */
  daysOfWeek?: readonly string[];
  /** Local hour a working day starts, 0–23. */
  beginHour?: number;
  /** Local hour a working day ends, 1–24, after beginHour. Samples are always before it. */
  endHour?: number;
  /** IANA time zone the hours are in, and of the samples. */
  tzname?: string;
}

export const workDefaults = {
  daysOfWeek: ['mon', 'tue', 'wed', 'thu', 'fri'],
  beginHour: 8,
  endHour: 17,
  tzname: 'UTC',
} as const;

/** The offset's law, in working days: Normal(6, 4) truncated at 0, as the original. */
export const WORK_OFFSET_DAYS = { mean: 6, sd: 4 } as const;

const RULES: Readonly<Record<'beginHour' | 'endHour', NumberRule>> = {
  beginHour: { integer: true, min: 0, max: 23 },
  endHour: { integer: true, min: 1, max: 24 },
};

const MINUTE_MS = 60_000;
const QUARTER_MS = 15 * MINUTE_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

function dayIssues(days: unknown): Issue[] {
  if (!Array.isArray(days)) return [{ key: 'daysOfWeek', message: `expected an array of day names, got ${describeValue(days)}` }];
  if (days.length === 0) return [{ key: 'daysOfWeek', message: `must name at least one day (${DAY_NAMES.join(', ')})` }];
  const issues: Issue[] = [];
  days.forEach((d, i) => {
    if (typeof d !== 'string' || !(DAY_NAMES as readonly string[]).includes(d.toLowerCase())) {
      issues.push({ key: `daysOfWeek[${i}]`, message: `unknown day ${describeValue(d)}; expected one of ${DAY_NAMES.join(', ')}` });
    }
  });
  return issues;
}

function hourIssues(begin: number, end: number): Issue[] {
  if (isNumber(begin) && isNumber(end) && begin >= end) {
    return [{ key: 'beginHour', message: `must be before endHour (got beginHour ${begin}, endHour ${end})` }];
  }
  return [];
}

/**
 * Zone name → its canonical spelling (or null when unknown). Every client's
 * profiles make WorkDistributions, and asking Intl about a zone costs a
 * formatter each time (a profile showed it at 4 % of a run's CPU): a few
 * zone names, asked about thousands of times.
 */
const canonicalZones = new Map<string, string | null>();

/** The zone's own spelling when only the case differs ("america/new_york"); undefined when unknown. */
function canonicalZone(name: string): string | undefined {
  let known = canonicalZones.get(name);
  if (known === undefined) {
    if (!IANAZone.isValidZone(name)) known = null;
    else {
      try {
        const resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
        known = resolved.toLowerCase() === name.toLowerCase() ? resolved : name;
      } catch {
        known = name;
      }
    }
    if (canonicalZones.size < 1000) canonicalZones.set(name, known);
  }
  return known ?? undefined;
}

/** Windows per (zone, hours, days) and local day, shared by every instance alike (see `window`). */
const sharedWindows = new Map<string, Map<number, readonly [number, number] | null>>();

function zoneIssues(tzname: unknown): Issue[] {
  if (typeof tzname !== 'string') return [];
  return canonicalZone(tzname) === undefined ? [{ key: 'tzname', message: `unknown time zone ${JSON.stringify(tzname)}` }] : [];
}

/**
 * A date-time in working hours some working days ahead, as a luxon DateTime in
 * `tzname` on a quarter hour: an offset of working time is drawn, then
 * consumed by walking forward from now through the working windows.
 *
 * Where this differs from the original on purpose:
 * - "A working day" in the offset's law is the configured window length
 *   (endHour − beginHour), not a fixed 8 h; the reference plists use 8–16, so
 *   for them nothing changes.
 * - The first window starts at now (to the next quarter hour) when now is
 *   inside it; the original started it at beginHour even later that day, so a
 *   sample could lie in the past.
 * - Windows are local wall-clock hours, so on a DST-change day work still
 *   runs beginHour–endHour local time; working time is real elapsed time, so
 *   a window holding the change is an hour shorter or longer.
 */
export class WorkDistribution implements Distribution<DateTime> {
  readonly daysOfWeek: readonly DayName[];
  readonly beginHour: number;
  readonly endHour: number;
  readonly tzname: string;
  private readonly days: ReadonlySet<number>;
  private readonly zone: Zone;
  private readonly random: Random;
  private readonly clock: Clock;
  /** [start, end) instants of the window on a local day (days since 1970-01-01), null when there is none. */
  private readonly windows: Map<number, readonly [number, number] | null>;

  constructor(options: WorkOptions, ctx: DistributionContext) {
    const o = {
      daysOfWeek: options.daysOfWeek ?? workDefaults.daysOfWeek,
      beginHour: options.beginHour ?? workDefaults.beginHour,
      endHour: options.endHour ?? workDefaults.endHour,
      tzname: options.tzname ?? workDefaults.tzname,
    };
    assertValid('WorkDistribution', [
      ...dayIssues(o.daysOfWeek),
      ...numberIssues(o, RULES),
      ...hourIssues(o.beginHour, o.endHour),
      ...zoneIssues(o.tzname),
    ]);
    const days = new Set(o.daysOfWeek.map((d) => DAY_NAMES.indexOf(d.toLowerCase() as DayName)));
    this.days = days;
    this.daysOfWeek = DAY_NAMES.filter((_, i) => days.has(i));
    this.beginHour = o.beginHour;
    this.endHour = o.endHour;
    this.tzname = canonicalZone(o.tzname)!;
    // Plain UTC samples print as ...Z, as NearFuture's do.
    this.zone = this.tzname === 'UTC' ? FixedOffsetZone.utcInstance : IANAZone.create(this.tzname);
    // A window depends only on these, so instances with the same ones share the cache.
    const key = `${this.tzname}|${this.beginHour}|${this.endHour}|${[...days].sort().join(',')}`;
    let windows = sharedWindows.get(key);
    if (!windows) {
      windows = new Map();
      if (sharedWindows.size < 1000) sharedWindows.set(key, windows);
    }
    this.windows = windows;
    this.random = ctx.random;
    this.clock = ctx.clock;
  }

  /** Length of a working day in seconds: the unit of the offset's law. */
  get workingDaySeconds(): number {
    return (this.endHour - this.beginHour) * 3600;
  }

  /** One offset of working time, in whole seconds: Normal(6, 4) working days, truncated at 0. */
  drawOffsetSeconds(): number {
    const day = this.workingDaySeconds;
    return Math.floor(truncatedNormal(this.random, WORK_OFFSET_DAYS.mean * day, WORK_OFFSET_DAYS.sd * day));
  }

  sample(): DateTime {
    return this.placeOffset(this.drawOffsetSeconds());
  }

  /**
   * The date-time `offsetSeconds` of working time after `now`, floored to a
   * quarter hour. Deterministic: `sample()` is this with a drawn offset.
   * The walk starts at `now` rounded up to a quarter hour, so the result is
   * never before `now` and never at or after the end of its window.
   */
  placeOffset(offsetSeconds: number, now: number = this.clock.now()): DateTime {
    let remaining = offsetSeconds * 1000;
    const from = this.alignQuarter(now, true);
    let day = Math.floor((from + this.zone.offset(from) * MINUTE_MS) / DAY_MS);
    for (let idle = 0; ; day++) {
      const w = this.window(day);
      const start = w ? Math.max(w[0], from) : 0;
      if (!w || w[1] <= start) {
        // Only reachable with zones whose clocks skip the working hours for good.
        if (++idle > 14) throw new DistributionError(`WorkDistribution: no working hours found in ${this.tzname}`);
        continue;
      }
      idle = 0;
      const length = w[1] - start;
      if (remaining < length) return DateTime.fromMillis(this.alignQuarter(start + remaining, false), { zone: this.zone });
      remaining -= length;
    }
  }

  private window(day: number): readonly [number, number] | null {
    const weekday = (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
    if (!this.days.has(weekday)) return null;
    let w = this.windows.get(day);
    if (w === undefined) {
      const start = this.instant(day * DAY_MS + this.beginHour * HOUR_MS);
      const end = this.instant(day * DAY_MS + this.endHour * HOUR_MS);
      w = end > start ? [start, end] : null;
      if (this.windows.size >= 1024) this.windows.clear();
      this.windows.set(day, w);
    }
    return w;
  }

  /**
   * The first instant at which local time reaches `wall` (a wall-clock time
   * written as if it were UTC milliseconds). In a spring-forward gap that is
   * the change itself, as luxon gives. For a wall time occurring twice (the
   * hour repeated in autumn) luxon gives the later occurrence; windows use the
   * earlier, so a window holds exactly the instants whose local hour is in
   * [beginHour, endHour).
   */
  private instant(wall: number): number {
    const d = new Date(wall);
    const local = { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours() };
    let t = DateTime.fromObject(local, { zone: this.zone }).toMillis();
    for (const probe of [t - DAY_MS, t + DAY_MS]) {
      const offset = this.zone.offset(probe) * MINUTE_MS;
      const candidate = wall - offset;
      if (candidate < t && this.zone.offset(candidate) * MINUTE_MS === offset) t = candidate;
    }
    return t;
  }

  /** Floors (or ceils) an instant to a quarter hour of local time. */
  private alignQuarter(t: number, up: boolean): number {
    const local = t + this.zone.offset(t) * MINUTE_MS;
    const r = ((local % QUARTER_MS) + QUARTER_MS) % QUARTER_MS;
    if (r === 0) return t;
    return up ? t - r + QUARTER_MS : t - r;
  }

  describe(): string {
    const order = [1, 2, 3, 4, 5, 6, 0].filter((d) => this.days.has(d));
    const positions = order.map((d) => (d + 6) % 7);
    const contiguous = order.length >= 3 && positions.every((p, i) => i === 0 || p === positions[i - 1]! + 1);
    const days = contiguous ? `${DAY_NAMES[order[0]!]}–${DAY_NAMES[order[order.length - 1]!]}` : order.map((d) => DAY_NAMES[d]).join(',');
    const hh = (h: number) => `${String(h).padStart(2, '0')}:00`;
    return `WorkDistribution(${days} ${hh(this.beginHour)}–${hh(this.endHour)} ${this.tzname})`;
  }
}

export const workDistribution: DistributionDefinition<DateTime> = {
  name: 'WorkDistribution',
  summary: 'A date-time in working hours of a time zone, a few working days ahead, on a quarter hour.',
  create(params, ctx) {
    const rawDays = params.raw('daysOfWeek');
    const daysOfWeek = rawDays === undefined ? [...workDefaults.daysOfWeek] : rawDays;
    reportIssues(params, dayIssues(daysOfWeek));
    // NaN (not the default) when invalid, so that no begin ≥ end error is made up from a default.
    const beginHour = maybeNumber(params, 'beginHour', RULES.beginHour) ?? workDefaults.beginHour;
    const endHour = maybeNumber(params, 'endHour', RULES.endHour) ?? workDefaults.endHour;
    reportIssues(params, hourIssues(beginHour, endHour));
    const tzname = params.string('tzname', workDefaults.tzname);
    reportIssues(params, zoneIssues(tzname));
    params.finish();
    if (!params.ok) return undefined;
    return new WorkDistribution({ daysOfWeek: daysOfWeek as string[], beginHour, endHour, tzname }, ctx);
  },
};
