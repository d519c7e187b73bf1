import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Random } from '../../lib/core/random.js';
import { httpStatusKind, operationFailureKind, responseFailureKind } from '../../lib/stats/failure-kind.js';
import { FAILURE_TABLE_DEFAULTS, FailureTable, OTHER_KINDS, moreKindsText, topKinds } from '../../lib/stats/failure-table.js';

describe('failure kinds', () => {
  it('a response: its status with the reason phrase, or the reason, as stable human strings', () => {
    const cases: [{ status: number; error?: string }, string][] = [
      [{ status: 500, error: 'unexpected status 500' }, 'HTTP 500 Internal Server Error'],
      [{ status: 404, error: 'unexpected status 404' }, 'HTTP 404 Not Found'],
      [{ status: 503, error: 'unexpected status 503' }, 'HTTP 503 Service Unavailable'],
      [{ status: 401, error: 'unexpected status 401' }, 'HTTP 401 Unauthorized'],
      // A status node has no phrase for.
      [{ status: 599, error: 'unexpected status 599' }, 'HTTP 599'],
      // No response: the reason alone.
      [{ status: 0, error: 'timeout' }, 'timeout'],
      [{ status: 0, error: 'connection reset' }, 'connection reset'],
      [{ status: 0, error: 'connection refused' }, 'connection refused'],
      [{ status: 0, error: 'malformed response (HPE_INVALID_CONSTANT)' }, 'malformed response (HPE_INVALID_CONSTANT)'],
      [{ status: 0, error: 'interrupted' }, 'interrupted'],
      // A 207 that could not be parsed: the reason says multistatus already.
      [{ status: 207, error: 'malformed multistatus (xml)' }, 'malformed multistatus (xml)'],
      [{ status: 207, error: 'malformed multistatus (no-href)' }, 'malformed multistatus (no-href)'],
      // A status and a reason that is not about it: both.
      [{ status: 200, error: 'body too large' }, 'HTTP 200: body too large'],
      [{ status: 207, error: 'connection reset' }, 'HTTP 207: connection reset'],
      // A reason that names another status than the response's is not about it.
      [{ status: 200, error: 'unexpected status 500' }, 'HTTP 200: unexpected status 500'],
      // No reason at all.
      [{ status: 500 }, 'HTTP 500 Internal Server Error'],
      [{ status: 0 }, 'no response'],
    ];
    for (const [e, kind] of cases) assert.equal(responseFailureKind(e), kind, JSON.stringify(e));
    assert.equal(httpStatusKind(418), "HTTP 418 I'm a Teapot");
  });

  it('an operation: its reason, or says it gave none', () => {
    assert.equal(operationFailureKind('PROPFIND{home}: unexpected status 500 (expected 207)'), 'PROPFIND{home}: unexpected status 500 (expected 207)');
    assert.equal(operationFailureKind(undefined), 'no reason given');
    assert.equal(operationFailureKind('  '), 'no reason given');
  });
});

describe('FailureTable', () => {
  it('counts per label and kind; a label’s counts add up to its failures; most frequent first', () => {
    const t = new FailureTable();
    for (const kind of ['timeout', 'HTTP 500 Internal Server Error', 'HTTP 500 Internal Server Error', 'connection reset', 'HTTP 500 Internal Server Error', 'timeout']) t.record('PROPFIND{home}', kind);
    t.record('GET{event}', 'HTTP 404 Not Found', 3);
    t.record('GET{event}', 'timeout', 0);
    assert.deepEqual(t.labels(), ['GET{event}', 'PROPFIND{home}']);
    assert.equal(t.size, 2);
    assert.equal(t.total('PROPFIND{home}'), 6);
    assert.equal(t.total('REPORT{sync}'), 0);
    // Equal counts in code-unit order; the JSON keeps that order.
    assert.deepEqual(Object.entries(t.countsOf('PROPFIND{home}')), [
      ['HTTP 500 Internal Server Error', 3],
      ['timeout', 2],
      ['connection reset', 1],
    ]);
    assert.deepEqual(t.toJSON(), { 'GET{event}': { 'HTTP 404 Not Found': 3 }, 'PROPFIND{home}': { 'HTTP 500 Internal Server Error': 3, timeout: 2, 'connection reset': 1 } });
    assert.throws(() => t.record('GET{event}', 'timeout', -1), RangeError);
    assert.throws(() => t.record('GET{event}', 'timeout', 1.5), RangeError);
  });

  it('keeps at most maxKinds kinds per label: later new kinds go to (other kinds), totals stay exact', () => {
    const t = new FailureTable({ maxKinds: 3 });
    for (const kind of ['a', 'b', 'c', 'd', 'e', 'a', 'd']) t.record('L', kind);
    t.record('M', 'z');
    assert.deepEqual(t.countsOf('L'), { a: 2, b: 1, c: 1, [OTHER_KINDS]: 3 });
    assert.equal(t.total('L'), 7);
    // A kind that has its place keeps counting once the table is full.
    t.record('L', 'b', 5);
    assert.equal(t.countsOf('L').b, 6);
    // Other labels have their own room.
    assert.deepEqual(t.countsOf('M'), { z: 1 });
  });

  it('cuts a very long kind, never inside a surrogate pair', () => {
    const t = new FailureTable({ maxKindLength: 10 });
    t.record('L', 'x'.repeat(50));
    t.record('L', 'x'.repeat(60));
    assert.deepEqual(t.countsOf('L'), { [`${'x'.repeat(9)}…`]: 2 }, 'long kinds with one beginning count together');
    t.record('M', `${'y'.repeat(8)}😀tail`);
    const [kind] = Object.keys(t.countsOf('M'));
    assert.equal(kind, `${'y'.repeat(8)}…`);
    assert.ok(kind!.length <= 10 && !/[\uD800-\uDFFF]/.test(kind!), 'no half of the emoji is left');
    assert.equal(FAILURE_TABLE_DEFAULTS.maxKindLength, new FailureTable().maxKindLength);
  });

  it('merges: the same kinds add up; past maxKinds the most frequent keep their names', () => {
    const a = new FailureTable({ maxKinds: 3 });
    const b = new FailureTable({ maxKinds: 3 });
    a.record('L', 'timeout', 4);
    a.record('L', 'HTTP 500 Internal Server Error', 1);
    a.record('L', 'rare', 1);
    b.record('L', 'timeout', 2);
    b.record('L', 'connection reset', 3);
    b.record('L', 'HTTP 500 Internal Server Error', 1);
    b.record('N', 'interrupted', 2);
    a.merge(b);
    // timeout 6, connection reset 3, HTTP 500 2, rare 1: rare has no room.
    assert.deepEqual(a.countsOf('L'), { timeout: 6, 'connection reset': 3, 'HTTP 500 Internal Server Error': 2, [OTHER_KINDS]: 1 });
    assert.equal(a.total('L'), 12);
    assert.deepEqual(a.countsOf('N'), { interrupted: 2 });
    assert.deepEqual(b.countsOf('L'), { timeout: 2, 'connection reset': 3, 'HTTP 500 Internal Server Error': 1 }, 'the other table is unchanged');
  });

  it('round-trips through its JSON; a saved table with more kinds than fit is folded, whatever its key order', () => {
    const t = new FailureTable({ maxKinds: 2 });
    for (const k of ['a', 'b', 'c', 'a']) t.record('L', k);
    assert.deepEqual(FailureTable.fromJSON(t.toJSON(), { maxKinds: 2 }).toJSON(), t.toJSON());
    const saved = { L: { c: 1, a: 5, b: 3, [OTHER_KINDS]: 2, none: 0 }, Empty: { x: 0 } };
    const back = FailureTable.fromJSON(saved, { maxKinds: 2 });
    assert.deepEqual(back.toJSON(), { L: { a: 5, b: 3, [OTHER_KINDS]: 3 } });
    const reversed = FailureTable.fromJSON({ L: { [OTHER_KINDS]: 2, b: 3, a: 5, c: 1 } }, { maxKinds: 2 });
    assert.deepEqual(reversed.toJSON(), back.toJSON());
  });

  it('what the reports show: the top kinds, and one line for the rest', () => {
    const counts = { timeout: 5, 'HTTP 404 Not Found': 7, 'connection reset': 1, b: 1, a: 1, [OTHER_KINDS]: 4 };
    const top = topKinds(counts, 2);
    assert.deepEqual(top.shown, [
      { kind: 'HTTP 404 Not Found', count: 7 },
      { kind: 'timeout', count: 5 },
    ]);
    // a, b, connection reset, and (other kinds), which holds one kind or more.
    assert.deepEqual(top.rest, { kinds: 4, failures: 7, atLeast: true });
    assert.equal(moreKindsText(top.rest!), '… and at least 4 more kinds');
    assert.equal(moreKindsText(top.rest!, true), '… and at least 4 more kinds (7 failures)');
    assert.equal(moreKindsText({ kinds: 1, failures: 1, atLeast: false }, true), '… and 1 more kind (1 failure)');
    assert.deepEqual(topKinds({ timeout: 2 }), { shown: [{ kind: 'timeout', count: 2 }] }, 'nothing left over, no rest');
    assert.deepEqual(topKinds({ [OTHER_KINDS]: 3 }), { shown: [], rest: { kinds: 1, failures: 3, atLeast: true } });
    assert.equal(topKinds(Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, i + 1]))).shown.length, FAILURE_TABLE_DEFAULTS.shown);
  });

  it('property: however the failures are split and merged, totals equal the failures, and named counts are never too high', () => {
    for (let round = 0; round < 40; round++) {
      const r = new Random(`failure-table-${round}`);
      const maxKinds = r.integer(1, 8);
      const labels = Array.from({ length: r.integer(1, 5) }, (_, i) => `L${i}`);
      // Some kinds are common, many are rare: a heavy tail over up to 30 kinds.
      const kindCount = r.integer(1, 30);
      const kindOf = () => `kind ${Math.floor(kindCount * r.next() ** 3)}`;
      const failures: { label: string; kind: string }[] = Array.from({ length: r.integer(0, 400) }, () => ({ label: labels[r.integer(0, labels.length)]!, kind: kindOf() }));
      const truth = new Map<string, Map<string, number>>();
      for (const f of failures) {
        const m = truth.get(f.label) ?? new Map<string, number>();
        m.set(f.kind, (m.get(f.kind) ?? 0) + 1);
        truth.set(f.label, m);
      }

      const whole = new FailureTable({ maxKinds });
      for (const f of failures) whole.record(f.label, f.kind);
      const slices = Array.from({ length: r.integer(1, 5) }, () => new FailureTable({ maxKinds }));
      for (const f of failures) slices[r.integer(0, slices.length)]!.record(f.label, f.kind);
      const merged = new FailureTable({ maxKinds });
      for (const s of slices) merged.merge(s);
      const reread = FailureTable.fromJSON(JSON.parse(JSON.stringify(merged)) as Record<string, Record<string, number>>, { maxKinds });

      for (const t of [whole, merged, reread]) {
        assert.deepEqual(t.labels(), [...truth.keys()].sort(), `round ${round}: labels`);
        for (const [label, kinds] of truth) {
          const total = [...kinds.values()].reduce((a, b) => a + b, 0);
          assert.equal(t.total(label), total, `round ${round} ${label}: total`);
          const counts = t.countsOf(label);
          const named = Object.keys(counts).filter((k) => k !== OTHER_KINDS);
          assert.ok(named.length <= maxKinds, `round ${round} ${label}: ${named.length} kinds kept, at most ${maxKinds}`);
          for (const k of named) assert.ok(counts[k]! <= kinds.get(k)!, `round ${round} ${label} ${k}: ${counts[k]} counted, ${kinds.get(k)} happened`);
          // Few enough kinds: every count is exact, split or not.
          if (kinds.size <= maxKinds) assert.deepEqual(new Map(Object.entries(counts)), kinds, `round ${round} ${label}: exact`);
        }
      }
      // Recording in one table: a kind that got its place got it at its first failure, so its count is exact.
      for (const [label, kinds] of truth) for (const [k, n] of Object.entries(whole.countsOf(label))) if (k !== OTHER_KINDS) assert.equal(n, kinds.get(k), `round ${round} ${label} ${k}`);
    }
  });
});
