import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError } from '../../lib/core/errors.js';
import { compareResults, DEFAULT_COMPARE_OPTIONS, parsePercent, renderComparison } from '../../lib/report/compare.js';
import { readResultDocument } from '../../lib/result/read-result.js';
import { repeat, resultFixture, scaled, type LabelSpec } from './result-fixture.js';

/** Spread latencies, so p50, p95 and p99 differ. */
const spread = (n: number, fromMs: number, toMs: number) => Array.from({ length: n }, (_, i) => fromMs + ((toMs - fromMs) * i) / (n - 1));

const REQUESTS: Record<string, LabelSpec> = {
  'PROPFIND{home}': { latenciesMs: spread(200, 20, 400) },
  'PUT{event}': { latenciesMs: spread(100, 50, 900) },
};
const OPERATIONS: Record<string, LabelSpec> = { create: { latenciesMs: spread(50, 100, 1200) } };
const base = resultFixture({ requests: REQUESTS, operations: OPERATIONS });

describe('compareResults', () => {
  it('a result compared with itself did not regress', () => {
    const c = compareResults(base, base);
    assert.equal(c.regressed, false);
    assert.deepEqual(c.regressions, []);
    assert.deepEqual(c.labels.map((l) => `${l.section} ${l.label}`), ['requests PROPFIND{home}', 'requests PUT{event}', 'operations create']);
    for (const l of c.labels) for (const m of l.metrics) assert.equal(m.delta, 0);
    assert.deepEqual(c.options, DEFAULT_COMPARE_OPTIONS);
    assert.equal(renderComparison(c).at(-1), 'no regression');
  });

  it('latencies × 1.5 regressed, naming the labels, metrics and both values', () => {
    const next = resultFixture({ requests: scaled(REQUESTS, 1.5), operations: scaled(OPERATIONS, 1.5) });
    const c = compareResults(base, next);
    assert.equal(c.regressed, true);
    assert.equal(c.regressions.length, 3 * 3);
    const p95 = c.labels.find((l) => l.label === 'PROPFIND{home}')!.metrics.find((m) => m.metric === 'p95')!;
    assert.equal(p95.regressed, true);
    assert.ok(Math.abs(p95.relative! - 0.5) < 0.01, String(p95.relative));
    const line = c.regressions.find((r) => r.startsWith('requests PROPFIND{home} p95: '))!;
    assert.equal(line, `requests PROPFIND{home} p95: ${p95.base.toFixed(4)} → ${p95.next.toFixed(4)} s (+${(p95.relative! * 100).toFixed(1)} %)`);
    assert.ok(c.regressions.some((r) => r.startsWith('operations create p99: ')));
    // The failure rate did not move.
    assert.ok(c.labels.every((l) => !l.metrics.find((m) => m.metric === 'failureRate')!.regressed));

    const text = renderComparison(c);
    assert.match(text.find((l) => l.startsWith('PROPFIND{home}'))!, /\+50\.\d % !.*REGRESSED$/);
    assert.match(text.at(-1)!, /^9 regressions: requests PROPFIND{home} p50: /);
  });

  it('a change within the allowed percentage did not regress; a smaller allowance makes it one', () => {
    const next = resultFixture({ requests: scaled(REQUESTS, 1.05), operations: scaled(OPERATIONS, 1.05) });
    assert.equal(compareResults(base, next).regressed, false);
    const strict = compareResults(base, next, { maxRegression: 0.02 });
    assert.equal(strict.regressed, true);
    assert.equal(strict.regressions.length, 9);
    // An option given as undefined (an absent CLI flag) keeps its default.
    assert.equal(compareResults(base, next, { maxRegression: undefined }).regressed, false);
  });

  it('exactly the allowed growth is not a regression (the comparison is strict)', () => {
    const b = resultFixture({ requests: { GET: { latenciesMs: repeat(10, 700) } } });
    const n = resultFixture({ requests: { GET: { latenciesMs: repeat(10, 770) } } });
    const c = compareResults(b, n);
    assert.equal(c.labels[0]!.metrics[0]!.base, 0.7);
    assert.equal(c.labels[0]!.metrics[0]!.next, 0.77);
    assert.equal(c.regressed, false);
  });

  it('the minDeltaMs floor: 0.2 → 0.3 ms is +50 % but not a regression', () => {
    const b = resultFixture({ requests: { OPTIONS: { latenciesMs: repeat(100, 0.2) } } });
    const n = resultFixture({ requests: { OPTIONS: { latenciesMs: repeat(100, 0.3) } } });
    const c = compareResults(b, n);
    const p50 = c.labels[0]!.metrics[0]!;
    assert.ok(p50.relative! > 0.4);
    assert.equal(c.regressed, false);
    assert.equal(compareResults(b, n, { minDeltaMs: 0.05 }).regressed, true);
    // Growth by exactly the floor is not above it.
    const one = resultFixture({ requests: { OPTIONS: { latenciesMs: repeat(100, 1.2) } } });
    assert.equal(compareResults(b, one).regressed, false);
    const more = resultFixture({ requests: { OPTIONS: { latenciesMs: repeat(100, 1.3) } } });
    assert.equal(compareResults(b, more).regressed, true);
  });

  it('failure rate: more than maxFailureIncrease points is a regression', () => {
    const withFailures = (failed: number) => resultFixture({ requests: { 'PUT{event}': { latenciesMs: repeat(100, 50), failed } } });
    const b = withFailures(1);
    assert.equal(compareResults(b, withFailures(2)).regressed, false);
    assert.equal(compareResults(b, withFailures(2), { maxFailureIncrease: 0.5 }).regressed, true);
    const c = compareResults(b, withFailures(4));
    assert.equal(c.regressed, true);
    assert.deepEqual(c.regressions, ['requests PUT{event} failure rate: 1.00 → 4.00 % (+3.00 pt)']);
    assert.match(renderComparison(c).at(-1)!, /^1 regression: requests PUT\{event\} failure rate/);
    // Fewer failures is no regression.
    assert.equal(compareResults(withFailures(4), b).regressed, false);
  });

  it('labels on one side only are listed, not counted as regressions', () => {
    const next = resultFixture({ requests: { 'PROPFIND{home}': REQUESTS['PROPFIND{home}']!, 'REPORT{sync}': { latenciesMs: repeat(5, 9000) } }, operations: OPERATIONS });
    const c = compareResults(base, next);
    assert.equal(c.regressed, false);
    assert.deepEqual(c.missing, [{ section: 'requests', label: 'PUT{event}' }]);
    assert.deepEqual(c.new, [{ section: 'requests', label: 'REPORT{sync}' }]);
    const text = renderComparison(c);
    assert.ok(text.includes('only in base (missing from next): requests PUT{event}'));
    assert.ok(text.includes('only in next (new): requests REPORT{sync}'));
    assert.equal(text.at(-1), 'no regression');
  });

  it('prints control characters in labels as visible escapes, keeping the data as it was', () => {
    const label = 'GET{\u001B[2Jx}';
    const b = resultFixture({ requests: { [label]: { latenciesMs: repeat(10, 100) } } });
    const n = resultFixture({ requests: { [label]: { latenciesMs: repeat(10, 200) } } });
    const c = compareResults(b, n);
    assert.equal(c.labels[0]!.label, label);
    const text = renderComparison(c).join('\n');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: no escape character reaches the terminal
    assert.doesNotMatch(text, /\u001B/);
    assert.ok(text.includes('GET{\\u001B[2Jx}'));
  });

  it('refuses nonsensical options', () => {
    assert.throws(() => compareResults(base, base, { maxRegression: -0.1 }), RangeError);
    assert.throws(() => compareResults(base, base, { minDeltaMs: NaN }), RangeError);
  });
});

describe('parsePercent', () => {
  it('"10%", "10 %" and "10" all mean 10 %; a bare number is a percentage', () => {
    assert.equal(parsePercent('10%'), 0.1);
    assert.equal(parsePercent(' 10 % '), 0.1);
    assert.equal(parsePercent('10'), 0.1);
    assert.equal(parsePercent('12.5%'), 0.125);
    assert.equal(parsePercent('0.1'), 0.001);
    assert.equal(parsePercent('0'), 0);
    assert.equal(parsePercent('250%'), 2.5);
  });

  it('refuses negative, empty and non-numbers, saying what was expected', () => {
    for (const bad of ['-5', '-5%', '', '%', 'abc', 'NaN', 'Infinity', '10%%', '1e999']) {
      assert.throws(() => parsePercent(bad), (e: Error) => e instanceof RangeError && e.message.includes('expected a percentage ≥ 0 such as "10%"') && e.message.includes(JSON.stringify(bad)), bad);
    }
  });
});

describe('readResultDocument', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'loadsim-compare-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, value: unknown) => {
    const file = path.join(dir, name);
    writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
    return file;
  };
  const problem = (file: string) => {
    try {
      readResultDocument(file);
    } catch (e) {
      assert.ok(e instanceof ConfigError, String(e));
      assert.equal(e.code, 'LOADSIM_CONFIG');
      return e.message;
    }
    assert.fail('expected a ConfigError');
  };
  const copy = () => JSON.parse(JSON.stringify(base)) as Record<string, any>;

  it('reads back what was written', () => {
    assert.deepEqual(readResultDocument(write('ok.json', base)), base);
  });

  it('names the file, the key path and what was expected', () => {
    const doc = copy();
    doc.requests['PROPFIND{home}'].p95 = 'fast';
    const message = problem(write('base.json', doc));
    assert.ok(message.endsWith('base.json: requests.PROPFIND{home}.p95: expected a number, got "fast"'), message);
  });

  it('reports every problem, with paths into arrays and awkward labels', () => {
    const doc = copy();
    delete doc.seed;
    doc.intervals[0].lagP99 = 'x';
    doc.saved.requests.labels['PUT{event}'].all = 42;
    doc.operations['a.b c'] = { ...doc.operations.create };
    doc.operations['a.b c'].status = 'MAYBE';
    doc.saved.operations.lagCutoff = null;
    const lines = problem(write('next.json', doc)).split('\n');
    const file = path.join(dir, 'next.json');
    assert.deepEqual(lines, [
      `${file}: seed: missing`,
      `${file}: operations["a.b c"].status: expected "PASS" or "FAIL", got "MAYBE"`,
      `${file}: intervals[0].lagP99: expected a number or null, got "x"`,
      `${file}: saved.requests.labels.PUT{event}.all: expected a string, got 42`,
      `${file}: saved.operations.lagCutoff: expected a number, got null`,
    ]);
  });

  it('a file of another kind or version, not JSON, or missing', () => {
    assert.match(problem(write('other.json', { hello: 1 })), /other\.json: format: expected "loadsim-result" .*got nothing$/);
    assert.match(problem(write('v2.json', { ...copy(), version: 2 })), /v2\.json: version: expected 1 .*got 2$/);
    assert.match(problem(write('array.json', [1])), /array\.json: expected a loadsim result \(a JSON object\), got an array of 1$/);
    assert.match(problem(write('bad.json', '{"format": ')), /bad\.json: not a loadsim result \(not JSON: /);
    assert.match(problem(path.join(dir, 'absent.json')), /absent\.json: cannot read the result: ENOENT/);
  });
});
