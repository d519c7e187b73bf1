import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as plist from 'plist';
import { VirtualClock } from '../../lib/core/clock.js';
import { loadConfig } from '../../lib/config/load-config.js';
import type { SimEvent } from '../../lib/core/events.js';
import { reportText } from '../../lib/report/text-report.js';
import { LoadSimulator, type SimulatorOptions } from '../../lib/simulator/simulator.js';
import { runInVirtualTime } from '../../lib/simulator/virtual-time.js';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';

let tb: Testbed;
let dir: string;
before(async () => {
  tb = await startTestbed({ port: 0, users: 12, statsPort: 0 });
  dir = mkdtempSync(path.join(tmpdir(), 'loadsim-sim-'));
});
after(async () => {
  await tb.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A config and clients file for the testbed, written with the plist package. */
async function configFor(extra: Record<string, unknown> = {}) {
  const config = {
    servers: { PodA: { enabled: true, uri: tb.url, stats: { enabled: true, Port: tb.statsPort } } },
    accounts: { loader: 'generateRecords', params: { count: 12, uidPattern: 'user%02d', passwordPattern: 'user%02d', emailPattern: 'user%02d@example.com' } },
    arrival: { factory: 'SmoothRampUp', params: { groups: 3, groupSize: 2, interval: 10, clientsPerUser: 2 } },
    observers: [],
    ...extra,
  };
  const clients = {
    clients: [
      { software: 'OS_X_10_7', params: { title: 'mac', calendarHomePollInterval: 15, unauthenticatedPercentage: 0, supportAmpPush: false }, profiles: [], weight: 1 },
      { software: 'iOS_5', params: { title: 'phone', calendarHomePollInterval: 20, unauthenticatedPercentage: 0, supportAmpPush: false }, profiles: [], weight: 1 },
    ],
  };
  const c = path.join(dir, `config-${Math.random().toString(36).slice(2)}.plist`);
  const k = path.join(dir, `clients-${Math.random().toString(36).slice(2)}.plist`);
  writeFileSync(c, plist.build(config as plist.PlistValue));
  writeFileSync(k, plist.build(clients as plist.PlistValue));
  return (await loadConfig({ configPath: c, clientsPath: k })).config;
}

async function virtualRun(seed: string, extra: Record<string, unknown> = {}, runtime = 45, more: Partial<SimulatorOptions> = {}) {
  const config = await configFor(extra);
  const clock = new VirtualClock(Date.UTC(2026, 10, 25, 9, 0, 0));
  const out: string[] = [];
  const sim = new LoadSimulator({ config, clock, seed, out: (l) => out.push(l), ...more });
  const events: SimEvent[] = [];
  sim.bus.events$.subscribe((e) => events.push(e));
  const result = await runInVirtualTime(sim, clock, { runtimeSeconds: runtime });
  return { sim, result, events, out };
}

describe('LoadSimulator in virtual time', () => {
  it('adds users on the SmoothRampUp schedule, clients by the weighted cycle, and polls on each client interval', async () => {
    const { sim, result, events } = await virtualRun('1');
    assert.equal(result.pass, true, result.reasons.join('\n'));
    assert.equal(result.endedBy, 'runtime');
    const statuses = events.filter((e) => e.type === 'status');
    assert.deepEqual(statuses.map((s) => (s.type === 'status' ? s.clientCount : -1)), [4, 8, 12]);
    // Users 0..5, two clients each: one mac, one phone (weights 1:1, cycle of 2).
    const kinds = sim.population.members.map((m) => `${m.userNumber}:${m.client.title}`);
    assert.deepEqual(kinds, ['0:mac', '0:phone', '1:mac', '1:phone', '2:mac', '2:phone', '3:mac', '3:phone', '4:mac', '4:phone', '5:mac', '5:phone']);
    // Arrival times: groups at 0, 10 and 20 s of virtual time.
    const t0 = statuses[0]!.at;
    assert.deepEqual(statuses.map((s) => (s.at - t0) / 1000), [0, 10, 20]);
    // Every request has exactly one response.
    const requests = events.filter((e) => e.type === 'request').length;
    const responses = events.filter((e) => e.type === 'response').length;
    assert.equal(requests, responses);
    assert.ok(events.some((e) => e.type === 'operation' && e.label === 'poll' && e.phase === 'start'), 'clients poll');
  });

  it('the same seed replays the same operation sequence', async () => {
    const seq = async (seed: string) =>
      (await virtualRun(seed)).events
        .filter((e) => e.type === 'operation' || e.type === 'request')
        .map((e) => (e.type === 'operation' ? `${e.at} op ${e.phase} ${e.label} ${e.user}` : e.type === 'request' ? `${e.at} ${e.label} ${e.user}` : ''));
    const a = await seq('7');
    const b = await seq('7');
    assert.ok(a.length > 50);
    assert.deepEqual(a, b);
  });

  it('the report re-rendered from the result document is the one the run printed, to the last digit', async () => {
    // 1.0051 s of CPU prints "1.01"; rounded to the millisecond (as the
    // result keeps it) it is 1.005, which prints "1.00". The run must round
    // once, before either form is made, or the two reports disagree.
    const usage = [{ user: 0, system: 0 }, { user: 1_005_100, system: 2_004_600 }];
    const cpuUsage = () => usage[Math.min(usage.length - 1, cpuCalls++)]!;
    let cpuCalls = 0;
    const observers = [{ type: 'ReportStatistics', params: { failCutoff: 1.0 } }, { type: 'OperationLogger', params: {} }];
    const { result } = await virtualRun('3', { observers }, 45, { cpuUsage });
    assert.match(result.report, /Cpu Time : user 1\.00 {2}sys 2\.00 /);
    assert.equal(reportText(result.summary), result.report);
  });

  it('a worker simulates only its users: n % workerCount == workerID', async () => {
    const { sim } = await virtualRun('1', { workerID: 1, workerCount: 2 }, 25);
    assert.deepEqual([...new Set(sim.population.members.map((m) => m.userNumber))], [1, 3, 5]);
  });
});

describe('the web admin', () => {
  it('shows the live report, refuses a POST without the token, and Stop ends the run with the full report', async () => {
    const { request } = await import('undici');
    const config = await configFor({ webadmin: { enabled: true, HTTPPort: 0 } });
    const out: string[] = [];
    let url = '';
    let seen = () => {};
    const ready = new Promise<void>((r) => (seen = r));
    const sim = new LoadSimulator({
      config,
      seed: 'w',
      out: (l) => {
        out.push(l);
        const m = /web admin on (http:\/\/\S+)/.exec(l);
        if (m) {
          url = m[1]!;
          seen();
        }
      },
    });
    const events: SimEvent[] = [];
    sim.bus.events$.subscribe((e) => events.push(e));
    const running = sim.run();
    await ready;
    const page = await (await request(url)).body.text();
    assert.match(page, /Load Simulator Web Admin/);
    const token = /name="token" value="([0-9a-f]+)"/.exec(page)![1]!;
    const forged = await request(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=nope&stop=1' });
    assert.equal(forged.statusCode, 403);
    await forged.body.text();
    await new Promise((r) => setTimeout(r, 1500));
    const stop = await request(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${token}&stop=1` });
    assert.equal(stop.statusCode, 200);
    await stop.body.text();
    const result = await running;
    assert.equal(result.endedBy, 'stopped from the web admin');
    assert.ok(out.some((l) => /\*\*\* PASS/.test(l)));
    assert.equal(events.filter((e) => e.type === 'request').length, events.filter((e) => e.type === 'response').length);
  });
});

describe('scheduling lag', () => {
  it('a poll timer that runs late carries its lag into the operation and the report', async () => {
    const { RealClock } = await import('../../lib/core/clock.js');
    const config = await configFor({ arrival: { factory: 'SmoothRampUp', params: { groups: 1, groupSize: 1, interval: 1, clientsPerUser: 1 } } });
    config.clients[0]!.params.calendarHomePollInterval = 0.3;
    const out: string[] = [];
    const sim = new LoadSimulator({ config, clock: new RealClock(), seed: 'lag', out: (l) => out.push(l) });
    const events: SimEvent[] = [];
    sim.bus.events$.subscribe((e) => events.push(e));
    // Hog the event loop around the time the polls fall due: their timers must run late.
    const hog = setInterval(() => {
      const until = performance.now() + 80;
      while (performance.now() < until) {
        /* busy */
      }
    }, 100);
    const result = await sim.run({ runtimeSeconds: 2 });
    clearInterval(hog);
    const lags = events.filter((e) => e.type === 'operation' && e.phase === 'start' && e.label === 'poll' && e.lagMs !== undefined).map((e) => (e.type === 'operation' ? e.lagMs! : 0));
    assert.ok(lags.length >= 2, `timed polls: ${lags.length}`);
    assert.ok(Math.max(...lags) >= 20, `some poll ran late: ${lags.map((l) => l.toFixed(1)).join(', ')}`);
    assert.ok(out.some((l) => /\* Scheduling lag/.test(l)));
    assert.ok(result.summary.runSeconds >= 2);
  });
});
