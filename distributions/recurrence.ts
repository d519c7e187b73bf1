import type { Distribution, DistributionContext, DistributionDefinition } from '../lib/params/distribution.js';
import type { Random } from '../lib/core/random.js';
import { checkNumber } from '../lib/params/params.js';
import { describeValue, isDict } from '../lib/params/problems.js';
import { assertValid, formatNumber, type Issue } from './common.js';

/** The rule names a `weights` dict may use, and the RRULE value each stands for (null: not recurring). */
export const RECURRENCE_RULES = {
  none: null,
  daily: 'FREQ=DAILY',
  weekly: 'FREQ=WEEKLY',
  monthly: 'FREQ=MONTHLY',
  yearly: 'FREQ=YEARLY',
  dailylimit: 'FREQ=DAILY;COUNT=14',
  weeklylimit: 'FREQ=WEEKLY;COUNT=4',
  workdays: 'FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR',
} as const satisfies Record<string, string | null>;

export type RecurrenceRule = keyof typeof RECURRENCE_RULES;
const RULE_NAMES = Object.keys(RECURRENCE_RULES) as RecurrenceRule[];

export interface RecurrenceOptions {
  /** When false every sample is null (no RRULE). */
  allowRecurrence?: boolean;
  /** Relative weight of each rule, ≥ 0; missing rules weigh 0. Not all 0 when recurrence is allowed. */
  weights?: Partial<Record<RecurrenceRule, number>>;
}

export const recurrenceDefaults = { allowRecurrence: false, weights: {} } as const;

function weightIssues(allow: boolean, weights: unknown): Issue[] {
  if (!isDict(weights)) return [{ key: 'weights', message: `expected a dict of rule → weight, got ${describeValue(weights)}` }];
  const issues: Issue[] = [];
  let total = 0;
  for (const [key, value] of Object.entries(weights)) {
    if (!(RULE_NAMES as string[]).includes(key)) {
      issues.push({ key: `weights.${key}`, message: `unknown rule "${key}"; expected one of ${RULE_NAMES.join(', ')}` });
      continue;
    }
    const message = checkNumber(value, { min: 0 });
    if (message) issues.push({ key: `weights.${key}`, message });
    else total += value as number;
  }
  if (allow && issues.length === 0 && total === 0) {
    issues.push({ key: 'weights', message: 'recurrence is allowed but all weights are 0 (or none are given)' });
  }
  return issues;
}

/**
 * An RRULE value (e.g. `FREQ=WEEKLY`, without the `RRULE:` name) or null,
 * each rule chosen with probability weight / sum of weights. The original
 * built a list with each rule repeated `weight` times and drew its index with
 * an exclusive upper bound one too small, so the alphabetically last rule with
 * a weight (`yearly` in the shipped plists) never came out; here every rule
 * with a positive weight does.
 */
export class RecurrenceDistribution implements Distribution<string | null> {
  readonly allowRecurrence: boolean;
  readonly weights: Readonly<Partial<Record<RecurrenceRule, number>>>;
  private readonly rules: RecurrenceRule[] = [];
  private readonly cumulative: number[] = [];
  private readonly random: Random;

  constructor(options: RecurrenceOptions, ctx: DistributionContext) {
    this.allowRecurrence = options.allowRecurrence ?? recurrenceDefaults.allowRecurrence;
    const weights: Partial<Record<RecurrenceRule, number>> = options.weights ?? recurrenceDefaults.weights;
    assertValid('RecurrenceDistribution', weightIssues(this.allowRecurrence, weights));
    this.weights = { ...weights };
    let total = 0;
    for (const rule of RULE_NAMES) {
      const w = weights[rule] ?? 0;
      if (w > 0) {
        total += w;
        this.rules.push(rule);
        this.cumulative.push(total);
      }
    }
    this.random = ctx.random;
  }

  /** The rule name of one sample (`none` when recurrence is not allowed). */
  sampleRule(): RecurrenceRule {
    if (!this.allowRecurrence) return 'none';
    const total = this.cumulative[this.cumulative.length - 1]!;
    const u = this.random.next() * total;
    // u < total always, so the search ends on a rule of positive weight.
    let i = 0;
    while (u >= this.cumulative[i]!) i++;
    return this.rules[i]!;
  }

  sample(): string | null {
    return RECURRENCE_RULES[this.sampleRule()];
  }

  describe(): string {
    if (!this.allowRecurrence) return 'RecurrenceDistribution(off)';
    const parts = RULE_NAMES.filter((r) => (this.weights[r] ?? 0) > 0).map((r) => `${r}=${formatNumber(this.weights[r]!)}`);
    return `RecurrenceDistribution(${parts.join(', ')})`;
  }
}

export const recurrenceDistribution: DistributionDefinition<string | null> = {
  name: 'RecurrenceDistribution',
  summary: 'An RRULE (daily, weekly, …) or none, chosen by weights; always none unless allowRecurrence.',
  create(params, ctx) {
    const allowRecurrence = params.boolean('allowRecurrence', recurrenceDefaults.allowRecurrence);
    const raw = params.raw('weights');
    const weights = raw === undefined ? {} : raw;
    for (const issue of weightIssues(allowRecurrence, weights)) params.error(issue.key, issue.message);
    params.finish();
    if (!params.ok) return undefined;
    return new RecurrenceDistribution({ allowRecurrence, weights: weights as RecurrenceOptions['weights'] }, ctx);
  },
};
