import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { RealClock } from '../../lib/core/clock.js';
import { DavHttp, davHttpDefaults } from '../../lib/caldav/http.js';
import { parseMultistatus, propsOk } from '../../lib/caldav/multistatus.js';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { NS, clark } from '../../lib/xml/namespaces.js';
import { bodyOf, client, noUnhandledRejections, PROPFIND_BODY, serve, SYNC_BODY } from './support.js';

const checkRejections = noUnhandledRejections();
after(checkRejections);

describe('DavHttp against the testbed', () => {
  let tb: Testbed;
  let http: DavHttp;
  before(async () => {
    tb = await startTestbed({ port: 0, users: 3 });
    http = new DavHttp({ origin: tb.url });
  });
  after(async () => {
    await http.close();
    await tb.close();
  });

  it('50 sequential requests, REPORTs included, use one connection; connectMs on the first response only', async () => {
    const before = tb.connectionsAccepted;
    const c = client('user01');
    const home = '/calendars/users/user01/';
    let token = '';
    for (let i = 0; i < 50; i++) {
      const kind = i % 3;
      const r =
        kind === 0
          ? await http.request({ label: 'PROPFIND{home}', method: 'PROPFIND', path: home, headers: { Depth: '1', 'Content-Type': 'text/xml' }, body: PROPFIND_BODY, expect: [207] }, c)
          : kind === 1
            ? await http.request({ label: 'REPORT{sync}', method: 'REPORT', path: `${home}calendar/`, headers: { Depth: '1', 'Content-Type': 'text/xml' }, body: SYNC_BODY(token), expect: [207] }, c)
            : await http.request({ label: 'PUT{event}', method: 'PUT', path: `${home}calendar/e${i}.ics`, headers: { 'Content-Type': 'text/calendar' }, body: event(`e${i}`), expect: [201, 204] }, c);
      assert.ok(r.ok, `${i}: ${r.status} ${r.error}`);
      if (kind === 1) token = parseMultistatus(r.body).syncToken ?? token;
    }
    assert.equal(tb.connectionsAccepted - before, 1, 'keep-alive held across REPORTs (reset: false)');
    const responses = c.responses();
    assert.equal(responses.length, 50);
    assert.equal(typeof responses[0]!.connectMs, 'number');
    assert.ok(responses[0]!.connectMs! >= 0);
    assert.ok(responses.slice(1).every((e) => e.connectMs === undefined));
    assert.ok(token.length > 0);
  });

  it('a home PROPFIND parses into responses with props', async () => {
    const c = client('user02');
    const r = await http.request({ label: 'PROPFIND{home}', method: 'PROPFIND', path: '/calendars/users/user02/', headers: { Depth: '1' }, body: PROPFIND_BODY, expect: [207] }, c);
    const ms = parseMultistatus(r.body);
    const cal = ms.responses.find((x) => x.href === '/calendars/users/user02/calendar/');
    assert.ok(cal);
    assert.ok(propsOk(cal).has(clark(NS.DAV, 'resourcetype')));
  });
});

describe('events and measurements', () => {
  let http: DavHttp;
  let s: Awaited<ReturnType<typeof serve>>;
  const seen: { method: string; url: string; headers: Record<string, unknown>; bytesRead: number }[] = [];
  const readAt = new WeakMap<Socket, number>();
  before(async () => {
    s = await serve(async (req, res) => {
      const body = await bodyOf(req);
      // Bytes the server read for this request: the socket's count since the previous request.
      const prev = readAt.get(req.socket) ?? 0;
      readAt.set(req.socket, req.socket.bytesRead);
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, bytesRead: req.socket.bytesRead - prev });
      if (req.url!.startsWith('/slow')) await new Promise((r) => setTimeout(r, 50));
      if (req.url === '/ms-ok' || req.url === '/ms-garbage') {
        res.writeHead(207, { 'Content-Type': 'application/xml' });
        return res.end(req.url === '/ms-ok' ? '<multistatus xmlns="DAV:"><response><href>/a</href><status>HTTP/1.1 200 OK</status></response></multistatus>' : '<D:multistatus xmlns:D="DAV:"><D:response><D:href>/x</D:h');
      }
      const out = `you sent ${Buffer.byteLength(body)} bytes to ${req.url}`;
      res.writeHead(req.url === '/missing' ? 404 : 200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(out) });
      res.end(out);
    });
    http = new DavHttp({ origin: s.url });
  });
  after(async () => {
    await http.close();
    await s.close();
  });

  it('one request and one response event per request, every field filled', async () => {
    // The OS X 10.11 model's headers, less Accept-Encoding (tested with the bodies).
    const c = client('user07', { headers: { 'User-Agent': 'Mac+OS+X/10.11 (15A283) CalendarAgent/361 Simulator main 0', Accept: '*/*', 'Accept-Language': 'en-us', Connection: 'keep-alive' } });
    const clock = new RealClock();
    const t0 = clock.now();
    const m0 = clock.monotonic();
    const r = await http.request({ label: 'PUT{event}', method: 'PUT', path: '/slow/x.ics', body: 'héllo', expect: [201, 200], headers: { 'Content-Type': 'text/calendar' } }, c);
    assert.ok(r.ok);
    assert.equal(r.body, "you sent 6 bytes to /slow/x.ics");
    assert.equal(c.events.length, 2);
    const m1 = clock.monotonic();
    const [req, res] = c.events;
    assert.equal(req!.type, 'request');
    assert.equal(res!.type, 'response');
    if (req!.type !== 'request' || res!.type !== 'response') return;
    assert.deepEqual({ ...req, at: 0 }, { type: 'request', user: 'user07', clientId: c.identity.clientId, clientType: 'test 0', label: 'PUT{event}', method: 'PUT', url: `${s.url}/slow/x.ics`, at: 0 });
    // Stamped when it was sent: between the call (Date.now is whole ms) and its answer; no bound on how fast this machine is.
    assert.ok(req.at >= t0 - 1 && req.at <= res.at, `${req.at} in [${t0 - 1}, ${res.at}]`);
    assert.equal(res.user, 'user07');
    assert.equal(res.label, 'PUT{event}');
    assert.equal(res.url, `${s.url}/slow/x.ics`);
    assert.equal(res.status, 200);
    assert.equal(res.success, true);
    assert.equal(res.error, undefined);
    // At least the server's 50 ms (a timer may fire 1 ms early), at most the time the call took.
    assert.ok(res.durationMs >= 49 && res.durationMs <= m1 - m0, `${res.durationMs} in [49, ${m1 - m0}]`);
    assert.equal(res.durationMs, r.durationMs);
    assert.ok(res.at >= req.at + 49);
    // Wire bytes: what the server's socket read, and the exact size of the response sent.
    assert.equal(res.bytesOut, seen.at(-1)!.bytesRead);
    const head = `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 31\r\nDate: ${'x'.repeat(29)}\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n`;
    assert.equal(res.bytesIn, head.length + 31);
    assert.equal(seen.at(-1)!.headers['user-agent'], 'Mac+OS+X/10.11 (15A283) CalendarAgent/361 Simulator main 0');
    assert.equal(seen.at(-1)!.headers['accept-encoding'], undefined, 'no Accept-Encoding unless the model sends one');
    assert.equal(seen.at(-1)!.headers.connection, 'keep-alive');
    assert.equal(seen.at(-1)!.headers['accept-language'], 'en-us');
    assert.equal(seen.at(-1)!.headers['content-type'], 'text/calendar');
  });

  it('durations start at intendedAt, and the request event says when it was meant to go', async () => {
    const clock = new RealClock();
    const c = client();
    const w0 = clock.now();
    const intendedAt = clock.monotonic() - 100;
    const r = await http.request({ label: 'GET', method: 'GET', path: '/x', expect: [200], intendedAt }, c);
    const m1 = clock.monotonic();
    const w1 = clock.now();
    // From the intended time: the 100 ms before the call, plus the call itself, and no more.
    assert.ok(r.durationMs >= 100 && r.durationMs <= m1 - intendedAt, `${r.durationMs} in [100, ${m1 - intendedAt}]`);
    const [req, res] = c.events as unknown as [{ at: number }, { at: number; durationMs: number }];
    // The request event carries the intended time, on the wall clock: 100 ms before the call was made (±1 ms of rounding).
    assert.ok(req.at >= w0 - 101 && req.at <= w1 - 99, `${req.at} in [${w0 - 101}, ${w1 - 99}]`);
    assert.ok(res.at >= req.at && res.at <= w1 + 1, `the response ended between ${req.at} and ${w1}: ${res.at}`);
  });

  it('an unexpected status is a failed response, with the body still read', async () => {
    const c = client();
    const r = await http.request({ label: 'GET', method: 'GET', path: '/missing', expect: [200] }, c);
    assert.equal(r.status, 404);
    assert.equal(r.ok, false);
    assert.equal(r.error, 'unexpected status 404');
    assert.equal(r.errorCode, 'UNEXPECTED_STATUS');
    assert.match(r.body, /you sent/);
    assert.deepEqual(
      c.responses().map((e) => [e.status, e.success, e.error]),
      [[404, false, 'unexpected status 404']],
    );
    const ok = await http.request({ label: 'GET', method: 'GET', path: '/missing', expect: [404] }, c);
    assert.ok(ok.ok, 'a 404 the caller expects is a success');
  });

  it('paths: decoded hrefs are re-encoded, full URLs on the origin accepted, anything else is a programmer error', async () => {
    const c = client();
    await http.request({ label: 'GET', method: 'GET', path: '/calendars/a b/ü/50%.ics', expect: [200] }, c);
    assert.equal(seen.at(-1)!.url, '/calendars/a%20b/%C3%BC/50%25.ics');
    await http.request({ label: 'GET', method: 'GET', path: '/already%20encoded/', expect: [200] }, c);
    assert.equal(seen.at(-1)!.url, '/already%20encoded/');
    await http.request({ label: 'GET', method: 'GET', path: `${s.url}/full?x=1`, expect: [200] }, c);
    assert.equal(seen.at(-1)!.url, '/full?x=1');
    await assert.rejects(http.request({ label: 'GET', method: 'GET', path: 'http://elsewhere.example:1/x', expect: [200] }, c), TypeError);
    await assert.rejects(http.request({ label: 'GET', method: 'GET', path: 'relative', expect: [200] }, c), TypeError);
  });

  it('multistatus: true parses a 207 into the result; a malformed one is a failed response', async () => {
    const c = client();
    const good = await http.request({ label: 'PROPFIND', method: 'PROPFIND', path: '/ms-ok', expect: [207], multistatus: true }, c);
    assert.ok(good.ok);
    assert.deepEqual(good.multistatus, { responses: [{ href: '/a', status: 200, propstats: [] }] });
    const bad = await http.request({ label: 'PROPFIND', method: 'PROPFIND', path: '/ms-garbage', expect: [207], multistatus: true }, c);
    assert.deepEqual([bad.ok, bad.status, bad.errorCode, bad.error, bad.multistatus], [false, 207, 'MALFORMED_RESPONSE', 'malformed multistatus (xml)', undefined]);
    assert.match(bad.body, /^<D:multistatus/, 'the body is kept for logging');
    assert.deepEqual(
      c.responses().map((e) => [e.status, e.success, e.error]),
      [
        [207, true, undefined],
        [207, false, 'malformed multistatus (xml)'],
      ],
    );
    const unparsed = await http.request({ label: 'PROPFIND', method: 'PROPFIND', path: '/ms-garbage', expect: [207] }, c);
    assert.ok(unparsed.ok, 'without the option the body is not looked at');
  });

  it('a header undici refuses is a counted failure (INVALID_REQUEST), not an exception', async () => {
    const c = client();
    const r = await http.request({ label: 'GET', method: 'GET', path: '/x', headers: { 'Bad Header': 'x' }, expect: [200] }, c);
    assert.deepEqual([r.ok, r.status, r.errorCode], [false, 0, 'INVALID_REQUEST']);
    assert.equal(c.responses().length, 1);
    assert.ok((await http.request({ label: 'GET', method: 'GET', path: '/x', expect: [200] }, c)).ok);
  });

  it('defaults are documented values', () => {
    assert.deepEqual(davHttpDefaults, { connectionModel: 'per-client', connectionsPerClient: 1, connections: 64, rejectUnauthorized: true, timeoutMs: 60_000, maxBodyBytes: 50_000_000, keepAliveTimeoutMs: 30_000 });
    assert.throws(() => new DavHttp({ origin: 'ftp://x' }), TypeError);
  });
});

function event(uid: string): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//loadsim//test//EN', 'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20260101T000000Z', 'DTSTART:20260310T100000Z', 'DTEND:20260310T110000Z', 'SUMMARY:x', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
}
