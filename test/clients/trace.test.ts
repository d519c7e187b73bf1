/**
 * Trace tests: each client model of each generation, driven
 * against the testbed in a known state (see trace-golden.ts), must send the
 * same sequence of (label, method, Depth, target kind) as the original.
 *
 * Requests are observed through a small proxy in front of the testbed, which
 * sees the Depth header; they are matched one to one, in order, with the
 * client's response events (which carry the labels). 401 challenge exchanges
 * are part of one labelled request, so the proxy leaves them out.
 *
 * Where the original's own code raises a TypeError, see INSTEAD below.
 */
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, Agent, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DavHttp } from '../../lib/caldav/http.js';
import { CalDAVClient, type ClientOptions } from '../../lib/clients/client.js';
import { MODELS } from '../../lib/clients/models.js';
import { RealClock } from '../../lib/core/clock.js';
import type { ResponseEvent, SimEvent } from '../../lib/core/events.js';
import { Random } from '../../lib/core/random.js';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { GOLDEN, MODELS_BY_GENERATION, type Generation, type GoldenCase, type Phase, type Step, type TraceModel } from './trace-golden.js';

// ---- target kinds ---------------------------------------------------------------------------

/** A small classification of a request path, so traces do not depend on uids or resource names. */
export function targetKind(url: string): string {
  const path = url.split('?')[0]!;
  if (path === '/') return 'root';
  if (/^\/\.well-known\/caldav\/?$/.test(path)) return 'well-known';
  if (path === '/principals/' || path === '/principals/users/') return 'principals-collection';
  if (/^\/principals\/users\/[^/]+\/?$/.test(path)) return 'principal';
  if (/^\/calendars\/users\/[^/]+\/?$/.test(path)) return 'home';
  const coll = /^\/calendars\/users\/[^/]+\/([^/]+)\/([^/]*)$/.exec(path);
  if (coll) {
    const [, name, member] = coll;
    const kind = name === 'inbox' || name === 'outbox' || name === 'notification' ? name : 'calendar';
    if (!member) return kind;
    return kind === 'calendar' ? 'event' : `${kind}-item`;
  }
  if (path === '/apns/') return 'apns';
  return `other:${path}`;
}

// ---- the observing proxy ----------------------------------------------------------------------

interface Seen {
  method: string;
  url: string;
  depth: string;
  status: number;
}

interface Proxy {
  url: string;
  seen: Seen[];
  close(): Promise<void>;
}

async function startProxy(target: Testbed): Promise<Proxy> {
  const seen: Seen[] = [];
  const agent = new Agent({ keepAlive: true });
  const server: Server = createServer((req, res) => {
    const record: Seen = { method: req.method ?? 'GET', url: req.url ?? '/', depth: (req.headers.depth as string | undefined) ?? '-', status: 0 };
    seen.push(record);
    const up = httpRequest({ host: '127.0.0.1', port: target.port, method: req.method, path: req.url, headers: req.headers, agent }, (r) => {
      record.status = r.statusCode ?? 0;
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}

// ---- driving a client ---------------------------------------------------------------------------

interface Traced {
  client: CalDAVClient;
  /** The trace since the last call, as [label, method, Depth, kind]. */
  take(): Step[];
}

/** One client of `model` for `uid` reproducing `generation`, talking through the proxy. */
function traceClient(tb: Testbed, proxy: Proxy, http: DavHttp, model: TraceModel, generation: Generation, uid: string, instanceNumber: number): Traced {
  const events: SimEvent[] = [];
  const params = { unauthenticatedPercentage: 0, calendarHomePollInterval: 3600 };
  const options: ClientOptions = {
    model: MODELS[model],
    generation,
    params,
    record: tb.store.users.get(uid)!.record,
    serverUri: proxy.url,
    principalPathTemplate: '/principals/users/%s/',
    http,
    clock: new RealClock(),
    random: new Random('trace').derive(`${uid}/${model}/${generation}/${instanceNumber}`),
    emit: (e: SimEvent) => void events.push(e),
    instanceNumber,
  };
  const client = new CalDAVClient(options);
  // The proxy serves one client at a time (the cases run in turn): this client's requests are those after now.
  let from = proxy.seen.length;
  return {
    client,
    take() {
      const responses = events.filter((e): e is ResponseEvent => e.type === 'response');
      events.splice(0);
      const wire = proxy.seen.slice(from).filter((x) => x.status !== 401);
      from = proxy.seen.length;
      assert.equal(wire.length, responses.length, `requests on the wire ${JSON.stringify(wire.map((w) => `${w.method} ${w.url}`))} vs labelled ${JSON.stringify(responses.map((r) => r.label))}`);
      return responses.map((r, i) => {
        const w = wire[i]!;
        assert.equal(w.method, r.method, `request ${i}: method on the wire`);
        return [r.label, w.method, w.depth, targetKind(w.url)] as const;
      });
    },
  };
}

/** Direct requests to the testbed as `uid` (not through the proxy): the "store" changing things. */
async function asUser(tb: Testbed, uid: string, method: string, path: string, body?: string): Promise<number> {
  const r = await fetch(tb.url + path, {
    method,
    headers: { Authorization: `Basic ${Buffer.from(`${uid}:${uid}`).toString('base64')}`, ...(body ? { 'Content-Type': 'text/calendar; charset=utf-8' } : {}) },
    ...(body ? { body } : {}),
  });
  await r.arrayBuffer();
  return r.status;
}

const ics = (uid: string, summary: string, extra: string[] = []) =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//loadsim//trace//EN', 'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20260101T000000Z', 'DTSTART:20261201T100000Z', 'DTEND:20261201T110000Z', `SUMMARY:${summary}`, ...extra, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');

// ---- what differs today ------------------------------------------------------------------------------

/**
 * Where master's own code raises a TypeError against this state (the golden
 * trace stops there, `crash`), loadsim does better, as docs/compatibility.md lists under
 * "Where loadsim differs from the original on purpose": it sends exactly what the
 * original sent up to that point, then carries on instead of ending the client.
 * Those phases are checked as a prefix; a poll after the original's client has
 * ended is checked against `instead`, when another case shows what the same
 * model sends without the crash, or else only that loadsim still polls.
 */
const INSTEAD: Record<string, Partial<Record<Phase, { model: TraceModel; generation: Generation; instanceNumber: number }>>> = {
  // master's 10.6 instance 1 never reaches _inboxPropfind, so its polls are what instance 0's would be.
  'OS_X_10_6/master/0': { unchangedPoll: { model: 'OS_X_10_6', generation: 'master', instanceNumber: 1 }, changedPoll: { model: 'OS_X_10_6', generation: 'master', instanceNumber: 1 } },
};

const key = (c: GoldenCase) => `${c.model}/${c.generation}/${c.instanceNumber}`;

// ---- the tests ------------------------------------------------------------------------------------

let tb: Testbed;
let proxy: Proxy;
let http: DavHttp;

before(async () => {
  tb = await startTestbed({ port: 0, users: 30 });
  proxy = await startProxy(tb);
  http = new DavHttp({ origin: proxy.url, clock: new RealClock() });
});
after(async () => {
  await http.close();
  await proxy.close();
  await tb.close();
});

describe('trace golden data', () => {
  it('has one case per model each revision defines', () => {
    for (const [g, models] of Object.entries(MODELS_BY_GENERATION)) {
      assert.deepEqual([...new Set(GOLDEN.filter((c) => c.generation === g).map((c) => c.model))].sort(), [...models].sort());
    }
  });
});

const PHASES: readonly Phase[] = ['startup', 'unchangedPoll', 'changedPoll', 'addEvent', 'addEventAttendee', 'changeEvent', 'addInvite', 'requestAvailability', 'deleteEvent'];

GOLDEN.forEach((golden, n) => {
  describe(`trace ${golden.model} (${golden.generation}, instance ${golden.instanceNumber})`, () => {
    const uid = `user${String(n + 1).padStart(2, '0')}`;
    const other = `user${String(n + 21).padStart(2, '0')}`;
    const home = `/calendars/users/${uid}/`;
    let t: Traced;
    before(async () => {
      // Known state: one event in the calendar before startup.
      assert.equal(await asUser(tb, uid, 'PUT', `${home}calendar/seed.ics`, ics('seed-1', 'Seed')), 201);
      t = traceClient(tb, proxy, http, golden.model, golden.generation, uid, golden.instanceNumber);
    });

    const run: Record<Phase, () => Promise<unknown>> = {
      startup: () => t.client.startup(),
      unchangedPoll: () => t.client.poll(),
      changedPoll: async () => {
        assert.equal(await asUser(tb, uid, 'PUT', `${home}calendar/seed.ics`, ics('seed-1', 'Seed, changed')), 204);
        t.take();
        return t.client.poll();
      },
      addEvent: () => t.client.addEvent(`${home}calendar/new.ics`, ics('new-1', 'New')),
      addEventAttendee: () => t.client.addEventAttendee(`${home}calendar/new.ics`, { address: `mailto:${other}@example.com`, cn: other }),
      changeEvent: () => t.client.changeEvent(`${home}calendar/new.ics`),
      addInvite: () =>
        t.client.addInvite(
          `${home}calendar/invite.ics`,
          ics('invite-1', 'Invite', [`ORGANIZER:mailto:${uid}@example.com`, `ATTENDEE;PARTSTAT=ACCEPTED:mailto:${uid}@example.com`, `ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:${other}@example.com`]),
          { lookupPercentage: 100 },
        ),
      requestAvailability: () => t.client.requestAvailability(new Date('2026-12-01T00:00:00Z'), new Date('2026-12-02T00:00:00Z'), [`mailto:${uid}@example.com`, `mailto:${other}@example.com`]),
      deleteEvent: () => t.client.deleteEvent(`${home}calendar/new.ics`),
    };

    for (const phase of PHASES) {
      const expected = golden.phases[phase];
      if (!expected) continue;
      it(phase, async () => {
        t.take();
        await run[phase]();
        const actual = t.take();
        if (!expected.crash) {
          assert.deepEqual(actual, expected.steps.map((x) => [...x]));
          return;
        }
        // The original raised here (see INSTEAD): the same requests up to the crash, and loadsim goes on.
        assert.deepEqual(actual.slice(0, expected.steps.length), expected.steps.map((x) => [...x]), `up to the original's ${expected.crash}`);
        const instead = INSTEAD[key(golden)]?.[phase];
        const other = instead && GOLDEN.find((c) => c.model === instead.model && c.generation === instead.generation && c.instanceNumber === instead.instanceNumber)?.phases[phase];
        if (other && !other.crash) assert.deepEqual(actual, other.steps.map((x) => [...x]), `as ${instead.model} ${instead.generation} instance ${instead.instanceNumber}`);
        else assert.ok(actual.length > expected.steps.length, `loadsim carries on past the original's ${expected.crash}: ${JSON.stringify(actual)}`);
      });
    }
  });
});
