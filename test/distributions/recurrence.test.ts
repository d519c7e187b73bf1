import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RECURRENCE_RULES, RecurrenceDistribution, recurrenceDistribution, type RecurrenceRule } from '../../distributions/recurrence.js';
import { Random } from '../../lib/core/random.js';
import { VirtualClock } from '../../lib/core/clock.js';
import { assertErrorsAt, build, chiSquare, context, counts, make } from './support.js';

/** The weights of the master reference clients.plist. */
const MASTER: Record<RecurrenceRule, number> = {
  none: 50,
  daily: 10,
  weekly: 20,
  monthly: 2,
  yearly: 1,
  dailylimit: 2,
  weeklylimit: 5,
  workdays: 10,
};

describe('RecurrenceDistribution', () => {
  it('draws each rule with probability weight / sum, yearly included', () => {
    const d = make(recurrenceDistribution, { allowRecurrence: true, weights: MASTER });
    const n = 100_000;
    const c = counts(Array.from({ length: n }, () => d.sample()));
    const rules = Object.keys(MASTER) as RecurrenceRule[];
    const observed = rules.map((r) => c.get(RECURRENCE_RULES[r]) ?? 0);
    const expected = rules.map((r) => (n * MASTER[r]) / 100);
    const [stat, dof] = chiSquare(observed, expected);
    assert.equal(dof, 7);
    // Upper 0.1 % point of χ² with 7 degrees of freedom.
    assert.ok(stat < 24.32, `χ² = ${stat}`);
    // The original never drew the alphabetically last rule; here ≈ 1000 of 100,000.
    assert.ok((c.get('FREQ=YEARLY') ?? 0) > 800);
    assert.equal([...c.keys()].length, 8);
  });

  it('maps each rule to its RRULE value', () => {
    for (const rule of Object.keys(RECURRENCE_RULES) as RecurrenceRule[]) {
      const d = make(recurrenceDistribution, { allowRecurrence: true, weights: { [rule]: 3 } });
      assert.equal(d.sample(), RECURRENCE_RULES[rule]);
    }
    assert.equal(RECURRENCE_RULES.workdays, 'FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR');
    assert.equal(RECURRENCE_RULES.dailylimit, 'FREQ=DAILY;COUNT=14');
    assert.equal(RECURRENCE_RULES.weeklylimit, 'FREQ=WEEKLY;COUNT=4');
    assert.equal(RECURRENCE_RULES.none, null);
  });

  it('never draws a rule of weight 0', () => {
    const d = make(recurrenceDistribution, { allowRecurrence: true, weights: { none: 1, daily: 0, weekly: 1, yearly: 0 } });
    const c = counts(Array.from({ length: 10_000 }, () => d.sample()));
    assert.deepEqual([...c.keys()].sort(), ['FREQ=WEEKLY', null].sort());
  });

  it('is always null when recurrence is not allowed, drawing nothing', () => {
    const random = new Random('recurrence-off');
    const d = make(recurrenceDistribution, { allowRecurrence: false, weights: MASTER }, { random, clock: new VirtualClock() });
    for (let i = 0; i < 1000; i++) assert.equal(d.sample(), null);
    assert.equal(random.next(), new Random('recurrence-off').next());
    assert.equal(make(recurrenceDistribution, {}).sample(), null);
    assert.equal(d.describe?.(), 'RecurrenceDistribution(off)');
  });

  it('describes itself', () => {
    assert.equal(
      make(recurrenceDistribution, { allowRecurrence: true, weights: { none: 50, weekly: 20, yearly: 0 } }).describe?.(),
      'RecurrenceDistribution(none=50, weekly=20)',
    );
  });

  it('reports bad weights at their keys', () => {
    const unknown = build(recurrenceDistribution, { allowRecurrence: true, weights: { none: 1, hourly: 2 } });
    assertErrorsAt(unknown, ['weights.hourly'], /unknown rule "hourly"; expected one of none, daily, weekly, monthly, yearly, dailylimit, weeklylimit, workdays/);
    assertErrorsAt(build(recurrenceDistribution, { allowRecurrence: true, weights: { none: 0, daily: 0 } }), ['weights'], /all weights are 0/);
    assertErrorsAt(build(recurrenceDistribution, { allowRecurrence: true }), ['weights']);
    assertErrorsAt(build(recurrenceDistribution, { weights: { daily: -1, weekly: 'x' } }), ['weights.daily', 'weights.weekly']);
    assertErrorsAt(build(recurrenceDistribution, { weights: [1] }), ['weights']);
    assertErrorsAt(build(recurrenceDistribution, { allowRecurrence: 'yes', weights: {} }), ['allowRecurrence']);
    // All zero is fine while recurrence is off.
    assert.ok(build(recurrenceDistribution, { allowRecurrence: false, weights: { none: 0 } }).dist);
  });

  it('rejects bad options given in code', () => {
    assert.throws(() => new RecurrenceDistribution({ allowRecurrence: true }, context()), RangeError);
  });
});
