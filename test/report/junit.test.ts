import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderJUnit } from '../../lib/report/junit.js';
import { childrenNamed, parseXml, type XmlElement } from '../../lib/xml/parse.js';
import { repeat, resultFixture } from './result-fixture.js';

/** The report read back with saxes (through our parser), so malformed output fails here, not in CI. */
function parsed(xml: string): XmlElement {
  return parseXml(xml);
}

const suites = (root: XmlElement) => childrenNamed(root, '', 'testsuite');
const suite = (root: XmlElement, name: string) => suites(root).find((s) => s.attrs.name === name)!;
const cases = (s: XmlElement) => childrenNamed(s, '', 'testcase');
const failureOf = (c: XmlElement) => childrenNamed(c, '', 'failure')[0];
const failing = (s: XmlElement) => cases(s).filter((c) => failureOf(c));
const find = (s: XmlElement, classname: string, name: string) => {
  const c = cases(s).find((x) => x.attrs.classname === classname && x.attrs.name === name);
  assert.ok(c, `no test case ${classname} / ${name}; have ${cases(s).map((x) => `${x.attrs.classname} / ${x.attrs.name}`).join(', ')}`);
  return c;
};

describe('renderJUnit', () => {
  it('a passing run: every rule a test case, none failing', () => {
    const doc = resultFixture({
      requests: { 'PROPFIND{home}': { latenciesMs: repeat(100, 50) }, 'GET{event}': { latenciesMs: repeat(40, 20) } },
      operations: { create: { latenciesMs: repeat(10, 300), lagMs: repeat(10, 5) }, poll: { latenciesMs: repeat(5, 100) } },
    });
    assert.equal(doc.verdict, 'PASS');
    const root = parsed(renderJUnit(doc));
    assert.equal(root.name, 'testsuites');
    assert.deepEqual(suites(root).map((s) => s.attrs.name), ['requests', 'operations', 'run']);
    // Requests: failure rate + the four default limits under 100 % (3, 5, 10, 30 s), per label.
    assert.equal(cases(suite(root, 'requests')).length, 2 * 5);
    // Operations: the default thresholds are all 100 %, so the failure rate, plus lag where there was lag.
    assert.equal(cases(suite(root, 'operations')).length, 2 + 1);
    assert.equal(cases(suite(root, 'run')).length, 4);
    assert.equal(root.attrs.tests, '17');
    assert.equal(root.attrs.failures, '0');
    for (const s of suites(root)) {
      assert.equal(s.attrs.failures, '0');
      assert.equal(s.attrs.tests, String(cases(s).length));
      assert.equal(s.attrs.time, '60');
      assert.equal(s.attrs.timestamp, '2026-01-05T09:00:00');
    }
    assert.deepEqual(
      cases(suite(root, 'requests'))
        .filter((c) => c.attrs.classname === 'requests.GET{event}')
        .map((c) => c.attrs.name),
      ['failed ≤ 1 %', 'at most 5 % slower than 3 s', 'at most 1 % slower than 5 s', 'at most 0.5 % slower than 10 s', 'at most 0 % slower than 30 s'],
    );
    // A case's time is its label's mean, seconds.
    assert.equal(find(suite(root, 'requests'), 'requests.PROPFIND{home}', 'failed ≤ 1 %').attrs.time, '0.05');
    assert.equal(find(suite(root, 'operations'), 'operations.create', 'median scheduling lag ≤ 1 s').attrs.time, '0.3');
  });

  it('a failing run: the failures carry the numbers, and equal the run verdicts', () => {
    // 120 PUTs: 7 over 3 s (5.83 % > 5 %), 3 of them failed (2.5 % > 1 %).
    const put = [...repeat(113, 200), ...repeat(7, 3500)];
    const doc = resultFixture({
      requests: { 'PUT{event}': { latenciesMs: put, failed: 3 }, 'GET{event}': { latenciesMs: repeat(50, 20) } },
      operations: { invite: { latenciesMs: repeat(5, 500), lagMs: [1500, 1500, 1500, 10, 10] } },
    });
    assert.equal(doc.verdict, 'FAIL');
    const root = parsed(renderJUnit(doc));
    const requests = suite(root, 'requests');

    const rate = failureOf(find(requests, 'requests.PUT{event}', 'failed ≤ 1 %'))!;
    assert.equal(rate.attrs.type, 'failure-rate');
    assert.equal(rate.attrs.message, '3 of 120 requests (2.50 %) failed; allowed 1 %');
    const slow = failureOf(find(requests, 'requests.PUT{event}', 'at most 5 % slower than 3 s'))!;
    assert.equal(slow.attrs.type, 'threshold');
    assert.equal(slow.attrs.message, '7 of 120 requests (5.83 %) were slower than 3 s; allowed 5 %');
    assert.match(slow.text, /count 120, failed 3, .*max 3\.5 s/);
    assert.equal(failureOf(find(requests, 'requests.PUT{event}', 'at most 1 % slower than 5 s')), undefined);
    assert.equal(requests.attrs.failures, '2');

    const lag = failureOf(find(suite(root, 'operations'), 'operations.invite', 'median scheduling lag ≤ 1 s'))!;
    assert.equal(lag.attrs.type, 'scheduling-lag');
    assert.match(lag.attrs.message!, /^median scheduling lag was 1\.5\d* s over 5 operations; allowed 1 s$/);

    // The same labels fail as in the run's own summary.
    for (const section of ['requests', 'operations'] as const) {
      for (const [label, summary] of Object.entries(doc[section])) {
        const broke = failing(suite(root, section)).some((c) => c.attrs.classname === `${section}.${label}`);
        assert.equal(broke, summary.status === 'FAIL', `${section} ${label}`);
      }
    }

    const verdict = failureOf(find(suite(root, 'run'), 'run', 'overall verdict'))!;
    assert.equal(verdict.attrs.type, 'verdict');
    for (const reason of doc.reasons) assert.ok(verdict.text.includes(reason), reason);
    assert.ok(verdict.attrs.message!.startsWith(`FAIL: ${doc.reasons[0]}; `));
    assert.equal(root.attrs.failures, String(2 + 1 + 1));
  });

  it('a share that rounds onto its limit gets more digits', () => {
    // 5001 of 100 001 is 5.00095 % > 5 %, which two decimals would print as "5.00".
    const doc = resultFixture({ requests: { GET: { latenciesMs: [...repeat(95_000, 10), ...repeat(5001, 3500)] } } });
    const root = parsed(renderJUnit(doc));
    const slow = failureOf(find(suite(root, 'requests'), 'requests.GET', 'at most 5 % slower than 3 s'))!;
    assert.equal(slow.attrs.message, '5001 of 100001 requests (5.001 %) were slower than 3 s; allowed 5 %');
  });

  it('the run suite: client failures, failed operations, dropped events', () => {
    const doc = resultFixture({
      requests: { GET: { latenciesMs: repeat(10, 10) } },
      clientFailures: { 'timeout after 60 s': 2, 'PUT <event> & "more"\nsecond line': 1 },
      simFailures: { 'invite failed': 4 },
      dropped: 5,
    });
    const run = suite(parsed(renderJUnit(doc)), 'run');
    assert.equal(run.attrs.failures, '4');
    const clients = failureOf(find(run, 'run', 'no client failures'))!;
    assert.equal(clients.attrs.type, 'client-failures');
    assert.equal(clients.attrs.message, '3 client failures: PUT <event> & "more"\nsecond line (1); timeout after 60 s (2)');
    assert.equal(failureOf(find(run, 'run', 'no failed operations'))!.attrs.message, '4 failed operations: invite failed (4)');
    assert.match(failureOf(find(run, 'run', 'no dropped events'))!.attrs.message!, /^5 events were dropped/);
    const properties = childrenNamed(childrenNamed(run, '', 'properties')[0], '', 'property');
    assert.equal(properties.find((p) => p.attrs.name === 'seed')?.attrs.value, 'fixture-seed');
  });

  it('escapes labels from servers and users, and replaces characters XML 1.0 cannot carry', () => {
    const evil = 'GET{<evil & "x">}';
    const control = 'PUT{a\u0001b\u001Fc\uFFFF}';
    const doc = resultFixture({
      requests: { [evil]: { latenciesMs: repeat(10, 40_000), failed: 10 }, [control]: { latenciesMs: repeat(10, 10) } },
      clientFailures: { 'bell\u0007 & tab\t': 1 },
    });
    const xml = renderJUnit(doc);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: none of the characters XML 1.0 forbids
    assert.doesNotMatch(xml, /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/);
    const root = parsed(xml);
    const requests = suite(root, 'requests');
    assert.equal(failing(requests).filter((c) => c.attrs.classname === `requests.${evil}`).length, 5);
    assert.match(failureOf(find(requests, `requests.${evil}`, 'failed ≤ 1 %'))!.text, /^10 of 10 requests \(100\.00 %\) failed/);
    find(requests, 'requests.PUT{a\\u0001b\\u001Fc\\uFFFF}', 'failed ≤ 1 %');
    const verdict = failureOf(find(suite(root, 'run'), 'run', 'overall verdict'))!;
    assert.ok(verdict.text.includes(`Greater than 1% ${evil} failed`));
    assert.equal(failureOf(find(suite(root, 'run'), 'run', 'no client failures'))!.attrs.message, '1 client failure: bell\\u0007 & tab\t (1)');
  });

  it('a label whose saved histograms cannot be read is an error, not a pass', () => {
    const doc = resultFixture({ requests: { GET: { latenciesMs: repeat(10, 10) }, PUT: { latenciesMs: repeat(10, 10) } } });
    doc.saved.requests.labels.PUT!.all = 'not a histogram';
    const root = parsed(renderJUnit(doc));
    const requests = suite(root, 'requests');
    assert.equal(requests.attrs.errors, '1');
    assert.equal(root.attrs.errors, '1');
    const error = childrenNamed(find(requests, 'requests.PUT', 'saved statistics'), '', 'error')[0]!;
    assert.equal(error.attrs.type, 'unreadable-statistics');
    assert.match(error.attrs.message!, /PUT cannot be read/);
    assert.equal(cases(requests).filter((c) => c.attrs.classname === 'requests.GET').length, 5);
  });

  it('an operation threshold under 100 % is a rule; a label row wins over default', () => {
    const doc = resultFixture({
      operations: { invite: { latenciesMs: [...repeat(9, 100), 2000] }, poll: { latenciesMs: [...repeat(9, 100), 2000] } },
      operationThresholds: { limits: [1, 5], thresholds: { default: [100, 100], invite: [5, 100] } },
    });
    const ops = suite(parsed(renderJUnit(doc)), 'operations');
    assert.deepEqual(
      cases(ops).map((c) => `${c.attrs.classname} / ${c.attrs.name}`),
      ['operations.invite / failed ≤ 1 %', 'operations.invite / at most 5 % slower than 1 s', 'operations.poll / failed ≤ 1 %'],
    );
    assert.equal(failureOf(cases(ops)[1]!)!.attrs.message, '1 of 10 operations (10.00 %) were slower than 1 s; allowed 5 %');
    assert.equal(doc.operations.invite!.status, 'FAIL');
  });
});
