import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { DavHttp } from '../../lib/caldav/http.js';
import { AmpPushHub } from '../../lib/clients/amp-push-hub.js';
import { CalDAVClient, type ClientParams } from '../../lib/clients/client.js';
import { MODELS, type ModelName } from '../../lib/clients/models.js';
import { RealClock, VirtualClock } from '../../lib/core/clock.js';
import type { OperationEvent, SimEvent } from '../../lib/core/events.js';
import { Random } from '../../lib/core/random.js';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { event, http } from '../testbed/support.js';

/**
 * Whether a client waits for push or polls, as the original decides it (ical.py
 * BaseAppleClient.run): with supportAmpPush, a calendar home that carries a CS:pushkey
 * is enough; CS:push-transports lists only the APSD transport, as CalendarServer's
 * does (never AMP). Time is virtual for the client, so "no poll on the interval" is
 * checked over many intervals in milliseconds; the network is real.
 */

const INTERVAL_S = 30; // the reference clients.plist's calendarHomePollInterval

let tb: Testbed;
let hub: AmpPushHub;
let stripper: { url: string; close(): Promise<void> };
const https: DavHttp[] = [];

before(async () => {
  tb = await startTestbed({ port: 0, users: 4, ampPort: 0 });
  hub = new AmpPushHub('127.0.0.1', tb.ampPort!, () => randomUUID());
  stripper = await pushlessProxy(tb.url);
});
after(async () => {
  hub.close();
  await Promise.all(https.map((h) => h.close()));
  await stripper.close();
  await tb.close();
});

/**
 * The testbed as a CalendarServer with neither AMP nor APNS on: it answers no
 * CS:pushkey and no CS:push-transports (both are dropped from every answer).
 */
async function pushlessProxy(target: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = { ...req.headers };
      delete headers.host;
      delete headers.connection;
      request(target + req.url, { method: req.method as 'GET', headers, body: chunks.length ? Buffer.concat(chunks) : undefined })
        .then(async (r) => {
          const body = (await r.body.text()).replace(/<CS:pushkey>[^<]*<\/CS:pushkey>/g, '').replace(/<CS:push-transports>[\s\S]*?<\/CS:push-transports>/g, '');
          const out: Record<string, string | string[]> = {};
          for (const [k, v] of Object.entries(r.headers)) if (v !== undefined && k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection' && k !== 'keep-alive') out[k] = v;
          res.writeHead(r.statusCode, out).end(body);
        })
        .catch(() => res.destroy());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

interface Harness {
  client: CalDAVClient;
  clock: VirtualClock;
  /** Labels of the operations started so far. */
  started(): string[];
  ended(label: string): OperationEvent[];
  /** Every operation started has ended. */
  idle(): boolean;
}

function client(uid: string, params: Partial<ClientParams> = {}, o: { origin?: string; model?: ModelName; push?: AmpPushHub | null } = {}): Harness {
  const events: SimEvent[] = [];
  const clock = new VirtualClock();
  const origin = o.origin ?? tb.url;
  const davHttp = new DavHttp({ origin, clock: new RealClock() });
  https.push(davHttp);
  const c = new CalDAVClient({
    model: MODELS[o.model ?? 'OS_X_10_11'],
    params: { unauthenticatedPercentage: 0, calendarHomePollInterval: INTERVAL_S, ...params },
    record: tb.store.users.get(uid)!.record,
    serverUri: origin,
    principalPathTemplate: '/principals/users/%s/',
    http: davHttp,
    clock,
    random: new Random('push-fidelity').derive(uid),
    emit: (e) => events.push(e),
    instanceNumber: 1,
    ...(o.push === null ? {} : { push: o.push ?? hub }),
  });
  const ops = () => events.filter((e): e is OperationEvent => e.type === 'operation');
  return {
    client: c,
    clock,
    started: () => ops().filter((e) => e.phase === 'start').map((e) => e.label),
    ended: (label) => ops().filter((e) => e.phase === 'end' && e.label === label),
    idle: () => ops().filter((e) => e.phase === 'start').length === ops().filter((e) => e.phase === 'end').length,
  };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  for (const t0 = Date.now(); !cond(); await wait(10)) if (Date.now() - t0 > ms) assert.fail(`timed out waiting for ${what}`);
}

/** Let `n` poll intervals pass on the client's clock, giving each timed poll time to finish. */
async function intervals(h: Harness, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    h.clock.advance(INTERVAL_S * 1000);
    await wait(30);
    await until(() => h.idle(), 'the poll to end');
  }
}

describe('push as the original decides it', () => {
  it('the testbed advertises what CalendarServer does: a pushkey, and only an APSD transport', async () => {
    const pf = await http(tb.url, 'PROPFIND', '/calendars/users/user01/', {
      headers: { Depth: '0' },
      body: '<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/"><D:prop><CS:pushkey/><CS:push-transports/></D:prop></D:propfind>',
    });
    assert.match(pf.body, /<CS:pushkey>\/CalDAV\/localhost\/user01\/<\/CS:pushkey>/);
    assert.deepEqual([...pf.body.matchAll(/<CS:transport type="([^"]+)"/g)].map((m) => m[1]), ['APSD']);
  });

  it('a home with a pushkey: the client subscribes, does not poll on its interval, and polls when a notification arrives', async () => {
    const h = client('user01');
    await h.client.run();
    assert.equal(h.client.pushing, true, 'subscribed on the pushkey alone');
    assert.deepEqual(h.started(), ['startup', 'poll'], 'startup and the first poll only');
    await intervals(h, 10);
    assert.deepEqual(h.started(), ['startup', 'poll'], 'no poll over ten intervals');
    assert.equal(h.clock.pending, 0, 'no poll timer set');

    // A change to user01's home: the push service notifies its key, and the client polls as operation `push`.
    const put = await http(tb.url, 'PUT', '/calendars/users/user01/calendar/pushed-1.ics', { headers: { 'Content-Type': 'text/calendar' }, body: event('pushed-1') });
    assert.equal(put.status, 201);
    await until(() => h.ended('push').length === 1, 'the push poll');
    assert.equal(h.ended('push')[0]!.success, true);
    assert.ok(h.client.state.events.has('/calendars/users/user01/calendar/pushed-1.ics'), 'the push poll fetched the new event');
    assert.deepEqual(h.started(), ['startup', 'poll', 'push']);
    h.client.stop();
  });

  it('supportPush false does not matter: it selects XMPP only, so the client still waits for AMP push', async () => {
    const h = client('user02', { supportPush: false });
    await h.client.run();
    assert.equal(h.client.pushing, true);
    await intervals(h, 3);
    assert.deepEqual(h.started(), ['startup', 'poll']);
    h.client.stop();
  });

  it('a home without a pushkey (push off on the server): the client polls every interval', async () => {
    const h = client('user03', {}, { origin: stripper.url });
    await h.client.run();
    assert.equal(h.client.state.pushKey, '', 'the proxy took the pushkey away');
    assert.equal(h.client.pushing, false);
    await intervals(h, 3);
    assert.deepEqual(h.started(), ['startup', 'poll', 'poll', 'poll', 'poll']);
    assert.ok(h.ended('poll').every((e) => e.success));
    h.client.stop();
  });

  it('supportAmpPush false: the client polls every interval, pushkey or not, and never subscribes', async () => {
    const subscribed = hub.subscribe.bind(hub);
    let subscriptions = 0;
    hub.subscribe = (key, cb) => (subscriptions++, subscribed(key, cb));
    try {
      const h = client('user04', { supportAmpPush: false });
      await h.client.run();
      assert.equal(h.client.state.pushKey, '/CalDAV/localhost/user04/');
      assert.equal(h.client.pushing, false);
      assert.equal(subscriptions, 0);
      await intervals(h, 3);
      assert.deepEqual(h.started(), ['startup', 'poll', 'poll', 'poll', 'poll']);
      h.client.stop();
    } finally {
      hub.subscribe = subscribed;
    }
  });

  it('no push host to reach: the subscription fails and the client polls instead', async () => {
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', () => r()));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((r) => dead.close(() => r()));
    const deadHub = new AmpPushHub('127.0.0.1', port, () => randomUUID());
    try {
      const h = client('user04', {}, { push: deadHub });
      await h.client.run();
      assert.equal(h.client.pushing, false);
      await intervals(h, 2);
      assert.deepEqual(h.started(), ['startup', 'poll', 'poll', 'poll']);
      h.client.stop();
    } finally {
      deadHub.close();
    }
  });
});
