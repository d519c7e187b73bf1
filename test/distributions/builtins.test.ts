import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DateTime } from 'luxon';
import { builtinDistributions } from '../../distributions/index.js';
import type { DistributionDefinition } from '../../lib/params/distribution.js';
import { VirtualClock } from '../../lib/core/clock.js';
import { Random } from '../../lib/core/random.js';
import { build, BASE } from './support.js';

/** Typical params of each built-in (the reference plists' where they have them). */
const TYPICAL: Record<string, Record<string, unknown>> = {
  UniformDiscreteDistribution: { values: [900, 1800, 2700, 3600, 7200] },
  UniformIntegerDistribution: { min: 0, max: 99 },
  NormalDistribution: { mu: 600, sigma: 60 },
  LogNormalDistribution: { mode: 1, median: 6, maximum: 60 },
  FixedDistribution: { value: 60 },
  NearFutureDistribution: {},
  WorkDistribution: { daysOfWeek: ['mon', 'tue', 'wed', 'thu', 'fri'], beginHour: 8, endHour: 16, tzname: 'America/Los_Angeles' },
  RecurrenceDistribution: {
    allowRecurrence: true,
    weights: { none: 50, daily: 10, weekly: 20, monthly: 2, yearly: 1, dailylimit: 2, weeklylimit: 5, workdays: 10 },
  },
  BinomialDistribution: { n: 40, p: 0.5 },
  ExponentialDistribution: { mean: 30 },
  UniformDistribution: { min: 0, max: 1 },
  ParetoDistribution: { scale: 1, shape: 2.5 },
};

const show = (v: unknown) => (DateTime.isDateTime(v) ? v.toISO() : v);

function run(def: DistributionDefinition, random: Random, n = 50): unknown[] {
  const { dist, problems } = build(def, TYPICAL[def.name]!, { random, clock: new VirtualClock(Date.UTC(2026, 2, 6, 20)) });
  assert.deepEqual(problems.list, []);
  return Array.from({ length: n }, () => show(dist!.sample()));
}

describe('built-in distributions', () => {
  it('are the original eight and four new ones, by unique names', () => {
    assert.deepEqual(
      builtinDistributions.map((d) => d.name).sort(),
      Object.keys(TYPICAL).sort(),
    );
    for (const d of builtinDistributions) assert.ok(d.summary.length > 10);
  });

  for (const def of builtinDistributions) {
    describe(def.name, () => {
      it('replays: the same seed gives the same sequence; another stream a different one', () => {
        const root = new Random('replay');
        const a = run(def, root.derive('user01/profile:Eventer'));
        const b = run(def, new Random('replay').derive('user01/profile:Eventer'));
        assert.deepEqual(a, b);
        if (def.name !== 'FixedDistribution') {
          assert.notDeepEqual(a, run(def, root.derive('user02/profile:Eventer')));
        }
      });

      it('draws no random numbers while being built', () => {
        const random = new Random('build');
        build(def, TYPICAL[def.name]!, { random, clock: new VirtualClock() });
        assert.equal(random.next(), new Random('build').next());
      });

      it('warns about an unknown key and still builds', () => {
        const r = build(def, { ...TYPICAL[def.name]!, sigmma: 3 });
        assert.ok(r.dist);
        assert.deepEqual(r.errors, []);
        assert.deepEqual(
          r.warnings.map((w) => [w.path, w.message]),
          [[`${BASE}.sigmma`, 'unknown key, ignored']],
        );
      });

      it('describes itself on one line', () => {
        const text = build(def, TYPICAL[def.name]!).dist!.describe?.() ?? '';
        assert.match(text, new RegExp(`^${def.name}\\(.+\\)$`));
        assert.ok(!text.includes('\n'));
      });
    });
  }
});
