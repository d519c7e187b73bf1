import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { attachmentsOf } from '../../lib/testbed/attachment-store.js';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { basic, event, http, invitation, unfold } from './support.js';

const ICS = { 'Content-Type': 'text/calendar; charset=utf-8' };
const CAL = '/calendars/users/user01/calendar/';

/** A POST with a byte body (the support helper sends strings). */
async function postBytes(base: string, path: string, body: Buffer, headers: Record<string, string>, user = 'user01') {
  const r = await request(base + path, { method: 'POST', headers: { authorization: basic(user), ...headers }, body, reset: false });
  const bytes = Buffer.from(await r.body.arrayBuffer());
  return { status: r.statusCode, headers: r.headers, body: bytes.toString('utf8') };
}

async function getBytes(url: string, user = 'user01') {
  const r = await request(url, { method: 'GET', headers: { authorization: basic(user) }, reset: false });
  return { status: r.statusCode, headers: r.headers, bytes: Buffer.from(await r.body.arrayBuffer()) };
}

const add = (path: string, body: Buffer | string, filename = `file-${body.length}.txt`, extra: Record<string, string> = {}, user = 'user01') =>
  postBytes(tb.url, `${path}?action=attachment-add`, Buffer.isBuffer(body) ? body : Buffer.from(body), { 'Content-Disposition': `attachment; filename="${filename}"`, ...extra }, user);

let tb: Testbed;
before(async () => {
  tb = await startTestbed({ port: 0, users: 4, limits: { maxAttachmentSize: 50_000, maxAttachmentBytes: 120_000 } });
});
after(() => tb.close());

describe('managed attachments (POST ?action=attachment-add|update|remove)', () => {
  it('attachment-add: 201, Cal-Managed-ID and Location; ATTACH in the event; new ETag, sync token and Schedule-Tag; the attendee copy gets it', async () => {
    const put = await http(tb.url, 'PUT', `${CAL}a1.ics`, { headers: ICS, body: invitation('att-1', 'user01', ['user01', 'user02']) });
    assert.equal(put.status, 201);
    const cal = tb.store.users.get('user01')!.home.collections.get('calendar')!;
    const tokenBefore = cal.syncToken;
    const before = await http(tb.url, 'GET', `${CAL}a1.ics`);
    const content = 'x'.repeat(1234);
    const r = await add(`${CAL}a1.ics`, content);
    assert.equal(r.status, 201, r.body);
    const mid = String(r.headers['cal-managed-id']);
    assert.match(mid, /^[0-9A-F-]{36}$/);
    const location = String(r.headers.location);
    assert.match(location, new RegExp(`^${tb.url}/calendars/__uids__/user01/dropbox/[^/]+/file-1234-${mid.slice(0, 8)}\\.txt$`));
    const after = await http(tb.url, 'GET', `${CAL}a1.ics`);
    assert.notEqual(after.headers.etag, before.headers.etag);
    assert.notEqual(after.headers['schedule-tag'], before.headers['schedule-tag']);
    assert.notEqual(cal.syncToken, tokenBefore);
    const attach = /^ATTACH;(.*?):(http:.*)$/m.exec(unfold(after.body));
    assert.ok(attach, after.body);
    assert.equal(attach[2], location);
    assert.match(attach[1]!, new RegExp(`MANAGED-ID=${mid}`));
    assert.match(attach[1]!, /FILENAME=file-1234\.txt/);
    assert.match(attach[1]!, /SIZE=1234/);
    assert.match(attach[1]!, /FMTTYPE=application\/octet-stream/);
    // The attendee's copy, updated by implicit scheduling, carries the same ATTACH.
    const copy = [...tb.store.users.get('user02')!.home.collections.get('calendar')!.resources.values()].find((x) => x.uid === 'att-1')!;
    assert.match(unfold(copy.text), new RegExp(`ATTACH;.*MANAGED-ID=${mid}.*:${location.replace(/[.?]/g, '\\$&')}`));
    // GET of the attachment: the bytes, for the organizer and for the attendee; 403 for anyone else.
    const got = await getBytes(location);
    assert.equal(got.status, 200);
    assert.equal(got.bytes.toString(), content);
    assert.equal(got.headers['content-type'], 'application/octet-stream');
    assert.equal((await getBytes(location, 'user02')).status, 200);
    assert.equal((await getBytes(location, 'user03')).status, 403);
    assert.equal((await getBytes(`${tb.url}/calendars/__uids__/user01/dropbox/nope/file.txt`)).status, 404);
  });

  it('keeps arbitrary bytes and the content type; a filename with odd characters survives', async () => {
    await http(tb.url, 'PUT', `${CAL}bin.ics`, { headers: ICS, body: event('bin') });
    const bytes = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0xc3, 0x28, 0x0a, 0x0d, 0x41]);
    const r = await add(`${CAL}bin.ics`, bytes, 'a; b:c,d.bin', { 'Content-Type': 'image/png' });
    assert.equal(r.status, 201, r.body);
    const got = await getBytes(String(r.headers.location));
    assert.deepEqual(got.bytes, bytes);
    assert.equal(got.headers['content-type'], 'image/png');
    const ev = unfold((await http(tb.url, 'GET', `${CAL}bin.ics`)).body);
    assert.match(ev, /FILENAME="a; b:c,d\.bin"/);
    assert.match(ev, /FMTTYPE=image\/png/);
  });

  it('attachment-update replaces the bytes (204); attachment-remove takes the ATTACH off (204) and the URL is then 404', async () => {
    await http(tb.url, 'PUT', `${CAL}upd.ics`, { headers: ICS, body: event('upd') });
    const r = await add(`${CAL}upd.ics`, 'first');
    const mid = String(r.headers['cal-managed-id']);
    const u = await postBytes(tb.url, `${CAL}upd.ics?action=attachment-update&managed-id=${mid}`, Buffer.from('second version'), { 'Content-Disposition': 'attachment; filename="v2.txt"', 'Content-Type': 'text/plain' });
    assert.equal(u.status, 204, u.body);
    assert.equal(u.headers['cal-managed-id'], mid);
    assert.equal((await getBytes(String(u.headers.location))).bytes.toString(), 'second version');
    assert.match(unfold((await http(tb.url, 'GET', `${CAL}upd.ics`)).body), /FILENAME=v2\.txt;SIZE=14/);
    const rm = await http(tb.url, 'POST', `${CAL}upd.ics?action=attachment-remove&managed-id=${mid}`);
    assert.equal(rm.status, 204, rm.body);
    assert.doesNotMatch((await http(tb.url, 'GET', `${CAL}upd.ics`)).body, /ATTACH/);
    assert.equal((await getBytes(String(u.headers.location))).status, 404);
  });

  it('an attachment dies with its event', async () => {
    await http(tb.url, 'PUT', `${CAL}gone.ics`, { headers: ICS, body: event('gone') });
    const r = await add(`${CAL}gone.ics`, 'bye');
    assert.equal((await getBytes(String(r.headers.location))).status, 200);
    assert.equal((await http(tb.url, 'DELETE', `${CAL}gone.ics`)).status, 204);
    assert.equal((await getBytes(String(r.headers.location))).status, 404);
  });

  it('refusals: size limit (403 max-attachment-size), memory limit (507), attendees, bad actions and ids, missing events', async () => {
    await http(tb.url, 'PUT', `${CAL}lim.ics`, { headers: ICS, body: event('lim') });
    const big = await add(`${CAL}lim.ics`, Buffer.alloc(50_001, 0x41));
    assert.equal(big.status, 403);
    assert.match(big.body, /max-attachment-size/);
    // 120,000 bytes in all: what earlier tests left, two of 50,000, then one byte too many is refused and an exact fit is not.
    attachmentsOf(tb.store).sweep();
    const used = attachmentsOf(tb.store).totalBytes;
    assert.equal((await add(`${CAL}lim.ics`, Buffer.alloc(50_000, 0x42))).status, 201);
    assert.equal((await add(`${CAL}lim.ics`, Buffer.alloc(50_000, 0x42))).status, 201);
    const over = await add(`${CAL}lim.ics`, Buffer.alloc(120_000 - used - 100_000 + 1, 0x43));
    assert.equal(over.status, 507, over.body);
    assert.match(over.body, /quota-not-exceeded/);
    assert.equal((await add(`${CAL}lim.ics`, Buffer.alloc(120_000 - used - 100_000, 0x43))).status, 201);
    assert.equal(attachmentsOf(tb.store).totalBytes, 120_000);

    const inv = await http(tb.url, 'PUT', `${CAL}org.ics`, { headers: ICS, body: invitation('att-org', 'user01', ['user01', 'user03']) });
    assert.equal(inv.status, 201);
    const copy = [...tb.store.users.get('user03')!.home.collections.get('calendar')!.resources.values()].find((x) => x.uid === 'att-org')!;
    const byAttendee = await add(`/calendars/users/user03/calendar/${encodeURIComponent(copy.name)}`, 'no', 'x.txt', {}, 'user03');
    assert.equal(byAttendee.status, 403);
    assert.match(byAttendee.body, /valid-attachment-add/);

    const badAction = await http(tb.url, 'POST', `${CAL}lim.ics?action=attachment-frob`);
    assert.equal(badAction.status, 403);
    assert.match(badAction.body, /valid-action-parameter/);
    const noId = await http(tb.url, 'POST', `${CAL}lim.ics?action=attachment-remove`);
    assert.equal(noId.status, 403);
    assert.match(noId.body, /valid-managed-id-parameter/);
    assert.equal((await http(tb.url, 'POST', `${CAL}lim.ics?action=attachment-remove&managed-id=NOPE`)).status, 403);
    assert.equal((await add(`${CAL}missing.ics`, 'x')).status, 404);
    assert.equal((await add('/calendars/users/user02/calendar/x.ics', 'x')).status, 403); // someone else's calendar
    const rid = await http(tb.url, 'POST', `${CAL}lim.ics?action=attachment-add&rid=20260310T100000Z`, { body: 'x' });
    assert.match(rid.body, /valid-rid-parameter/);
  });
});
