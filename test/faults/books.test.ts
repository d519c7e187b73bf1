import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SimEvent } from '../../lib/core/events.js';
import { accountingProblems, intervalAccountingProblems } from '../../lib/result/request-accounting.js';
import type { RequestCounts } from '../../lib/result/result-document.js';
import type { LoadSimulator } from '../../lib/simulator/simulator.js';
import { assertBooksBalance, runWithFaults } from './harness.js';

/**
 * The checkers every fault test leans on ("the books balance", README: What
 * loadsim survives) must themselves fail when the books do not balance:
 * otherwise every fault test passes on a checker that sees nothing. Each
 * kind of imbalance a loadsim bug can make is fed to them here, and missing
 * accounting data is a problem, not silence. Then a run whose own books are
 * broken on purpose must FAIL, saying so.
 */

const counts = (started: number, succeeded: number, failed = 0, interrupted = 0): RequestCounts => ({ started, succeeded, failed, interrupted });

/** A balanced result: two labels, the report agreeing, the events counted. */
function balanced() {
  return {
    accounting: { requests: { 'PROPFIND{home}': counts(5, 3, 1, 1), 'REPORT{sync}': counts(2, 2) } },
    requests: { 'PROPFIND{home}': { count: 5, failed: 2 }, 'REPORT{sync}': { count: 2, failed: 0 } },
    events: { requests: 7, responses: 7 },
  };
}

describe('the accounting checkers report unbalanced books', () => {
  it('balanced books: no problem', () => {
    assert.deepEqual(accountingProblems(balanced()), []);
  });

  it('a missing response (started, never ended) is reported for its label', () => {
    const doc = balanced();
    doc.accounting.requests['REPORT{sync}'] = counts(3, 2);
    doc.events.requests = 8;
    const problems = accountingProblems(doc);
    assert.ok(problems.some((p) => /^REPORT\{sync\}: 3 started ≠ 2 succeeded \+ 0 failed \+ 0 interrupted$/.test(p)), `reported: ${JSON.stringify(problems)}`);
  });

  it('a response counted twice is reported, against the run’s event count too', () => {
    const doc = balanced();
    doc.accounting.requests['PROPFIND{home}'] = counts(5, 4, 1, 1);
    const problems = accountingProblems(doc);
    assert.ok(problems.some((p) => p.startsWith('PROPFIND{home}: 5 started ≠ 4 succeeded')), `reported: ${JSON.stringify(problems)}`);
    assert.ok(problems.some((p) => p === 'the labels account for 8 responses, the run counted 7'), `reported: ${JSON.stringify(problems)}`);
  });

  it('the report disagreeing with the books is reported (a failure lost from the statistics)', () => {
    const doc = balanced();
    doc.requests['PROPFIND{home}'] = { count: 5, failed: 1 };
    assert.deepEqual(accountingProblems(doc), ['PROPFIND{home}: the report counts 5 (1 failed), the accounting 5 (2 failed or interrupted)']);
  });

  it('a label the report has but the books never started, and one the report lost, are reported', () => {
    const doc = balanced();
    const requests: Record<string, { count: number; failed: number }> = { 'PROPFIND{home}': doc.requests['PROPFIND{home}'], 'GET{event}': { count: 1, failed: 0 } };
    const problems = accountingProblems({ ...doc, requests });
    assert.ok(problems.includes('REPORT{sync}: 2 responses are missing from the report'), `reported: ${JSON.stringify(problems)}`);
    assert.ok(problems.includes('GET{event}: in the report but never started'), `reported: ${JSON.stringify(problems)}`);
  });

  it('requests the run counted that no label accounts for are reported', () => {
    const doc = balanced();
    doc.events.requests = 9;
    assert.deepEqual(accountingProblems(doc), ['the labels account for 7 requests started, the run counted 9']);
  });

  it('no accounting table is a problem, not a pass', () => {
    const { requests, events } = balanced();
    const problems = accountingProblems({ requests, events });
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /no accounting table/);
  });

  it('intervals: an open count that disagrees with started − answered is reported with its interval', () => {
    const rows = [
      { index: 0, count: 3, started: 5, inFlight: 2 },
      { index: 1, count: 4, started: 2, inFlight: 1 },
      { index: 2, count: 0, started: 0, inFlight: 0 },
    ];
    assert.deepEqual(intervalAccountingProblems(rows), ['interval 1: 7 started − 7 answered = 0, but 1 were open']);
  });

  it('intervals: one without started or inFlight is a problem, not the end of the check', () => {
    assert.deepEqual(intervalAccountingProblems([{ index: 0, count: 1, started: 1, inFlight: 0 }, { index: 1, count: 2, inFlight: 0 }]), ['interval 1: no started column: the books cannot be checked from here on']);
    assert.deepEqual(intervalAccountingProblems([{ index: 0, count: 1, started: 2 }]), ['interval 0: no inFlight column: the books cannot be checked from here on']);
  });
});

/**
 * Breaks the run's own books: the accounting reader (`sim.accounting`, what
 * the end-of-run check reads) takes its first successful response wrongly,
 * as a loadsim bug would. The statistics and the events are untouched, so
 * only the accounting disagrees.
 */
function breakBooks(how: 'drop' | 'double') {
  return (sim: LoadSimulator) => {
    const books = sim.accounting;
    const observe = books.observe.bind(books);
    let done = false;
    books.observe = (e: SimEvent) => {
      if (!done && e.type === 'response' && e.success) {
        done = true;
        if (how === 'drop') return;
        observe(e);
      }
      observe(e);
    };
  };
}

describe('a run whose books do not balance FAILs, saying it is a loadsim bug', { concurrency: true, timeout: 120_000 }, () => {
  for (const how of ['drop', 'double'] as const) {
    it(`one response ${how === 'drop' ? 'lost from' : 'counted twice in'} the books`, { timeout: 60_000 }, async () => {
      const run = await runWithFaults({ runtime: 30, models: ['OS_X_10_7'], users: 1, seed: `books-${how}`, instrument: breakBooks(how) });
      assert.equal(run.doc.verdict, 'FAIL');
      assert.equal(run.result.exitCode, 1);
      assert.ok(run.doc.reasons.includes('Overall failures: 1'), run.doc.reasons.join('\n'));
      const reason = Object.keys(run.doc.simFailures).find((r) => r.includes("loadsim's request accounting does not balance (a loadsim bug"));
      assert.ok(reason, JSON.stringify(run.doc.simFailures));
      assert.match(reason, how === 'drop' ? /started ≠/ : /started ≠|responses, the run counted/);
      assert.match(run.result.report, /does not balance \(a loadsim bug[\s\S]*\*\*\* FAIL/);
      // And the fault tests' own check would have caught it from the result alone.
      assert.throws(() => assertBooksBalance(run));
    });
  }

  it('the same run with its books intact passes the fault tests’ check', { timeout: 60_000 }, async () => {
    const run = await runWithFaults({ runtime: 30, models: ['OS_X_10_7'], users: 1, seed: 'books-intact' });
    assertBooksBalance(run);
    assert.ok(run.doc.events.requests > 0, 'requests were made: the books had something to balance');
    assert.equal(run.doc.verdict, 'PASS', run.doc.reasons.join('\n'));
  });
});
