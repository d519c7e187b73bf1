import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderHtml } from '../../lib/report/html.js';
import { renderJUnit } from '../../lib/report/junit.js';
import { checkResultDocument } from '../../lib/result/read-result.js';
import { reportText } from '../../lib/report/text-report.js';
import type { FaultKind, FaultRule } from '../support/fault-proxy.js';
import { assertBooksBalance, runWithFaults } from './harness.js';

/**
 * The error table against a misbehaving server: a short run of the four
 * client models through the fault proxy, which injects seven kinds of fault
 * for the first 80 simulated seconds and counts each injection. The result's
 * error table must show each kind under its name, as many times as the proxy
 * injected it, on the labels of the methods it hit, and nothing else: the
 * testbed behind the proxy fails no request by itself, so every failure is
 * an injected one.
 *
 * The faults are put where each makes exactly one failed request: on the
 * multistatus reads (PROPFIND outside the notification collection and discovery, REPORT on
 * calendars), which never take a 404 or an unparsable 207 for an answer and
 * change nothing on the server, and resets only on a connection's first
 * request, which the HTTP layer does not retry.
 */

// Not the discovery paths either: any answer from the well-known URI, and a 404 from the principal path, lead to the next discovery step (handled, not failed).
const PROPFIND: Omit<FaultRule, 'kind'> = { method: 'PROPFIND', path: /^(?!.*\/notification\/)(?!\/\.well-known\/)(?!\/$)(?!\/principals\/users\/[^/]+\/$)/ };
const REPORT: Omit<FaultRule, 'kind'> = { method: 'REPORT', path: /^\/calendars\/(?!.*\/notification\/)/ };

/** Each fault, where it is injected, and the kind the error table must name it by. */
const FAULTS: { kind: FaultKind; rule: Omit<FaultRule, 'kind'>; shows: string | RegExp }[] = [
  { kind: 'reset', rule: { firstOnConnection: true, limitPerClient: 1 }, shows: 'connection reset' },
  { kind: 'status-404', rule: { ...PROPFIND, rate: 0.25, limit: 5 }, shows: 'HTTP 404 Not Found' },
  { kind: 'status-503', rule: { ...PROPFIND, rate: 0.25, limit: 5 }, shows: 'HTTP 503 Service Unavailable' },
  { kind: 'garbage', rule: { ...PROPFIND, rate: 0.25, limit: 5 }, shows: 'malformed multistatus (xml)' },
  { kind: 'status-500', rule: { ...REPORT, rate: 0.25, limit: 5 }, shows: 'HTTP 500 Internal Server Error' },
  // The 40 s timeout (sim) ends each stalled request long before the run does.
  { kind: 'stall', rule: { ...REPORT, rate: 0.25, limit: 3 }, shows: 'timeout' },
  // The head came (a 207, or whatever the server answered), then the connection closed: the status is kept.
  { kind: 'close-mid-body', rule: { ...REPORT, rate: 0.25, limit: 4 }, shows: /^HTTP \d{3}: connection reset$/ },
];

const matches = (shows: string | RegExp, kind: string) => (typeof shows === 'string' ? kind === shows : shows.test(kind));
const methodOf = (label: string) => label.split('{')[0]!;

describe('the error table names every injected fault, as often as it was injected', { timeout: 180_000 }, () => {
  it('seven kinds of fault through the proxy: each kind counted exactly, per method, in every report form', { timeout: 150_000 }, async (t) => {
    const run = await runWithFaults({
      runtime: 160,
      timeoutSeconds: 40,
      pollInterval: 10,
      seed: 'error-table',
      config: { clientStartupRetry: { initialSeconds: 2, multiplier: 2, maxSeconds: 16, jitter: 0.5, maxAttempts: 0 } },
      rules: FAULTS.map((f) => ({ kind: f.kind, ...f.rule })),
      script: [{ at: 80, run: ({ proxy }) => proxy.setRules([]) }],
    });
    assertBooksBalance(run);
    const { doc, proxy } = run;
    const errors = doc.errors!;
    assert.ok(errors, 'the result has an error table');
    const table = Object.entries(errors).flatMap(([label, kinds]) => Object.entries(kinds).map(([kind, count]) => ({ label, kind, count })));
    const described = JSON.stringify(errors, null, 1);

    for (const { kind, shows } of FAULTS) {
      const injected = proxy.counts.injected[kind];
      assert.ok(injected > 0, `${kind} was injected`);
      const rows = table.filter((r) => matches(shows, r.kind));
      assert.equal(rows.reduce((a, r) => a + r.count, 0), injected, `${kind}: the proxy injected ${injected}; the error table says\n${described}`);
      // On the labels of the methods it hit, as many per method.
      const byMethod = (pairs: [string, number][]) => {
        const m: Record<string, number> = {};
        for (const [method, n] of pairs) m[method] = (m[method] ?? 0) + n;
        return m;
      };
      assert.deepEqual(
        byMethod(rows.map((r) => [methodOf(r.label), r.count])),
        byMethod(proxy.log.filter((f) => f.kind === kind).map((f) => [f.method, 1])),
        `${kind} per method`,
      );
    }
    // Nothing but the injected faults, and no failure left out of the table.
    const unexplained = table.filter((r) => !FAULTS.some((f) => matches(f.shows, r.kind)));
    assert.deepEqual(unexplained, [], 'every failure is an injected fault');
    for (const [label, s] of Object.entries(doc.requests)) assert.equal(Object.values(errors[label] ?? {}).reduce((a, b) => a + b, 0), s.failed, `${label}: kinds add up to failed`);
    for (const [label, s] of Object.entries(doc.operations)) assert.equal(Object.values(doc.operationErrors?.[label] ?? {}).reduce((a, b) => a + b, 0), s.failed, `operation ${label}: reasons add up to failed`);

    // The text report has the block, and `loadsim report` prints it again from the JSON.
    const report = run.result.report;
    const block = report.slice(report.indexOf('\n* Errors\n'));
    assert.ok(report.includes('\n* Errors\n'), 'the text report has an Errors block');
    t.diagnostic(`injected: ${JSON.stringify(proxy.counts.injected)}`);
    for (const line of block.slice(1, block.indexOf('\n\n', 1)).split('\n')) t.diagnostic(line);
    for (const { kind } of table) assert.ok(block.includes(kind), `the text report shows ${kind}`);
    const back = checkResultDocument(JSON.parse(JSON.stringify(doc)), 'result.json');
    assert.equal(reportText(back), report);

    // The HTML report shows each kind; JUnit names the kinds of a label that failed too often.
    const html = renderHtml(back);
    assert.match(html, /<h2>Errors<\/h2>/);
    for (const kind of new Set(table.map((r) => r.kind))) assert.ok(html.includes(`<td class="kind">${kind}</td>`), `the HTML report shows ${kind}`);
    const junit = renderJUnit(back);
    const failing = Object.entries(doc.requests).filter(([, s]) => s.failReasons.some((r) => /failed/.test(r)));
    assert.ok(failing.length > 0, 'some label failed too often');
    for (const [label] of failing) {
      const top = Object.entries(errors[label]!)[0]!;
      assert.ok(junit.includes(`${top[0]} ×${top[1]}`), `JUnit names ${label}'s most frequent kind`);
    }
  });
});
