import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FAULT_KINDS, type FaultKind, type FaultRule } from '../support/fault-proxy.js';
import { responseFailureKind } from '../../lib/stats/failure-kind.js';
import type { LoadSimulator } from '../../lib/simulator/simulator.js';
import { parseCalendar } from '../../profiles/calendar-data.js';
import { TITLES, assertBooksBalance, goodPollsAfter, runWithFaults, titleOfAgent, titleOfType, type FaultRun } from './harness.js';

/**
 * The fault matrix: each fault the proxy can inject × the four client models
 * that meet it. One run per fault, 2 users × 4 models, 160 simulated seconds
 * (×10): faults at a rate for the first 80 s, then none. For every fault:
 * the books balance (at the end and at every interval), the server saw
 * exactly what the proxy passed on, every model met the fault, the faults
 * that fail a request show as failed responses of that model, of the kind
 * the fault table names, one per fault, inside the fault window and never
 * as a crash, and every model polls successfully once the faults stop. The
 * rows with no failure are asserted as the table writes them: latency makes
 * durations longer; malformed iCalendar is skipped by the profile reading it.
 */

type Rule = Omit<FaultRule, 'kind'>;
/**
 * Discovery takes any HTTP answer from the well-known URI and from where it redirects (`/`): it
 * falls back to the configured path; and a 404 from the configured principal path: it asks the
 * root. Those answers are handled, not failures, so the faults that are answers stay off those
 * paths. Every model takes a refusal of the notification collection for an answer too.
 */
const NOT_DISCOVERY = /^(?!\/\.well-known\/)(?!\/$)(?!\/principals\/users\/[^/]+\/$)/;
/** The latency the latency row adds (real ms; ×FACTOR in the run's simulated time). */
const LATENCY_MS = 50;
/** Simulated seconds per real second. */
const FACTOR = 10;
/** requestTimeout, simulated: 4 s real, generous on a busy machine, so that only the stalls time out. */
const TIMEOUT_SECONDS = 40;
const MULTISTATUS_READ: Rule[] = [
  { method: 'PROPFIND', path: /^(?!.*\/notification\/)(?!\/\.well-known\/)(?!\/$)(?!\/principals\/users\/[^/]+\/$)/ },
  { method: 'REPORT', path: /^\/calendars\/(?!.*\/notification\/)/ },
];
/**
 * Per fault: the rule; what the fault table says each fault does to a request (`fails`): each =
 * every fault the model met is one failed response of it; fail-or-retry = each is a failed
 * response or was retried on a new connection (the response then took more than one exchange);
 * none = no failed response at all; and the error-table kind (responseFailureKind) its failed
 * responses must have.
 */
const MATRIX: Record<FaultKind, { rule: Rule | Rule[]; fails: 'each' | 'fail-or-retry' | 'none'; shows?: string | RegExp }> = {
  latency: { rule: { rate: 0.3, latencyMs: LATENCY_MS }, fails: 'none' },
  // The 40 s timeout (sim) ends each stalled request; two per client keep the run moving.
  stall: { rule: { rate: 0.3, limitPerClient: 2 }, fails: 'each', shows: 'timeout' },
  // A reset on a reused connection is retried once by the HTTP layer (idempotent methods), so not every reset fails.
  reset: { rule: { rate: 0.2, limitPerClient: 6 }, fails: 'fail-or-retry', shows: 'connection reset' },
  // The head came, then the connection closed: the status is kept.
  'close-mid-body': { rule: { rate: 0.2, limitPerClient: 6 }, fails: 'each', shows: /^HTTP \d{3}: connection reset$/ },
  // Some requests take a 404 for an answer (a notification or an event already gone): only the multistatus reads, which never do.
  'status-404': { rule: MULTISTATUS_READ.map((r) => ({ ...r, rate: 0.2, limitPerClient: 6 })), fails: 'each', shows: 'HTTP 404 Not Found' },
  'status-500': { rule: { path: NOT_DISCOVERY, rate: 0.2, limitPerClient: 6 }, fails: 'each', shows: 'HTTP 500 Internal Server Error' },
  'status-503': { rule: { path: NOT_DISCOVERY, rate: 0.2, limitPerClient: 6 }, fails: 'each', shows: 'HTTP 503 Service Unavailable' },
  // Only answers every client reads as a multistatus: PROPFINDs, and REPORTs on calendar
  // collections (sync-collection, multiget). Some answers' bodies are ignored (PROPFIND{notification}),
  // so garbage there is rightly no failure, and "some failed" hung on where the seeded faults
  // happened to land (the 10.11 clients poll with REPORT, the others with PROPFIND).
  garbage: { rule: MULTISTATUS_READ.map((r) => ({ ...r, rate: 0.2, limitPerClient: 3 })), fails: 'each', shows: /^malformed multistatus\b/ },
  'truncated-xml': { rule: MULTISTATUS_READ.map((r) => ({ ...r, rate: 0.3, limitPerClient: 3 })), fails: 'each', shows: /^malformed multistatus\b/ },
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

const matches = (shows: string | RegExp, kind: string) => (typeof shows === 'string' ? kind === shows : shows.test(kind));

describe('fault matrix: every fault × every client model', { concurrency: 3, timeout: 240_000 }, () => {
  for (const kind of FAULT_KINDS) {
    const { rule, fails, shows } = MATRIX[kind];
    it(`${kind}: counted, survived, recovered`, { timeout: 120_000 }, async (t) => {
      const runtime = 160;
      const offAt = 80;
      let sim: LoadSimulator | undefined;
      const run: FaultRun = await runWithFaults({
        runtime,
        factor: FACTOR,
        timeoutSeconds: TIMEOUT_SECONDS,
        // Faster than the defaults: this test is about faults, not backoff (server-down.test.ts is).
        config: { clientStartupRetry: { initialSeconds: 2, multiplier: 2, maxSeconds: 16, jitter: 0.5, maxAttempts: 0 } },
        pollInterval: 10,
        seed: `matrix-${kind}`,
        rules: (Array.isArray(rule) ? rule : [rule]).map((r) => ({ kind, ...r })),
        script: [{ at: offAt, run: ({ proxy }) => proxy.setRules([]) }],
        // Malformed iCalendar must meet a profile that reads the cached events: TitleChanger edits one every 5 s.
        ...(kind === 'malformed-ical' ? { profiles: [{ class: 'Eventer', params: { enabled: true, interval: 10 } }, { class: 'TitleChanger', params: { enabled: true, interval: 5 } }] } : {}),
        instrument: (s) => void (sim = s),
      });
      // The books balance, and the testbed served what the proxy forwarded (harness.ts).
      assertBooksBalance(run);
      const injected = run.proxy.counts.injected[kind];
      assert.ok(injected > 0, `${kind} was injected`);
      // Every HTTP exchange loadsim made reached the proxy (no refusals here); a fault answered by the proxy never reached the server.
      assert.equal(run.doc.events.exchanges, run.proxy.counts.received, 'exchanges loadsim counted = requests the proxy read');

      // Every model met the fault.
      const hitBy = new Map<string, number>();
      for (const f of run.proxy.log) hitBy.set(titleOfAgent(f.userAgent), (hitBy.get(titleOfAgent(f.userAgent)) ?? 0) + 1);
      for (const t of TITLES) assert.ok((hitBy.get(t) ?? 0) > 0, `${kind} hit the ${t} clients (${JSON.stringify(Object.fromEntries(hitBy))})`);

      // Failed responses per model: inside the fault window (a stall injected as the faults stop ends a timeout later), of the fault's kind.
      const switchAt = run.startedAt + offAt * 1000;
      const windowEnd = switchAt + TIMEOUT_SECONDS * 1000 + 5_000;
      const failed = new Map<string, number>();
      const retried = new Map<string, number>();
      const wrongKind: string[] = [];
      const late: string[] = [];
      for (const r of run.responses) {
        const t = titleOfType(r.clientType);
        if (!r.success && r.error !== 'interrupted') {
          const what = `${t} ${r.label} ${responseFailureKind(r)} at ${((r.at - run.startedAt) / 1000).toFixed(1)} s`;
          if (r.at > windowEnd) late.push(what);
          else if (!shows || !matches(shows, responseFailureKind(r))) wrongKind.push(what);
          else failed.set(t, (failed.get(t) ?? 0) + 1);
        } else if ((r.exchanges ?? 1) > 1) retried.set(t, (retried.get(t) ?? 0) + 1);
      }
      t.diagnostic(`injected per model ${JSON.stringify(Object.fromEntries(hitBy))}; failed ${JSON.stringify(Object.fromEntries(failed))}; retried ${JSON.stringify(Object.fromEntries(retried))}`);
      // Nothing failed after the fault window, and nothing failed for another reason than the fault injected.
      assert.deepEqual(late, [], `${kind}: failures after the faults stopped`);
      assert.deepEqual(wrongKind, [], `${kind}: failures of another kind than ${shows ?? 'none'}`);
      for (const t of TITLES) {
        const n = failed.get(t) ?? 0;
        const hits = hitBy.get(t) ?? 0;
        // One failed response per fault: exactly as many as the proxy injected on that model's requests.
        if (fails === 'each') assert.equal(n, hits, `${kind}: ${t} counted ${n} failed responses (${shows}) for ${hits} faults`);
        // Each reset fails its request, or was retried once on a new connection (the response then took two exchanges).
        if (fails === 'fail-or-retry') {
          assert.ok(n > 0 || (retried.get(t) ?? 0) > 0, `${kind}: ${t} met ${hits} faults: ${n} failed responses, ${retried.get(t) ?? 0} retried`);
          assert.ok(n <= hits, `${kind}: ${t}: ${n} failed responses for ${hits} resets`);
        }
      }
      // No client gave up, nothing crashed, and each model polled successfully after the faults stopped.
      assert.deepEqual(run.clientFailures.map((e) => e.reason), []);
      assert.deepEqual(run.doc.simFailures, {}, 'no overall failure');
      const good = goodPollsAfter(run, switchAt + 15_000);
      for (const t of TITLES) assert.ok((good.get(t) ?? 0) > 0, `${kind}: ${t} polled successfully after the faults stopped`);

      if (kind === 'latency') {
        // Longer durations: each delayed request took at least the latency (×FACTOR in simulated ms) longer than
        // the testbed's few ms, so per model at least as many responses that slow as there were delays, inside the
        // fault window; and fewer after it, when nothing was delayed.
        const slowMs = LATENCY_MS * FACTOR;
        for (const t of TITLES) {
          const slow = (from: number, to: number) => run.responses.filter((r) => titleOfType(r.clientType) === t && r.at >= from && r.at < to && r.durationMs >= slowMs).length;
          const during = slow(run.startedAt, switchAt + slowMs);
          const after = slow(switchAt + slowMs, run.startedAt + runtime * 1000);
          assert.ok(during >= hitBy.get(t)!, `latency: ${t}: ${during} responses took ≥ ${slowMs} ms (sim) for ${hitBy.get(t)} delayed requests`);
          assert.ok(after < during, `latency: ${t}: ${after} responses that slow after the faults stopped, ${during} while they were on`);
        }
      }
      if (kind === 'huge-multistatus') assert.ok(run.doc.intervals.reduce((a, r) => a + r.bytesIn, 0) > 10_000_000, 'the 10 MB answers were read');
      if (kind === 'malformed-ical') {
        // HTTP was fine, so no response failed (above); the clients hold the broken iCalendar the proxy handed them,
        // and the profile that edits events (TitleChanger) skipped those it could not parse: no operation failed.
        const unparsable = new Map<string, number>();
        for (const m of sim!.population.members) {
          for (const e of m.client.state.events.values()) if (e.data && !parseCalendar(e.data)) unparsable.set(m.client.title, (unparsable.get(m.client.title) ?? 0) + 1);
        }
        t.diagnostic(`unparsable events cached per model: ${JSON.stringify(Object.fromEntries(unparsable))}`);
        assert.ok([...unparsable.values()].some((n) => n > 0), 'some client cached an event it cannot parse');
        const failedOps = run.operations.filter((e) => e.phase === 'end' && !e.success).map((e) => `${e.label}: ${e.reason}`);
        assert.deepEqual(failedOps, [], 'no operation failed');
        assert.ok(run.operations.some((e) => e.label === 'update' && e.phase === 'end' && e.success), 'TitleChanger did edit the events it could parse');
      }
    });
  }
});
