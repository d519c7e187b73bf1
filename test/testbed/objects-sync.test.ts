import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { PROPFIND, event, http, responses, syncTokenOf } from './support.js';

let tb: Testbed;
before(async () => {
  tb = await startTestbed({ port: 0, users: 3, limits: { maxResourceSize: 20_000, maxResourcesPerCollection: 50 }, maxBodyBytes: 100_000 });
});
after(() => tb.close());

const CAL = '/calendars/users/user01/calendar/';
const ICS = { 'Content-Type': 'text/calendar; charset=utf-8' };
const snapshot = () => {
  const c = tb.store.users.get('user01')!.home.collections.get('calendar')!;
  return { size: c.resources.size, ctag: c.ctag, token: c.syncToken, texts: [...c.resources.values()].map((r) => r.text).join('|') };
};
const sync = (token = '') =>
  http(tb.url, 'REPORT', CAL, {
    headers: { Depth: '1' },
    body: `<D:sync-collection xmlns:D="DAV:"><D:sync-token>${token}</D:sync-token><D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>`,
  });

describe('objects: PUT, GET, DELETE with ETags', () => {
  it('PUT creates (201, strong ETag), GET returns the same bytes and ETag', async () => {
    const body = event('obj-1');
    const put = await http(tb.url, 'PUT', `${CAL}obj-1.ics`, { headers: ICS, body });
    assert.equal(put.status, 201);
    assert.match(String(put.headers.etag), /^"[^"]+"$/);
    const get = await http(tb.url, 'GET', `${CAL}obj-1.ics`);
    assert.equal(get.status, 200);
    assert.equal(get.body, body);
    assert.equal(get.headers.etag, put.headers.etag);
    assert.match(String(get.headers['content-type']), /^text\/calendar/);
    assert.equal((await http(tb.url, 'GET', `${CAL}obj-1.ics`, { headers: { 'If-None-Match': String(put.headers.etag) } })).status, 304);
  });

  it('If-None-Match: * refuses to overwrite; If-Match must match; a match updates with a new ETag and changes ctag and sync-token', async () => {
    const before = snapshot();
    assert.equal((await http(tb.url, 'PUT', `${CAL}obj-1.ics`, { headers: { ...ICS, 'If-None-Match': '*' }, body: event('obj-1', { summary: 'x' }) })).status, 412);
    assert.equal((await http(tb.url, 'PUT', `${CAL}obj-1.ics`, { headers: { ...ICS, 'If-Match': '"nope"' }, body: event('obj-1', { summary: 'x' }) })).status, 412);
    assert.deepEqual(snapshot(), before);
    const etag = String((await http(tb.url, 'GET', `${CAL}obj-1.ics`)).headers.etag);
    const upd = await http(tb.url, 'PUT', `${CAL}obj-1.ics`, { headers: { ...ICS, 'If-Match': etag }, body: event('obj-1', { summary: 'changed' }) });
    assert.equal(upd.status, 204);
    assert.notEqual(upd.headers.etag, etag);
    const after = snapshot();
    assert.notEqual(after.ctag, before.ctag);
    assert.notEqual(after.token, before.token);
    // If-Match on a resource that does not exist fails too.
    assert.equal((await http(tb.url, 'PUT', `${CAL}absent.ics`, { headers: { ...ICS, 'If-Match': etag }, body: event('absent') })).status, 412);
  });

  it('DELETE honours If-Match, then 204, then GET is 404', async () => {
    await http(tb.url, 'PUT', `${CAL}del.ics`, { headers: ICS, body: event('del') });
    assert.equal((await http(tb.url, 'DELETE', `${CAL}del.ics`, { headers: { 'If-Match': '"wrong"' } })).status, 412);
    assert.equal((await http(tb.url, 'DELETE', `${CAL}del.ics`)).status, 204);
    assert.equal((await http(tb.url, 'GET', `${CAL}del.ics`)).status, 404);
    assert.equal((await http(tb.url, 'DELETE', `${CAL}del.ics`)).status, 404);
  });
});

describe('bad input gets the right 4xx and changes nothing', () => {
  const cases: [string, () => Promise<{ status: number; body: string }>, number, RegExp][] = [
    ['malformed iCalendar', () => http(tb.url, 'PUT', `${CAL}bad.ics`, { headers: ICS, body: 'BEGIN:VCALENDAR\r\nthis is not ical\r\n' }), 400, /valid-calendar-data/],
    ['not text/calendar', () => http(tb.url, 'PUT', `${CAL}bad.ics`, { headers: { 'Content-Type': 'text/plain' }, body: event('bad') }), 415, /supported-calendar-data/],
    ['a VTODO in an event calendar', () => http(tb.url, 'PUT', `${CAL}bad.ics`, { headers: ICS, body: event('bad').replace(/VEVENT/g, 'VTODO').replace(/DTEND/, 'DUE') }), 403, /supported-calendar-component/],
    ['two UIDs in one resource', () => http(tb.url, 'PUT', `${CAL}bad.ics`, { headers: ICS, body: event('a').replace('END:VCALENDAR', event('b').split('BEGIN:VEVENT')[1]!.replace(/^/, 'BEGIN:VEVENT')) }), 400, /valid-calendar-object-resource/],
    ['a UID already used by another resource', () => http(tb.url, 'PUT', `${CAL}other-name.ics`, { headers: ICS, body: event('obj-1') }), 403, /no-uid-conflict.*obj-1\.ics/s],
    ['larger than max-resource-size', () => http(tb.url, 'PUT', `${CAL}big.ics`, { headers: ICS, body: event('big', { summary: 'x'.repeat(30_000) }) }), 403, /max-resource-size/],
    ['a body larger than the server reads', () => http(tb.url, 'PUT', `${CAL}huge.ics`, { headers: ICS, body: event('huge', { summary: 'x'.repeat(200_000) }) }), 413, /larger than/],
    ['malformed XML in PROPPATCH', () => http(tb.url, 'PROPPATCH', CAL, { body: '<D:propertyupdate xmlns:D="DAV:"><D:set>' }), 400, /malformed XML/],
    ['a PUT with a wrong password', () => http(tb.url, 'PUT', `${CAL}auth.ics`, { user: null, headers: { ...ICS, authorization: `Basic ${Buffer.from('user01:wrong').toString('base64')}` }, body: event('auth') }), 401, /authentication required/],
    ['a PUT into the inbox', () => http(tb.url, 'PUT', '/calendars/users/user01/inbox/x.ics', { headers: ICS, body: event('inbox') }), 403, /need-privileges|inbox/],
  ];
  for (const [name, send, status, pattern] of cases) {
    it(name, async () => {
      const before = snapshot();
      const r = await send();
      assert.equal(r.status, status, r.body);
      assert.match(r.body, pattern);
      assert.deepEqual(snapshot(), before);
    });
  }

  it('the resource count limit', async () => {
    const home = '/calendars/users/user03/calendar/';
    for (let i = 0; i < 50; i++) assert.equal((await http(tb.url, 'PUT', `${home}n${i}.ics`, { user: 'user03', headers: ICS, body: event(`n${i}`) })).status, 201);
    const r = await http(tb.url, 'PUT', `${home}n50.ics`, { user: 'user03', headers: ICS, body: event('n50') });
    assert.equal(r.status, 403);
    assert.match(r.body, /max-resources/);
  });
});

describe('PROPPATCH and MKCALENDAR', () => {
  it('PROPPATCH sets and removes dead properties; a protected one fails the whole request (403 + 424)', async () => {
    const set = await http(tb.url, 'PROPPATCH', CAL, {
      body: '<D:propertyupdate xmlns:D="DAV:" xmlns:I="http://apple.com/ns/ical/"><D:set><D:prop><I:calendar-color>#FD8208FF</I:calendar-color><I:calendar-order>1</I:calendar-order></D:prop></D:set></D:propertyupdate>',
    });
    assert.equal(set.status, 207);
    assert.match(set.body, /HTTP\/1\.1 200 OK/);
    const pf = await http(tb.url, 'PROPFIND', CAL, { headers: { Depth: '0' }, body: PROPFIND('<I:calendar-color/>') });
    assert.match(pf.body, /<I:calendar-color>#FD8208FF<\/I:calendar-color>/);
    const bad = await http(tb.url, 'PROPPATCH', CAL, {
      body: '<D:propertyupdate xmlns:D="DAV:" xmlns:I="http://apple.com/ns/ical/"><D:set><D:prop><D:getetag>"x"</D:getetag><I:calendar-order>9</I:calendar-order></D:prop></D:set></D:propertyupdate>',
    });
    assert.match(bad.body, /<D:getetag\/><\/D:prop><D:status>HTTP\/1\.1 403 Forbidden/);
    assert.match(bad.body, /<I:calendar-order\/><\/D:prop><D:status>HTTP\/1\.1 424 Failed Dependency/);
    const order = await http(tb.url, 'PROPFIND', CAL, { headers: { Depth: '0' }, body: PROPFIND('<I:calendar-order/>') });
    assert.match(order.body, /<I:calendar-order>1<\/I:calendar-order>/);
    await http(tb.url, 'PROPPATCH', CAL, { body: '<D:propertyupdate xmlns:D="DAV:" xmlns:I="http://apple.com/ns/ical/"><D:remove><D:prop><I:calendar-color/></D:prop></D:remove></D:propertyupdate>' });
    assert.match((await http(tb.url, 'PROPFIND', CAL, { headers: { Depth: '0' }, body: PROPFIND('<I:calendar-color/>') })).body, /404 Not Found/);
  });

  it('MKCALENDAR makes a calendar with the asked components; a second time is 405', async () => {
    const body = '<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop><D:displayname>Work</D:displayname><C:supported-calendar-component-set><C:comp name="VTODO"/></C:supported-calendar-component-set></D:prop></D:set></C:mkcalendar>';
    assert.equal((await http(tb.url, 'MKCALENDAR', '/calendars/users/user01/work/', { body })).status, 201);
    assert.equal((await http(tb.url, 'MKCALENDAR', '/calendars/users/user01/work/', { body })).status, 405);
    const pf = await http(tb.url, 'PROPFIND', '/calendars/users/user01/work/', { headers: { Depth: '0' }, body: PROPFIND('<D:displayname/><C:supported-calendar-component-set/>') });
    assert.match(pf.body, /<D:displayname>Work<\/D:displayname>/);
    assert.match(pf.body, /<C:comp name="VTODO"\/>/);
    assert.equal((await http(tb.url, 'MKCALENDAR', '/calendars/users/user01/calendar/nested/', { body })).status, 403);
  });
});

describe('sync-collection (RFC 6578)', () => {
  it('initial sync lists every member; a change appears exactly once; a delete appears as 404; an invalid token is 403', async () => {
    const first = await sync();
    assert.equal(first.status, 207);
    const t0 = syncTokenOf(first.body);
    assert.ok(t0);
    assert.ok(responses(first.body).every((r) => r.status === 200));
    assert.equal(responses(first.body).length, tb.store.users.get('user01')!.home.collections.get('calendar')!.resources.size);

    const idle = await sync(t0);
    assert.equal(responses(idle.body).length, 0);
    assert.equal(syncTokenOf(idle.body), t0);

    await http(tb.url, 'PUT', `${CAL}s1.ics`, { headers: ICS, body: event('s1') });
    const changed = await sync(t0);
    assert.deepEqual(responses(changed.body).map((r) => [r.href, r.status]), [[`${CAL}s1.ics`, 200]]);
    const t1 = syncTokenOf(changed.body);
    assert.notEqual(t1, t0);
    assert.equal(responses((await sync(t1)).body).length, 0);

    await http(tb.url, 'DELETE', `${CAL}s1.ics`);
    const removed = await sync(t1);
    assert.deepEqual(responses(removed.body).map((r) => [r.href, r.status]), [[`${CAL}s1.ics`, 404]]);

    for (const bad of ['garbage', 'data:,loadsim-sync/999999/1', t0.replace(/\/(\d+)$/, '/99999999')]) {
      const r = await sync(bad);
      assert.equal(r.status, 403);
      assert.match(r.body, /valid-sync-token/);
    }
  });

  it('home sync reports the calendars whose contents changed', async () => {
    const home = '/calendars/users/user01/';
    const q = (token: string) => http(tb.url, 'REPORT', home, { headers: { Depth: '1' }, body: `<D:sync-collection xmlns:D="DAV:"><D:sync-token>${token}</D:sync-token><D:sync-level>1</D:sync-level><D:prop><D:sync-token/></D:prop></D:sync-collection>` });
    const t0 = syncTokenOf((await q('')).body);
    await http(tb.url, 'PUT', '/calendars/users/user01/tasks/t1.ics', { headers: ICS, body: event('t1').replace(/VEVENT/g, 'VTODO').replace('DTEND', 'DUE') });
    const r = await q(t0);
    assert.deepEqual(responses(r.body).map((x) => x.href), ['/calendars/users/user01/tasks/']);
  });
});

describe('quota-used-bytes', () => {
  it('is the bytes of calendar data held, through creates, replaces and deletes', async () => {
    const home = '/calendars/users/user02/calendar/';
    const used = async () => Number(/<D:quota-used-bytes>(\d+)</.exec((await http(tb.url, 'PROPFIND', home, { user: 'user02', headers: { Depth: '0' }, body: PROPFIND('<D:quota-used-bytes/>') })).body)![1]);
    const a = event('q-a');
    const b = event('q-b', { summary: 'longer summary here' });
    await http(tb.url, 'PUT', `${home}a.ics`, { user: 'user02', headers: ICS, body: a });
    await http(tb.url, 'PUT', `${home}b.ics`, { user: 'user02', headers: ICS, body: b });
    assert.equal(await used(), a.length + b.length);
    const a2 = event('q-a', { summary: 'x' });
    await http(tb.url, 'PUT', `${home}a.ics`, { user: 'user02', headers: ICS, body: a2 });
    await http(tb.url, 'DELETE', `${home}b.ics`, { user: 'user02' });
    assert.equal(await used(), a2.length);
  });
});
