import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TITLES, assertBooksBalance, goodPollsAfter, runWithFaults, titleOfType, type FaultRun } from './harness.js';

/**
 * A server down at the start, killed and restarted mid-run, or gone for
 * good. Clients retry a failed startup with capped exponential backoff and
 * jitter (startupRetryDefaults: 5 s, ×2, at most 120 s, jitter 0.5), recover
 * on their next poll once the server is back, and a run against a server
 * that never returns ends at its runtime with FAIL, saying why.
 */

/** Startup operations that ended, per client (user + type). */
function startups(run: FaultRun): Map<string, { failed: number; ok: number; at: number[] }> {
  const m = new Map<string, { failed: number; ok: number; at: number[] }>();
  for (const e of run.operations) {
    if (e.label !== 'startup' || e.phase !== 'end') continue;
    const key = `${e.user} ${e.clientType}`;
    const s = m.get(key) ?? { failed: 0, ok: 0, at: [] };
    if (e.success) s.ok++;
    else s.failed++;
    s.at.push(e.at);
    m.set(key, s);
  }
  return m;
}

describe('server down, dying, or gone', { concurrency: true, timeout: 240_000 }, () => {
  it('down for the first 60 s: clients back off (no tight loop), then all start and poll', { timeout: 120_000 }, async () => {
    const run = await runWithFaults({ runtime: 200, seed: 'down-at-start', startRefusing: true, script: [{ at: 60, run: ({ proxy }) => proxy.accept() }] });
    assertBooksBalance(run);
    const s = startups(run);
    assert.equal(s.size, 8, 'every client (2 users × 4 models) tried to start');
    for (const [client, st] of s) {
      // Attempts at about 0, 2.5–5, 7.5–15, 17.5–35, 37.5–75 s: 3 to 5 before the server came back.
      const before = st.at.filter((t) => t < run.startedAt + 60_000).length;
      assert.ok(before >= 3 && before <= 5, `${client}: ${before} startup attempts in the 60 s the server was down (${st.at.map((t) => ((t - run.startedAt) / 1000).toFixed(1)).join(', ')})`);
      assert.equal(st.ok, 1, `${client} started once the server was back`);
      // Consecutive attempts are spaced by the backoff, never a tight loop.
      for (let i = 1; i < st.at.length; i++) assert.ok(st.at[i]! - st.at[i - 1]! >= 2_000, `${client}: attempts ${i} and ${i + 1} were ${st.at[i]! - st.at[i - 1]!} ms apart`);
    }
    // The failed attempts are counted: as failed startup operations and failed requests.
    assert.ok(run.doc.operations.startup!.failed >= 24, `failed startups counted: ${run.doc.operations.startup!.failed}`);
    assert.ok(Object.values(run.doc.requests).reduce((a, r) => a + r.failed, 0) >= 24);
    assert.deepEqual(run.clientFailures, []);
    const good = goodPollsAfter(run, run.startedAt + 150_000);
    for (const t of TITLES) assert.ok((good.get(t) ?? 0) > 0, `${t} polls at the end`);
  });

  it('killed at 60 s and restarted at 90 s with its data gone: every model recovers on its next poll', { timeout: 120_000 }, async () => {
    const run = await runWithFaults({
      runtime: 180,
      seed: 'kill-restart',
      script: [
        { at: 60, run: async (c) => void (await Promise.all([c.killTestbed(), c.proxy.refuse()])) },
        { at: 90, run: async (c) => void (await c.restartTestbed().then(() => c.proxy.accept())) },
      ],
    });
    assertBooksBalance(run);
    // While it was down, polls failed and were counted.
    const down = run.responses.filter((r) => !r.success && r.at >= run.startedAt + 60_000 && r.at < run.startedAt + 90_000);
    assert.ok(down.length > 0, 'requests failed while the server was down');
    const badPolls = run.operations.filter((e) => e.label === 'poll' && e.phase === 'end' && !e.success).length;
    assert.ok(badPolls > 0, 'polls failed while the server was down');
    // After the restart (a fresh server: old sync tokens are refused, and clients list their homes afresh), every model polls successfully.
    const good = goodPollsAfter(run, run.startedAt + 105_000);
    for (const t of TITLES) assert.ok((good.get(t) ?? 0) > 0, `${t} polled successfully after the restart`);
    assert.deepEqual(run.clientFailures, []);
  });

  it('never comes back: the run ends at its runtime with FAIL, naming why, after a bounded number of attempts', { timeout: 120_000 }, async () => {
    const run = await runWithFaults({ runtime: 90, seed: 'never', startRefusing: true });
    assertBooksBalance(run);
    assert.equal(run.result.endedBy, 'runtime');
    assert.equal(run.doc.verdict, 'FAIL');
    assert.ok(run.doc.reasons.includes('Client failures: 8'), run.doc.reasons.join('\n'));
    const reasons = Object.keys(run.doc.clientFailures);
    assert.ok(reasons.length >= 1 && reasons.every((r) => /^never started: .*(ECONNREFUSED|refused)/i.test(r)), reasons.join('\n'));
    assert.equal(Object.values(run.doc.clientFailures).reduce((a, n) => a + n, 0), 8, 'one client failure per client');
    assert.match(run.result.report, /Failure #1 : never started: .*connection refused/);
    for (const [client, st] of startups(run)) assert.ok(st.failed >= 3 && st.failed <= 6 && st.ok === 0, `${client}: ${st.failed} attempts in 90 s`);
    assert.deepEqual(new Set(run.clientFailures.map((e) => titleOfType(e.clientType))), new Set(TITLES));
  });

  it('clientStartupRetry maxAttempts 1 (the original’s way): one attempt each, then a client failure at once', { timeout: 120_000 }, async () => {
    const run = await runWithFaults({ runtime: 30, seed: 'give-up', startRefusing: true, config: { clientStartupRetry: { maxAttempts: 1 } } });
    assertBooksBalance(run);
    const s = startups(run);
    assert.equal(s.size, 8, 'every client tried to start');
    for (const [client, st] of s) assert.deepEqual([st.failed, st.ok], [1, 0], `${client}: one failed attempt, no retry`);
    assert.equal(run.clientFailures.length, 8, 'each client gave up');
    // Given up right after the one attempt, not at the end of the run.
    for (const e of run.clientFailures) assert.ok(e.at - run.startedAt < 10_000, `${e.user} ${e.clientType} gave up at ${((e.at - run.startedAt) / 1000).toFixed(1)} s`);
    assert.equal(run.doc.verdict, 'FAIL');
  });
});
