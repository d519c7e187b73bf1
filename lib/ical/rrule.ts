/**
 * One RRULE's occurrences under a step guard (recurrence.ts merges them into the
 * recurrence set; calendar-object.ts checks a rule with checkRule). ical.js supplies
 * the iterator; the guard is here because ical.js loops forever on rules that can
 * never match again (FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30, FREQ=DAILY;INTERVAL=7;BYDAY=TU
 * from a Monday): a rule that spends its step budget yields nothing more, and says so
 * through `Truncation`.
 */
import ICAL from 'ical.js';
import { timeToUtcMs, wallOf, zoneOfTime, type WallClock, type ZoneRef } from './datetime.js';

/** RRULE iterator steps allowed per rule when nothing says otherwise (ExpansionOptions.stepBudget). */
export const DEFAULT_STEP_BUDGET = 20_000;

/** Where a generator records that a bound stopped it. */
export interface Truncation {
  truncated: boolean;
}

class StepBudgetExceeded extends Error {}

/**
 * The step guard of the iterator being advanced. Module state is safe: ical.js is
 * synchronous, and the guard of each rule is installed around each of its next() calls.
 */
interface StepGuard {
  /** Steps left for this rule. */
  left: number;
  /** Failed candidates since the last good one. */
  streak: number;
}
let guard: StepGuard = { left: Infinity, streak: 0 };

/**
 * ical.js's RecurIterator with a step guard: `next()` retries candidates in an
 * unbounded loop until `check_contracting_rules()` passes, so that is where we count.
 * A rule is abandoned after `STREAK_LIMIT` failed candidates in a row (it cannot match
 * again, or only once in years of its frequency) or when its total budget is spent.
 * (The method is not part of ical.js's documented API: a test guards against it going away.)
 */
class GuardedRecurIterator extends ICAL.RecurIterator {
  override check_contracting_rules(): boolean {
    if (--guard.left < 0 || guard.streak > STREAK_LIMIT) throw new StepBudgetExceeded();
    const ok = super.check_contracting_rules();
    guard.streak = ok ? 0 : guard.streak + 1;
    return ok;
  }
}

/** Failed candidates in a row before a rule is abandoned: about 20 ms of ical.js work; FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29 needs up to 1,461. */
const STREAK_LIMIT = 2_000;

function wallKey(w: WallClock): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
}

export function dateKey(w: WallClock): number {
  return Date.UTC(w.year, w.month - 1, w.day);
}

/** Impossible days in a row before a rule is abandoned (a real rule has at most a few between real ones). */
const BOGUS_LIMIT = 50;

/**
 * ical.js turns an impossible day into the next real one (BYMONTHDAY=30 in February
 * gives 2 March). RFC 5545 §3.3.10: such instances MUST be ignored. Returns a test
 * that an occurrence really satisfies BYMONTH and BYMONTHDAY.
 */
function dayFilter(rule: ICAL.Recur): ((t: ICAL.Time) => boolean) | undefined {
  const months = rule.getComponent('bymonth').map(Number);
  const days = rule.getComponent('bymonthday').map(Number);
  if (months.length === 0 && days.length === 0) return undefined;
  return (t) => {
    if (months.length > 0 && !months.includes(t.month)) return false;
    if (days.length === 0) return true;
    const dim = ICAL.Time.daysInMonth(t.month, t.year);
    return days.some((d) => (d > 0 ? t.day === d : t.day === dim + d + 1));
  };
}

/** One RRULE's occurrence instants, in order, up to `until`; marks `trunc` if its step guard gives up. */
export function* ruleOccurrences(
  recur: ICAL.Recur,
  dtstart: ICAL.Time,
  zone: ZoneRef,
  until: number,
  floatingZone: string,
  stepBudget: number,
  trunc: Truncation,
): Generator<number> {
  const rule = recur.clone();
  const ruleUntil = rule.until;
  // UNTIL is applied here (see the file comment), so ical.js is given the rule without it.
  rule.until = null as unknown as ICAL.Time;
  let withinUntil: ((t: ICAL.Time, ms: number) => boolean) | undefined;
  if (ruleUntil) {
    if (ruleUntil.isDate) {
      const k = dateKey(wallOf(ruleUntil));
      withinUntil = (t) => dateKey(wallOf(t)) <= k;
    } else if (zoneOfTime(ruleUntil).kind === 'utc') {
      const k = timeToUtcMs(ruleUntil, zoneOfTime(ruleUntil), floatingZone);
      withinUntil = (_t, ms) => ms <= k;
    } else {
      // A floating UNTIL goes with a floating DTSTART: compare wall clocks.
      const k = wallKey(wallOf(ruleUntil));
      withinUntil = (t) => wallKey(wallOf(t)) <= k;
    }
  }
  const realDay = dayFilter(rule);
  const state: StepGuard = { left: stepBudget, streak: 0 };
  let it: GuardedRecurIterator;
  const step = (): ICAL.Time | null => {
    const saved = guard;
    guard = state;
    try {
      return it ? (it.next() as ICAL.Time | null) : null;
    } finally {
      guard = saved;
    }
  };
  try {
    const saved = guard;
    guard = state;
    try {
      it = new GuardedRecurIterator({ rule, dtstart: dtstart.clone() });
    } finally {
      guard = saved;
    }
    let bogus = 0;
    for (let t = step(); t; t = step()) {
      if (realDay && !realDay(t)) {
        // A rule whose every day is impossible (BYMONTH=2;BYMONTHDAY=30) would go on forever.
        if (++bogus > BOGUS_LIMIT) throw new StepBudgetExceeded();
        continue;
      }
      bogus = 0;
      const ms = timeToUtcMs(t, zone, floatingZone);
      if (withinUntil && !withinUntil(t, ms)) return;
      if (ms > until) return;
      yield ms;
    }
  } catch {
    // The step guard, or ical.js giving up on the rule mid-way ("Same occurrence found
    // twice"): either way the rule yields nothing more, and a request must not fail on it.
    trunc.truncated = true;
  }
}

/**
 * Throws ical.js's complaint if `recur` cannot be iterated from `dtstart` (parts it
 * rejects, such as BYMONTHDAY with FREQ=WEEKLY), under the same step guard.
 */
export function checkRule(recur: ICAL.Recur, dtstart: ICAL.Time): void {
  const saved = guard;
  guard = { left: DEFAULT_STEP_BUDGET, streak: 0 };
  try {
    new GuardedRecurIterator({ rule: recur.clone(), dtstart: dtstart.clone() });
  } catch (e) {
    if (!(e instanceof StepBudgetExceeded)) throw e;
  } finally {
    guard = saved;
  }
}
