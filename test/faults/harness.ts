/**
 * Shared set-up of the fault tests: the testbed behind a FaultProxy, the four
 * client models (one client of each per user, every one running an Eventer
 * so that iCalendar data flows), a run under a ScaledClock with every event
 * collected, and the checks every fault test makes: the books balance, at
 * the end and at every interval, and the server saw what the proxy passed on.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as plist from 'plist';
import { ScaledClock, type Clock } from '../../lib/core/clock.js';
import type { LoadsimConfig } from '../../lib/config/config-types.js';
import { loadConfig } from '../../lib/config/load-config.js';
import type { ClientFailureEvent, OperationEvent, ResponseEvent, SimEvent } from '../../lib/core/events.js';
import { accountingProblems, intervalAccountingProblems } from '../../lib/result/request-accounting.js';
import type { ResultDocument } from '../../lib/result/result-document.js';
import { LoadSimulator, type RunResult } from '../../lib/simulator/simulator.js';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { FaultProxy, type FaultRule } from '../support/fault-proxy.js';

/** The four client models, by the title their clients carry (the User-Agent ends `<title> <instance>`). */
export const MODEL_TITLES = { OS_X_10_6: 'snow', OS_X_10_7: 'lion', OS_X_10_11: 'capitan', iOS_5: 'phone' } as const;
export type ModelName = keyof typeof MODEL_TITLES;
export const TITLES = Object.values(MODEL_TITLES);

export interface FaultRunOptions {
  users?: number;
  /** Simulated seconds. */
  runtime: number;
  /** Sim seconds per real second. */
  factor?: number;
  /** Seconds between polls (sim). */
  pollInterval?: number;
  /** requestTimeout (sim seconds). */
  timeoutSeconds?: number;
  seed?: string;
  /** Only these models (default: all four). */
  models?: ModelName[];
  /** Extra config.plist keys. */
  config?: Record<string, unknown>;
  /** Changes to the loaded config (what config.plist cannot say yet). */
  adjust?: (c: LoadsimConfig) => void;
  /** Scheduled during the run: at sim second `at`, do `run` (with the proxy and the testbed). */
  script?: { at: number; run: (ctx: FaultContext) => void | Promise<void> }[];
  /** Rules from the start. */
  rules?: FaultRule[];
  /** Start with the server refusing connections. */
  startRefusing?: boolean;
  /** Each client's profiles (default: one Eventer, every 10 s, so that iCalendar data flows). */
  profiles?: { class: string; params: Record<string, unknown> }[];
  /** Called with the simulator before it runs (a test that breaks loadsim's own books on purpose). */
  instrument?: (sim: LoadSimulator) => void;
}

export interface FaultContext {
  proxy: FaultProxy;
  testbed: () => Testbed;
  /** Stop the testbed (a server killed); its port stays known. */
  killTestbed(): Promise<void>;
  /** Start a fresh testbed on the same port (a server restarted: its data is gone). */
  restartTestbed(): Promise<void>;
  clock: Clock;
}

export interface FaultRun {
  result: RunResult;
  doc: ResultDocument;
  events: SimEvent[];
  responses: ResponseEvent[];
  operations: OperationEvent[];
  clientFailures: ClientFailureEvent[];
  proxy: FaultProxy;
  /** Requests the testbeds served (all of them, restarts included). */
  served: number;
  out: string[];
  /** Sim ms (the clock's epoch) at which the run started. */
  startedAt: number;
}

/** The title of the client that sent a User-Agent, or ''. */
export function titleOfAgent(ua: string): string {
  const parts = ua.trim().split(' ');
  return parts.length >= 2 ? parts[parts.length - 2]! : '';
}
/** The title of a client type (`<title> <instance>`). */
export const titleOfType = (clientType: string) => clientType.split(' ')[0]!;

export async function runWithFaults(o: FaultRunOptions): Promise<FaultRun> {
  const dir = mkdtempSync(path.join(tmpdir(), 'loadsim-faults-'));
  const users = o.users ?? 2;
  let tb = await startTestbed({ port: 0, users: 20, statsPort: null, ampPort: null });
  const port = tb.port;
  let served = 0;
  const proxy = await FaultProxy.start({ target: tb.url, rules: o.rules ?? [], seed: o.seed ?? 'faults' });
  if (o.startRefusing) await proxy.refuse();
  try {
    const models = o.models ?? (Object.keys(MODEL_TITLES) as ModelName[]);
    const config = {
      servers: { PodA: { enabled: true, uri: proxy.url, stats: { enabled: false, Port: 8100 } } },
      principalPathTemplate: '/principals/users/%s/',
      webadmin: { enabled: false, HTTPPort: 8080 },
      requestTimeout: o.timeoutSeconds ?? 10,
      accounts: { loader: 'generateRecords', params: { count: 20, uidPattern: 'user%02d', passwordPattern: 'user%02d', emailPattern: 'user%02d@example.com' } },
      arrival: { factory: 'SmoothRampUp', params: { groups: users, groupSize: 1, interval: 1, clientsPerUser: models.length } },
      observers: [
        { type: 'contrib.performance.loadtest.population.ReportStatistics', params: {} },
        { type: 'contrib.performance.loadtest.profiles.OperationLogger', params: {} },
      ],
      ...o.config,
    };
    const clients = {
      clients: models.map((m) => ({
        software: m,
        params: { title: MODEL_TITLES[m], calendarHomePollInterval: o.pollInterval ?? 15, supportPush: false, supportAmpPush: false, unauthenticatedPercentage: 0 },
        profiles: o.profiles ?? [{ class: 'Eventer', params: { enabled: true, interval: 10 } }],
        weight: 1,
      })),
    };
    const c = path.join(dir, 'config.plist');
    const k = path.join(dir, 'clients.plist');
    writeFileSync(c, plist.build(config as plist.PlistValue));
    writeFileSync(k, plist.build(clients as plist.PlistValue));
    const loaded = (await loadConfig({ configPath: c, clientsPath: k })).config;
    o.adjust?.(loaded);

    const clock = new ScaledClock(o.factor ?? 10);
    const out: string[] = [];
    const sim = new LoadSimulator({ config: loaded, clock, seed: o.seed ?? 'faults', out: (l) => out.push(l), graceMs: 2000 });
    const events: SimEvent[] = [];
    sim.bus.events$.subscribe((e) => events.push(e));
    o.instrument?.(sim);
    const ctx: FaultContext = {
      proxy,
      testbed: () => tb,
      clock,
      killTestbed: async () => {
        served += tb.stats.totalRequests;
        await tb.close();
      },
      restartTestbed: async () => {
        tb = await startTestbed({ port, users: 20, statsPort: null, ampPort: null });
      },
    };
    const pending: Promise<void>[] = [];
    for (const step of o.script ?? []) clock.setTimer(step.at * 1000, () => void pending.push(Promise.resolve(step.run(ctx))));
    const startedAt = clock.now();
    const result = await sim.run({ runtimeSeconds: o.runtime });
    await Promise.all(pending);
    served += tb.stats.totalRequests;
    return {
      result,
      doc: result.summary,
      events,
      responses: events.filter((e): e is ResponseEvent => e.type === 'response'),
      operations: events.filter((e): e is OperationEvent => e.type === 'operation'),
      clientFailures: events.filter((e): e is ClientFailureEvent => e.type === 'client-failure'),
      proxy,
      served,
      out,
      startedAt,
    };
  } finally {
    await proxy.close();
    await tb.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The accounting invariant, as every fault test checks it: per label,
 * started = succeeded + failed + interrupted, agreeing with the report; at
 * every interval, started − answered = open; the run did not call its
 * own books unbalanced; and the testbed served exactly the requests the
 * fault proxy passed on (a fault the proxy answered itself never reached it).
 */
export function assertBooksBalance(run: FaultRun): void {
  const { doc } = run;
  assert.ok(doc.accounting, 'the result has the accounting table');
  assert.deepEqual(accountingProblems(doc), []);
  assert.deepEqual(intervalAccountingProblems(doc.intervals), []);
  assert.ok(doc.intervals.every((r) => r.started !== undefined && r.inFlight !== undefined), 'every interval has started and inFlight');
  assert.equal(doc.intervals.at(-1)?.inFlight, 0, 'nothing is open at the end');
  assert.ok(!doc.reasons.some((r) => /accounting/.test(r)), doc.reasons.join('\n'));
  // The events the test saw are the ones the run counted.
  const started = run.events.filter((e) => e.type === 'request').length;
  assert.equal(started, doc.events.requests);
  assert.equal(run.responses.length, doc.events.responses);
  assert.equal(run.served, run.proxy.counts.forwarded, 'testbed served = requests the proxy forwarded');
}

/** Polls (and startups) that ended well, per client title, after sim time `after` (epoch ms). */
export function goodPollsAfter(run: FaultRun, after: number): Map<string, number> {
  const m = new Map<string, number>();
  for (const e of run.operations) {
    if (e.phase !== 'end' || !e.success || e.at < after || (e.label !== 'poll' && e.label !== 'startup')) continue;
    const t = titleOfType(e.clientType);
    m.set(t, (m.get(t) ?? 0) + 1);
  }
  return m;
}
