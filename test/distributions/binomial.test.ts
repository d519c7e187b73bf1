import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BinomialDistribution, binomialDistribution } from '../../distributions/binomial.js';
import { assertErrorsAt, assertMoments, build, chiSquare, chiSquareCritical999, context, make, samples } from './support.js';

const N = 100_000;

function binomialTheory(n: number, p: number) {
  const v = n * p * (1 - p);
  return { mean: n * p, sd: Math.sqrt(v), kurtosis: 3 + (1 - 6 * p * (1 - p)) / v };
}

function pmf(n: number, p: number): number[] {
  const logFact = [0];
  for (let i = 1; i <= n; i++) logFact.push(logFact[i - 1]! + Math.log(i));
  return Array.from({ length: n + 1 }, (_, k) =>
    Math.exp(logFact[n]! - logFact[k]! - logFact[n - k]! + k * Math.log(p) + (n - k) * Math.log(1 - p)),
  );
}

// Cases cover both algorithms (inversion for n·min(p, 1−p) < 10, BTRS above) and the p > ½ reflection.
const cases: Array<[number, number]> = [
  [20, 0.3],
  [1000, 0.3],
  [50, 0.9],
  [10_000, 0.7],
];

describe('BinomialDistribution', () => {
  for (const [n, p] of cases) {
    it(`Binomial(${n}, ${p}) has the binomial moments and pmf`, () => {
      const xs = samples(make(binomialDistribution, { n, p }), N);
      assert.ok(xs.every((x) => Number.isInteger(x) && x >= 0 && x <= n));
      assertMoments(xs, binomialTheory(n, p));
      const observed = new Array<number>(n + 1).fill(0);
      for (const x of xs) observed[x]!++;
      const [stat, dof] = chiSquare(observed, pmf(n, p).map((q) => q * N));
      assert.ok(stat < chiSquareCritical999(dof), `χ² = ${stat} over ${dof} dof`);
    });
  }

  it('is degenerate at p = 0 and p = 1', () => {
    assert.deepEqual([...samples(make(binomialDistribution, { n: 7, p: 0 }), 5)], [0, 0, 0, 0, 0]);
    assert.deepEqual([...samples(make(binomialDistribution, { n: 7, p: 1 }), 5)], [7, 7, 7, 7, 7]);
  });

  it('describes itself', () => {
    assert.equal(make(binomialDistribution, { n: 10, p: 0.25 }).describe?.(), 'BinomialDistribution(n=10, p=0.25)');
  });

  it('reports bad params at their keys', () => {
    assertErrorsAt(build(binomialDistribution, { n: 0, p: 1.5 }), ['n', 'p']);
    assertErrorsAt(build(binomialDistribution, { n: 2.5, p: 0.5 }), ['n']);
  });

  it('rejects bad options given in code', () => {
    assert.throws(() => new BinomialDistribution({ n: 10, p: -0.1 }, context()), RangeError);
  });
});
