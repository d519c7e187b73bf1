import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { PROPFIND, http, responses } from './support.js';

let tb: Testbed;
before(async () => {
  tb = await startTestbed({ port: 0, users: 5 });
});
after(() => tb.close());

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('auth', () => {
  it('a request without credentials gets 401 with Digest and Basic challenges', async () => {
    const r = await http(tb.url, 'PROPFIND', '/principals/users/user01/', { user: null, headers: { Depth: '0' } });
    assert.equal(r.status, 401);
    const challenges = ([] as string[]).concat(r.headers['www-authenticate'] as string[] | string);
    assert.ok(challenges.some((c) => /^Digest realm="loadsim testbed", qop="auth", algorithm=MD5, nonce="/.test(c)));
    assert.ok(challenges.some((c) => /^Basic realm="loadsim testbed"/.test(c)));
  });

  it('a wrong password is a 401, not a crash; an unknown user too', async () => {
    assert.equal((await http(tb.url, 'PROPFIND', '/', { user: null, headers: { authorization: `Basic ${Buffer.from('user01:nope').toString('base64')}`, Depth: '0' } })).status, 401);
    assert.equal((await http(tb.url, 'PROPFIND', '/', { user: null, headers: { authorization: `Basic ${Buffer.from('ghost:ghost').toString('base64')}`, Depth: '0' } })).status, 401);
    assert.equal((await http(tb.url, 'PROPFIND', '/', { user: null, headers: { authorization: 'Basic !!!', Depth: '0' } })).status, 401);
    assert.equal((await http(tb.url, 'PROPFIND', '/', { user: null, headers: { authorization: 'Negotiate abc', Depth: '0' } })).status, 401);
  });

  for (const algorithm of ['MD5', 'SHA-256'] as const) {
    it(`Digest ${algorithm} (RFC 7616) with qop=auth authenticates; a wrong response does not`, async () => {
      const h = algorithm === 'MD5' ? md5 : sha256;
      const first = await http(tb.url, 'PROPFIND', '/principals/users/user02/', { user: null, headers: { Depth: '0' } });
      const challenge = ([] as string[]).concat(first.headers['www-authenticate'] as string[]).find((c) => c.includes(`algorithm=${algorithm}`))!;
      const nonce = /nonce="([^"]+)"/.exec(challenge)![1]!;
      const uri = '/principals/users/user02/';
      const ha1 = h(`user02:loadsim testbed:user02`);
      const ha2 = h(`PROPFIND:${uri}`);
      const cnonce = 'abcdef';
      const response = h(`${ha1}:${nonce}:00000001:${cnonce}:auth:${ha2}`);
      const authz = (resp: string) =>
        `Digest username="user02", realm="loadsim testbed", nonce="${nonce}", uri="${uri}", algorithm=${algorithm}, qop=auth, nc=00000001, cnonce="${cnonce}", response="${resp}"`;
      const ok = await http(tb.url, 'PROPFIND', uri, { user: null, headers: { Depth: '0', authorization: authz(response) } });
      assert.equal(ok.status, 207);
      const bad = await http(tb.url, 'PROPFIND', uri, { user: null, headers: { Depth: '0', authorization: authz(response.replace(/.$/, (c) => (c === '0' ? '1' : '0'))) } });
      assert.equal(bad.status, 401);
    });
  }
});

describe('discovery', () => {
  it('/.well-known/caldav redirects to the root', async () => {
    for (const p of ['/.well-known/caldav', '/.well-known/caldav/']) {
      const r = await http(tb.url, 'PROPFIND', p, { headers: { Depth: '0' }, body: PROPFIND('<D:current-user-principal/>') });
      assert.equal(r.status, 301);
      assert.equal(r.headers.location, '/');
    }
  });

  it('the root answers current-user-principal for the authenticated user', async () => {
    const r = await http(tb.url, 'PROPFIND', '/', { user: 'user03', headers: { Depth: '0' }, body: PROPFIND('<D:current-user-principal/><D:principal-URL/><D:resourcetype/>') });
    assert.equal(r.status, 207);
    assert.match(r.body, /<D:current-user-principal><D:href>\/principals\/users\/user03\/<\/D:href><\/D:current-user-principal>/);
    // principal-URL does not apply to the root: a 404 propstat, not an error.
    assert.match(r.body, /<D:propstat><D:prop><D:principal-URL\/><\/D:prop><D:status>HTTP\/1\.1 404 Not Found<\/D:status><\/D:propstat>/);
  });

  it('a principal answers every property the client models ask for, and 404 for unknown ones', async () => {
    const asked = [
      '<D:current-user-principal/>', '<D:principal-URL/>', '<C:calendar-home-set/>', '<C:calendar-user-address-set/>', '<C:schedule-inbox-URL/>',
      '<C:schedule-outbox-URL/>', '<D:principal-collection-set/>', '<D:displayname/>', '<D:supported-report-set/>', '<CS:notification-URL/>',
      '<CS:email-address-set/>', '<D:resource-id/>',
    ];
    const r = await http(tb.url, 'PROPFIND', '/principals/users/user01/', { headers: { Depth: '0' }, body: PROPFIND(asked.join('') + '<CS:dropbox-home-URL/><CS:xmpp-uri/><X:unknown xmlns:X="urn:x"/>') });
    assert.equal(r.status, 207);
    const [ok, missing] = r.body.split('HTTP/1.1 200 OK');
    for (const p of ['calendar-home-set><D:href>/calendars/users/user01/', 'calendar-user-address-set><D:href>mailto:user01@example.com', 'schedule-inbox-URL><D:href>/calendars/users/user01/inbox/', 'schedule-outbox-URL><D:href>/calendars/users/user01/outbox/', 'principal-collection-set><D:href>/principals/', 'displayname>User 01<', 'notification-URL><D:href>/calendars/users/user01/notification/', 'sync-collection'.replace('sync-collection', 'principal-property-search')]) {
      assert.ok(ok!.includes(p), `${p} in ${ok}`);
    }
    assert.match(missing!, /<CS:dropbox-home-URL\/><CS:xmpp-uri\/><unknown xmlns="urn:x"\/><\/D:prop><D:status>HTTP\/1\.1 404 Not Found/);
  });

  it('the home lists its five collections at Depth 1 with ctag and sync-token', async () => {
    const r = await http(tb.url, 'PROPFIND', '/calendars/users/user01/', {
      headers: { Depth: '1' },
      body: PROPFIND('<D:resourcetype/><CS:getctag/><D:sync-token/><C:supported-calendar-component-set/><D:displayname/>'),
    });
    assert.equal(r.status, 207);
    const rs = responses(r.body);
    assert.deepEqual(rs.map((x) => x.href), ['/calendars/users/user01/', ...['calendar', 'tasks', 'inbox', 'outbox', 'notification'].map((n) => `/calendars/users/user01/${n}/`)]);
    assert.match(rs[1]!.body, /<D:resourcetype><D:collection\/><C:calendar\/><\/D:resourcetype>/);
    assert.match(rs[1]!.body, /<C:comp name="VEVENT"\/>/);
    assert.match(rs[2]!.body, /<C:comp name="VTODO"\/>/);
    assert.match(rs[3]!.body, /<C:schedule-inbox\/>/);
    assert.match(rs[4]!.body, /<C:schedule-outbox\/>/);
    assert.match(rs[5]!.body, /<CS:notification\/>/);
    assert.match(rs[1]!.body, /<CS:getctag>"\d+"<\/CS:getctag>/);
    assert.match(rs[1]!.body, /<D:sync-token>data:,loadsim-sync\/\d+\/\d+<\/D:sync-token>/);
  });

  it('another user\'s home is forbidden; Depth infinity is refused; malformed XML is 400', async () => {
    assert.equal((await http(tb.url, 'PROPFIND', '/calendars/users/user02/', { user: 'user01', headers: { Depth: '0' } })).status, 403);
    const inf = await http(tb.url, 'PROPFIND', '/calendars/users/user01/', { headers: { Depth: 'infinity' } });
    assert.equal(inf.status, 403);
    assert.match(inf.body, /propfind-finite-depth/);
    assert.equal((await http(tb.url, 'PROPFIND', '/calendars/users/user01/', { headers: { Depth: '0' }, body: '<D:propfind xmlns:D="DAV:"><D:prop>' })).status, 400);
    const xxe = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><D:propfind xmlns:D="DAV:"><D:prop><D:displayname/></D:prop></D:propfind>';
    assert.equal((await http(tb.url, 'PROPFIND', '/', { headers: { Depth: '0' }, body: xxe })).status, 400);
  });

  it('allprop and propname work (RFC 4918 §9.1)', async () => {
    const all = await http(tb.url, 'PROPFIND', '/calendars/users/user01/calendar/', { headers: { Depth: '0' }, body: '<D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>' });
    assert.equal(all.status, 207);
    assert.match(all.body, /<CS:getctag>/);
    const names = await http(tb.url, 'PROPFIND', '/calendars/users/user01/calendar/', { headers: { Depth: '0' }, body: '<D:propfind xmlns:D="DAV:"><D:propname/></D:propfind>' });
    assert.match(names.body, /<CS:getctag\/>/);
  });

  it('OPTIONS advertises calendar-access and calendar-auto-schedule', async () => {
    const r = await http(tb.url, 'OPTIONS', '/');
    assert.equal(r.status, 200);
    assert.match(String(r.headers.dav), /calendar-access/);
    assert.match(String(r.headers.dav), /calendar-auto-schedule/);
  });

  it('keeps one connection for many requests (keep-alive, REPORTs included)', async () => {
    const { Pool } = await import('undici');
    const before = tb.connectionsAccepted;
    const pool = new Pool(tb.url, { connections: 1 });
    for (let i = 0; i < 50; i++) {
      const r = await pool.request({
        path: '/calendars/users/user01/calendar/',
        method: i % 2 ? 'PROPFIND' : 'REPORT',
        headers: { authorization: `Basic ${Buffer.from('user01:user01').toString('base64')}`, Depth: '1' },
        body: i % 2 ? PROPFIND('<D:getetag/>') : '<D:sync-collection xmlns:D="DAV:"><D:sync-token/><D:prop><D:getetag/></D:prop></D:sync-collection>',
        reset: false,
      });
      await r.body.text();
    }
    await pool.close();
    assert.equal(tb.connectionsAccepted - before, 1);
  });
});
