import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FAULT_KINDS, type FaultKind, type FaultRule } from '../support/fault-proxy.js';
import { TITLES, assertBooksBalance, goodPollsAfter, runWithFaults, titleOfAgent, titleOfType, type FaultRun } from './harness.js';

/**
 * The fault matrix: each fault the proxy can inject × the four client models
 * that meet it. One run per fault, 2 users × 4 models, 160 simulated seconds
 * (×10): faults at a rate for the first 80 s, then none. For every fault:
 * the books balance (at the end and at every interval), the server saw
 * exactly what the proxy passed on, every model met the fault, the faults
 * that fail a request show as failed responses of that model and never as a
 * crash, and every model polls successfully once the faults stop.
 */

/** How each fault is applied, and whether every request it hits must fail. */
/**
 * each: every fault the model met is a failed response of it;
 * fail-or-retry: each is a failed response or was retried on a new connection (the
 * response then took more than one exchange); none: no failed response at all.
 */
type Rule = Omit<FaultRule, 'kind'>;
/**
 * Discovery takes any HTTP answer from the well-known URI and from where it redirects (`/`): it
 * falls back to the configured path; and a 404 from the configured principal path: it asks the
 * root. Those answers are handled, not failures, so the faults that are answers stay off those
 * paths. Every model takes a refusal of the notification collection for an answer too.
 */
const NOT_DISCOVERY = /^(?!\/\.well-known\/)(?!\/$)(?!\/principals\/users\/[^/]+\/$)/;
const MULTISTATUS_READ: Rule[] = [
  { method: 'PROPFIND', path: /^(?!.*\/notification\/)(?!\/\.well-known\/)(?!\/$)(?!\/principals\/users\/[^/]+\/$)/ },
  { method: 'REPORT', path: /^\/calendars\/(?!.*\/notification\/)/ },
];
const MATRIX: Record<FaultKind, { rule: Rule | Rule[]; fails: 'each' | 'fail-or-retry' | 'none' }> = {
  latency: { rule: { rate: 0.3, latencyMs: 50 }, fails: 'none' },
  // The 40 s timeout (sim) ends each stalled request; two per client keep the run moving.
  stall: { rule: { rate: 0.3, limitPerClient: 2 }, fails: 'each' },
  // A reset on a reused connection is retried once by the HTTP layer (idempotent methods), so not every reset fails.
  reset: { rule: { rate: 0.2, limitPerClient: 6 }, fails: 'fail-or-retry' },
  'close-mid-body': { rule: { rate: 0.2, limitPerClient: 6 }, fails: 'each' },
  // Some requests take a 404 for an answer (a notification or an event already gone): only the multistatus reads, which never do.
  'status-404': { rule: MULTISTATUS_READ.map((r) => ({ ...r, rate: 0.2, limitPerClient: 6 })), fails: 'each' },
  'status-500': { rule: { path: NOT_DISCOVERY, rate: 0.2, limitPerClient: 6 }, fails: 'each' },
  'status-503': { rule: { path: NOT_DISCOVERY, rate: 0.2, limitPerClient: 6 }, fails: 'each' },
  // Only answers every client reads as a multistatus: PROPFINDs, and REPORTs on calendar
  // collections (sync-collection, multiget). Some answers' bodies are ignored (PROPFIND{notification}),
  // so garbage there is rightly no failure, and "some failed" hung on where the seeded faults
  // happened to land (the 10.11 clients poll with REPORT, the others with PROPFIND).
  garbage: { rule: MULTISTATUS_READ.map((r) => ({ ...r, rate: 0.2, limitPerClient: 3 })), fails: 'each' },
  'truncated-xml': { rule: MULTISTATUS_READ.map((r) => ({ ...r, rate: 0.3, limitPerClient: 3 })), fails: 'each' },
  // 10 MB is under the 50 MB body limit: it must be read, parsed and survive, not fail.
  'huge-multistatus': { rule: { rate: 0.2, limitPerClient: 1 }, fails: 'none' },
  'malformed-ical': { rule: { rate: 0.5 }, fails: 'none' },
};

const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);
before(() => process.on('unhandledRejection', onUnhandled));
after(() => {
  process.off('unhandledRejection', onUnhandled);
  assert.deepEqual(unhandled, [], 'no promise was left rejected unhandled');
});

describe('fault matrix: every fault × every client model', { concurrency: 3, timeout: 240_000 }, () => {
  for (const kind of FAULT_KINDS) {
    const { rule, fails } = MATRIX[kind];
    it(`${kind}: counted, survived, recovered`, { timeout: 120_000 }, async () => {
      const runtime = 160;
      const offAt = 80;
      const run: FaultRun = await runWithFaults({
        runtime,
        // 4 s real at ×10: generous on a busy machine, so that only the stalls time out.
        timeoutSeconds: 40,
        // Faster than the defaults: this test is about faults, not backoff (server-down.test.ts is).
        adjust: (c) => void (c.startupRetry = { initialSeconds: 2, multiplier: 2, maxSeconds: 16, jitter: 0.5, maxAttempts: 0 }),
        pollInterval: 10,
        seed: `matrix-${kind}`,
        rules: (Array.isArray(rule) ? rule : [rule]).map((r) => ({ kind, ...r })),
        script: [{ at: offAt, run: ({ proxy }) => proxy.setRules([]) }],
      });
      assertBooksBalance(run);
      const injected = run.proxy.counts.injected[kind];
      assert.ok(injected > 0, `${kind} was injected`);
      // The server saw every request the proxy passed on, and nothing else.
      assert.equal(run.served, run.proxy.counts.forwarded, 'testbed count = requests forwarded');
      // Every HTTP exchange loadsim made reached the proxy (no refusals here); a fault answered by the proxy never reached the server.
      assert.equal(run.doc.events.exchanges, run.proxy.counts.received, 'exchanges loadsim counted = requests the proxy read');

      // Every model met the fault.
      const hitBy = new Map<string, number>();
      for (const f of run.proxy.log) hitBy.set(titleOfAgent(f.userAgent), (hitBy.get(titleOfAgent(f.userAgent)) ?? 0) + 1);
      for (const t of TITLES) assert.ok((hitBy.get(t) ?? 0) > 0, `${kind} hit the ${t} clients (${JSON.stringify(Object.fromEntries(hitBy))})`);

      // Failed responses per model, while the faults were on.
      const switchAt = run.startedAt + offAt * 1000;
      const failed = new Map<string, number>();
      const retried = new Map<string, number>();
      for (const r of run.responses) {
        const t = titleOfType(r.clientType);
        if (!r.success && r.error !== 'interrupted') failed.set(t, (failed.get(t) ?? 0) + 1);
        else if ((r.exchanges ?? 1) > 1) retried.set(t, (retried.get(t) ?? 0) + 1);
      }
      for (const t of TITLES) {
        const n = failed.get(t) ?? 0;
        if (fails === 'each') assert.ok(n >= (hitBy.get(t) ?? 0), `${kind}: ${t} counted ${n} failed responses for ${hitBy.get(t)} faults`);
        if (fails === 'fail-or-retry') assert.ok(n + (retried.get(t) ?? 0) >= Math.min(1, hitBy.get(t) ?? 0), `${kind}: ${t} met ${hitBy.get(t)} faults: ${n} failed responses, ${retried.get(t) ?? 0} retried`);
        if (fails === 'none') assert.equal(n, 0, `${kind}: ${t} had no failed response (${run.responses.filter((r) => !r.success).map((r) => `${r.label} ${r.error}`).slice(0, 5).join('; ')})`);
      }
      // No client gave up, nothing crashed, and each model polled successfully after the faults stopped.
      assert.deepEqual(run.clientFailures.map((e) => e.reason), []);
      const good = goodPollsAfter(run, switchAt + 15_000);
      for (const t of TITLES) assert.ok((good.get(t) ?? 0) > 0, `${kind}: ${t} polled successfully after the faults stopped`);
      if (kind === 'huge-multistatus') assert.ok(run.doc.intervals.reduce((a, r) => a + r.bytesIn, 0) > 10_000_000, 'the 10 MB answers were read');
    });
  }
});
