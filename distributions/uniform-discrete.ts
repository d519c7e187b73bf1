import type { Distribution, DistributionContext, DistributionDefinition } from '../lib/params/distribution.js';
import type { Random } from '../lib/core/random.js';
import { describeValue } from '../lib/params/problems.js';
import { assertValid, formatValue, type Issue } from './common.js';

export type DiscreteValue = number | string;

export interface UniformDiscreteOptions<T extends DiscreteValue = DiscreteValue> {
  /** The values drawn, at least one. Repeats weigh a value more. */
  values: readonly T[];
  /** Shuffle each pass through the deck; when false, values come out in list order. */
  randomize?: boolean;
}

export const uniformDiscreteDefaults = { randomize: true } as const;

function valueIssues(values: unknown): Issue[] {
  if (!Array.isArray(values)) return [{ key: 'values', message: `expected an array of numbers or strings, got ${describeValue(values)}` }];
  if (values.length === 0) return [{ key: 'values', message: 'must hold at least one value' }];
  const issues: Issue[] = [];
  values.forEach((v, i) => {
    const ok = typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
    if (!ok) issues.push({ key: `values[${i}]`, message: `expected a number or a string, got ${describeValue(v)}` });
  });
  return issues;
}

/**
 * A deck of cards: each pass deals every value once, in a fresh shuffled order,
 * so over k passes each value comes out exactly k times (not merely about k).
 * With `randomize: false` values come in list order; the original dealt from
 * the end of its copy and so gave them in reverse.
 */
export class UniformDiscreteDistribution<T extends DiscreteValue = DiscreteValue> implements Distribution<T> {
  readonly values: readonly T[];
  readonly randomize: boolean;
  private readonly random: Random;
  private deck: T[] = [];
  private next = 0;

  constructor(options: UniformDiscreteOptions<T>, ctx: DistributionContext) {
    assertValid('UniformDiscreteDistribution', valueIssues(options.values));
    this.values = [...options.values];
    this.randomize = options.randomize ?? uniformDiscreteDefaults.randomize;
    this.random = ctx.random;
  }

  sample(): T {
    // Dealt lazily: building a distribution must not draw random numbers.
    if (this.next >= this.deck.length) {
      this.deck = [...this.values];
      if (this.randomize) this.random.shuffle(this.deck);
      this.next = 0;
    }
    return this.deck[this.next++]!;
  }

  describe(): string {
    const shown = this.values.length <= 8 ? formatValue(this.values) : `[${this.values.slice(0, 6).map(formatValue).join(', ')}, … ${this.values.length} values]`;
    return `UniformDiscreteDistribution(values=${shown}${this.randomize ? '' : ', randomize=false'})`;
  }
}

export const uniformDiscreteDistribution: DistributionDefinition<DiscreteValue> = {
  name: 'UniformDiscreteDistribution',
  summary: 'Deals the given values like a shuffled deck of cards, each exactly once per pass.',
  create(params, ctx) {
    const values = params.raw('values');
    if (values === undefined) params.error('values', 'missing; expected an array of numbers or strings');
    else for (const issue of valueIssues(values)) params.error(issue.key, issue.message);
    const randomize = params.boolean('randomize', uniformDiscreteDefaults.randomize);
    params.finish();
    if (!params.ok) return undefined;
    return new UniformDiscreteDistribution({ values: values as DiscreteValue[], randomize }, ctx);
  },
};
