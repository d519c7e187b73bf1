import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as plist from 'plist';
import { VirtualClock } from '../../lib/core/clock.js';
import { loadConfig } from '../../lib/config/load-config.js';
import type { OperationEvent, ResponseEvent, SimEvent } from '../../lib/core/events.js';
import { LoadSimulator } from '../../lib/simulator/simulator.js';
import { runInVirtualTime } from '../../lib/simulator/virtual-time.js';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';

/**
 * What each generation does, seen on the wire: the same config and clients
 * files run against the testbed, once as master (its `servers` shape) and
 * once with `generation` 2013, the config flowing through the loader, the
 * population, the clients and the profiles as in a real run.
 */

let dir: string;
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'loadsim-generation-wire-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const CLIENTS = 4;
const INTERVAL = 20;

/** One run on a testbed of its own (a run's events must not be the next one's existing events). */
async function run(extra: Record<string, unknown>) {
  const tb: Testbed = await startTestbed({ port: 0, users: 4 });
  try {
    return await runOn(tb, extra);
  } finally {
    await tb.close();
  }
}

async function runOn(tb: Testbed, extra: Record<string, unknown>) {
  const config = {
    servers: { PodA: { enabled: true, uri: tb.url } },
    accounts: { loader: 'generateRecords', params: { count: 4, uidPattern: 'user%02d', passwordPattern: 'user%02d', emailPattern: 'user%02d@example.com' } },
    arrival: { factory: 'SmoothRampUp', params: { groups: 2, groupSize: 2, interval: 5, clientsPerUser: 1 } },
    observers: [],
    ...extra,
  };
  const clients = {
    clients: [
      {
        software: 'OS_X_10_7',
        // Master's params, written for both runs: the 2013 run ignores those 2013 did not have.
        params: { calendarHomePollInterval: 15, unauthenticatedPercentage: 100, supportAmpPush: false },
        profiles: [
          { class: 'Eventer', params: { interval: INTERVAL, fileAttachPercentage: 100 } },
          {
            class: 'Inviter',
            params: {
              sendInvitationDistribution: { type: 'FixedDistribution', params: { value: 25 } },
              inviteeDistribution: { type: 'FixedDistribution', params: { value: 1 } },
              inviteeCountDistribution: { type: 'FixedDistribution', params: { value: 1 } },
              inviteeLookupPercentage: 0,
              fileAttachPercentage: 0,
            },
          },
        ],
        weight: 1,
      },
    ],
  };
  const name = Math.random().toString(36).slice(2);
  const c = path.join(dir, `config-${name}.plist`);
  const k = path.join(dir, `clients-${name}.plist`);
  writeFileSync(c, plist.build(config as unknown as plist.PlistValue));
  writeFileSync(k, plist.build(clients as unknown as plist.PlistValue));
  const loaded = (await loadConfig({ configPath: c, clientsPath: k })).config;
  const clock = new VirtualClock(Date.UTC(2026, 10, 25, 9, 0, 0));
  const sim = new LoadSimulator({ config: loaded, clock, seed: 'generation', out: () => {} });
  const events: SimEvent[] = [];
  sim.bus.events$.subscribe((e) => events.push(e));
  await runInVirtualTime(sim, clock, { runtimeSeconds: 70 });
  const responses = events.filter((e): e is ResponseEvent => e.type === 'response');
  const operations = events.filter((e): e is OperationEvent => e.type === 'operation');
  return {
    origin: tb.url,
    generation: loaded.generation,
    responses,
    count: (label: string) => responses.filter((r) => r.label === label).length,
    operations,
    /** Per client: ms from the end of its startup's first poll to the start of its first `create`. */
    firstTickDelays(): number[] {
      const out: number[] = [];
      for (const id of new Set(operations.map((o) => o.clientId))) {
        const poll = operations.find((o) => o.clientId === id && o.label === 'poll' && o.phase === 'end');
        const create = operations.find((o) => o.clientId === id && o.label === 'create' && o.phase === 'start');
        if (poll && create) out.push(create.at - poll.at);
      }
      return out;
    },
  };
}

describe("each generation's behaviour on the wire", () => {
  let master: Awaited<ReturnType<typeof run>>;
  let y2013: Awaited<ReturnType<typeof run>>;
  before(async () => {
    master = await run({});
    y2013 = await run({ generation: '2013' });
  });

  it('both runs ran: events created and homes polled', () => {
    assert.equal(master.generation, 'master');
    assert.equal(y2013.generation, '2013');
    for (const r of [master, y2013]) {
      assert.ok(r.count('PUT{event}') >= CLIENTS * 2, `PUT{event}: ${r.count('PUT{event}')}`);
      assert.ok(r.count('PROPFIND{home}') >= CLIENTS * 3, `PROPFIND{home}: ${r.count('PROPFIND{home}')}`);
      assert.deepEqual(r.responses.filter((x) => !x.success).map((x) => `${x.label} ${x.status}`), []);
    }
  });

  it("a) Inviter: 2013's adds an attendee to an event the Eventer made, master's PUTs new events with invitees", () => {
    const urls = (r: typeof master, label: RegExp) => new Set(r.responses.filter((x) => label.test(x.label)).map((x) => new URL(x.url, r.origin).pathname));
    for (const r of [master, y2013]) assert.ok(r.operations.filter((o) => o.label === 'invite' && o.phase === 'end' && o.success).length >= CLIENTS, `${r.generation}: invites`);
    const made = urls(y2013, /^PUT\{event\}$/);
    const invited = urls(y2013, /^PUT\{organizer-/);
    assert.ok(invited.size >= 2, `2013 invitations: ${invited.size}`);
    for (const u of invited) assert.ok(made.has(u), `2013 invited to ${u}, an event its Eventer made`);
    const masterMade = urls(master, /^PUT\{event\}$/);
    const masterInvited = urls(master, /^PUT\{organizer-/);
    assert.ok(masterInvited.size >= CLIENTS);
    for (const u of masterInvited) assert.ok(!masterMade.has(u), `master invited with a new event ${u}`);
  });

  it("b) Eventer attachments: master's with fileAttachPercentage, none in 2013", () => {
    assert.equal(master.count('POST{attachment}'), master.count('PUT{event}'));
    assert.equal(y2013.count('POST{attachment}'), 0);
  });

  it('c) unauthenticated first requests: master sends them (without credentials, then again with them), 2013 none', () => {
    const unauthenticated = (r: typeof master) => r.responses.filter((x) => x.label.startsWith('UNAUTHENTICATED{'));
    // unauthenticatedPercentage 100: every master request went out once without credentials first, answered
    // 401 (or 301 for /.well-known/caldav, which the testbed redirects without asking for credentials).
    const u = unauthenticated(master);
    assert.equal(u.length * 2, master.responses.length);
    assert.ok(u.every((x) => x.status === 401 || (x.status === 301 && x.url.includes('/.well-known/'))), u.map((x) => `${x.status} ${x.url}`).join(' '));
    assert.ok(u.filter((x) => x.status === 401).length > u.length / 2);
    assert.deepEqual(unauthenticated(y2013), []);
  });

  it('d) notification collection: 10.7 PROPFINDs it on every poll in master, never in 2013', () => {
    const polls = master.operations.filter((o) => o.label === 'poll' && o.phase === 'end').length;
    assert.equal(master.count('PROPFIND{notification}'), polls);
    assert.equal(master.count('PROPFIND{notification-items}'), polls);
    assert.equal(y2013.count('PROPFIND{notification}'), 0);
    assert.equal(y2013.count('PROPFIND{notification-items}'), 0);
  });

  it('e) first tick of an interval profile: at once in 2013, after a random whole 1…interval seconds in master', () => {
    const d2013 = y2013.firstTickDelays();
    assert.equal(d2013.length, CLIENTS);
    assert.deepEqual(d2013, d2013.map(() => 0));
    const dMaster = master.firstTickDelays();
    assert.equal(dMaster.length, CLIENTS);
    for (const d of dMaster) assert.ok(d >= 1000 && d <= INTERVAL * 1000 && d % 1000 === 0, `master's first tick after ${d} ms`);
  });

  it('e) staggerFirstTicks true gives a 2013 run the random first tick', async () => {
    const r = await run({ generation: '2013', staggerFirstTicks: true });
    const d = r.firstTickDelays();
    assert.equal(d.length, CLIENTS);
    for (const x of d) assert.ok(x >= 1000 && x <= INTERVAL * 1000, `first tick after ${x} ms`);
  });
});
