import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { AmpBoxDecoder, commandBox, encodeBox, type AmpBox } from '../../lib/amp/amp-box.js';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { PROPFIND, event, http, invitation, responses, syncTokenOf } from './support.js';

const ICS = { 'Content-Type': 'text/calendar; charset=utf-8' };
const XML = { 'Content-Type': 'text/xml' };
const CAL = '/calendars/users/user01/calendar/';
const guid = (n: number) => `10000000-0000-0000-0000-${String(n).padStart(12, '0')}`;

/** The CalendarSharer's body (the original's profiles.py). */
const shareBody = (who: string, access: 'read-write' | 'read' = 'read-write', summary = 'calendar') =>
  `<?xml version="1.0" encoding="UTF-8"?><CS:share xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/"><CS:set><D:href>${who}</D:href><CS:summary>${summary}</CS:summary><CS:${access}/></CS:set></CS:share>`;
const unshareBody = (who: string) => `<CS:share xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/"><CS:remove><D:href>${who}</D:href></CS:remove></CS:share>`;
/** The original client's accept (ical.py _updateNotifications). */
const replyBody = (href: string, hosturl: string, uid: string, summary: string, accept = true) =>
  `<?xml version="1.0" encoding="UTF-8"?><C:invite-reply xmlns:C="http://calendarserver.org/ns/"><A:href xmlns:A="DAV:">${href}</A:href><C:invite-${accept ? 'accepted' : 'declined'}/><C:hosturl><A:href xmlns:A="DAV:">${hosturl}</A:href></C:hosturl><C:in-reply-to>${uid}</C:in-reply-to><C:summary>${summary}</C:summary></C:invite-reply>`;

const NOTIF_SYNC = (token = '') =>
  `<?xml version="1.0" encoding="UTF-8"?><A:sync-collection xmlns:A="DAV:"><A:sync-token>${token}</A:sync-token><A:sync-level>1</A:sync-level><A:prop><A:getetag/><B:notificationtype xmlns:B="http://calendarserver.org/ns/"/></A:prop></A:sync-collection>`;

/** What the sharee's client does: sync the notification collection, GET each invitation, parse it. */
async function readInvite(tb: Testbed, user: string) {
  const sync = await http(tb.url, 'REPORT', `/calendars/users/${user}/notification/`, { user, headers: { Depth: '1' }, body: NOTIF_SYNC() });
  assert.equal(sync.status, 207);
  const items = responses(sync.body).filter((r) => r.body.includes('invite-notification'));
  assert.ok(items.length > 0, sync.body);
  const href = items[items.length - 1]!.href;
  const get = await http(tb.url, 'GET', href, { user });
  assert.equal(get.status, 200);
  const field = (re: RegExp) => re.exec(get.body)?.[1] ?? '';
  return {
    href,
    sync,
    get,
    uid: field(/<CS:uid>([^<]*)<\/CS:uid>/),
    sharee: field(/<CS:invite-notification[^>]*><CS:uid>[^<]*<\/CS:uid><D:href>([^<]*)<\/D:href>/),
    hosturl: field(/<CS:hosturl><D:href>([^<]*)<\/D:href><\/CS:hosturl>/),
    summary: field(/<CS:summary>([^<]*)<\/CS:summary>/),
  };
}

async function accept(tb: Testbed, user: string) {
  const inv = await readInvite(tb, user);
  const r = await http(tb.url, 'POST', `/calendars/users/${user}/`, { user, headers: XML, body: replyBody(inv.sharee, inv.hosturl, inv.uid, inv.summary) });
  assert.equal(r.status, 200, r.body);
  const shared = /<CS:shared-as[^>]*><D:href>([^<]*)<\/D:href><\/CS:shared-as>/.exec(r.body)?.[1];
  assert.ok(shared, r.body);
  return { ...inv, shared };
}

let tb: Testbed;
before(async () => {
  tb = await startTestbed({ port: 0, users: 6, ampPort: 0 });
});
after(() => tb.close());

describe('calendar sharing (CS:share, CS:invite-reply)', () => {
  let sharedAt = '';

  it('CS:share → 200; the owner sees CS:shared-owner and CS:invite; the sharee gets an invite notification', async () => {
    const r = await http(tb.url, 'POST', CAL, { headers: XML, body: shareBody('mailto:user02@example.com') });
    assert.equal(r.status, 200, r.body);
    const pf = await http(tb.url, 'PROPFIND', CAL, { headers: { Depth: '0' }, body: PROPFIND('<D:resourcetype/><CS:invite/><CS:allowed-sharing-modes/>') });
    assert.match(pf.body, /<D:resourcetype><D:collection\/><C:calendar\/><CS:shared-owner\/><\/D:resourcetype>/);
    assert.match(pf.body, new RegExp(`<CS:invite><CS:user><CS:uid>[^<]+</CS:uid><D:href>urn:x-uid:${guid(2)}</D:href><CS:common-name>User 02</CS:common-name><CS:access><CS:read-write/></CS:access><CS:invite-noresponse/></CS:user></CS:invite>`));
    assert.match(pf.body, /<CS:allowed-sharing-modes><CS:can-be-shared\/><\/CS:allowed-sharing-modes>/);

    const inv = await readInvite(tb, 'user02');
    assert.match(inv.sync.body, /<CS:notificationtype><CS:invite-notification shared-type="calendar"\/><\/CS:notificationtype>/);
    assert.match(inv.href, /^\/calendars\/users\/user02\/notification\/[0-9a-f-]{36}\.xml$/);
    assert.match(String(inv.get.headers['content-type']), /^text\/xml/);
    assert.match(inv.get.body, /^<\?xml[^>]*>\s*<CS:notification[^>]*><CS:dtstamp>\d{8}T\d{6}Z<\/CS:dtstamp><CS:invite-notification shared-type="calendar">/);
    assert.match(inv.get.body, /<CS:invite-noresponse\/><CS:access><CS:read-write\/><\/CS:access>/);
    assert.match(inv.get.body, /<CS:organizer><D:href>\/principals\/users\/user01\/<\/D:href><CS:common-name>User 01<\/CS:common-name><\/CS:organizer>/);
    assert.equal(inv.sharee, `urn:x-uid:${guid(2)}`);
    assert.equal(inv.hosturl, CAL);
    assert.equal(inv.summary, 'calendar');
    // A Depth-1 PROPFIND (the 10.6/10.7 clients) lists it with its type too.
    const d1 = await http(tb.url, 'PROPFIND', '/calendars/users/user02/notification/', { user: 'user02', headers: { Depth: '1' }, body: PROPFIND('<D:getetag/><CS:notificationtype/>') });
    assert.match(d1.body, /<CS:notificationtype><CS:invite-notification shared-type="calendar"\/><\/CS:notificationtype>/);
  });

  it('the sharee accepts (POST CS:invite-reply to their home); the calendar appears in their home as CS:shared', async () => {
    const a = await accept(tb, 'user02');
    sharedAt = a.shared;
    assert.match(sharedAt, /^\/calendars\/users\/user02\/[^/]+\/$/);
    const home = await http(tb.url, 'PROPFIND', '/calendars/users/user02/', { user: 'user02', headers: { Depth: '1' }, body: PROPFIND('<D:resourcetype/><D:displayname/><CS:pushkey/><CS:shared-url/><CS:invite/><D:current-user-privilege-set/>') });
    const row = responses(home.body).find((x) => x.href === sharedAt);
    assert.ok(row, home.body);
    assert.match(row.body, /<D:resourcetype><D:collection\/><C:calendar\/><CS:shared\/><\/D:resourcetype>/);
    assert.match(row.body, /<D:displayname>calendar<\/D:displayname>/);
    // What a sharee subscribes to: the owner's calendar key.
    assert.match(row.body, /<CS:pushkey>\/CalDAV\/localhost\/user01\/calendar\/<\/CS:pushkey>/);
    assert.match(row.body, /<CS:shared-url><D:href>\/calendars\/users\/user01\/calendar\/<\/D:href><\/CS:shared-url>/);
    assert.match(row.body, /<CS:invite><CS:organizer><D:href>\/principals\/users\/user01\/<\/D:href>/);
    assert.match(row.body, /<D:write\/>/);
    // The owner sees the acceptance, and gets a reply notification.
    const pf = await http(tb.url, 'PROPFIND', CAL, { headers: { Depth: '0' }, body: PROPFIND('<CS:invite/>') });
    assert.match(pf.body, /<CS:invite-accepted\/>/);
    const ownerNotes = await http(tb.url, 'PROPFIND', '/calendars/users/user01/notification/', { headers: { Depth: '1' }, body: PROPFIND('<CS:notificationtype/>') });
    const reply = responses(ownerNotes.body).find((x) => x.body.includes('<CS:invite-reply/>'));
    assert.ok(reply, ownerNotes.body);
    const replyDoc = await http(tb.url, 'GET', reply.href);
    assert.match(replyDoc.body, /<CS:invite-reply shared-type="calendar"><D:href>mailto:user02@example.com<\/D:href><CS:invite-accepted\/>/);
    // Accepting again changes nothing and names the same place.
    const inv = await readInvite(tb, 'user02');
    const again = await http(tb.url, 'POST', '/calendars/users/user02/', { user: 'user02', headers: XML, body: replyBody(inv.sharee, inv.hosturl, inv.uid, inv.summary) });
    assert.match(again.body, new RegExp(sharedAt));
    // DELETE of the notifications, as the client does after replying.
    assert.equal((await http(tb.url, 'DELETE', inv.href, { user: 'user02' })).status, 204);
    assert.equal((await http(tb.url, 'DELETE', inv.href, { user: 'user02' })).status, 404);
  });

  it("a sharee's PUT lands in the owner's calendar: the owner's sync token moves, and both homes' sync see it; the owner's writes show to the sharee", async () => {
    const owner = tb.store.users.get('user01')!.home;
    const ownerCal = owner.collections.get('calendar')!;
    const ownerToken = ownerCal.syncToken;
    const homeSync = (user: string, token = '') =>
      http(tb.url, 'REPORT', `/calendars/users/${user}/`, { user, headers: { Depth: '1' }, body: `<D:sync-collection xmlns:D="DAV:"><D:sync-token>${token}</D:sync-token><D:prop><D:sync-token/></D:prop></D:sync-collection>` });
    const shareeHomeToken = syncTokenOf((await homeSync('user02')).body);
    const put = await http(tb.url, 'PUT', `${sharedAt}by-sharee.ics`, { user: 'user02', headers: ICS, body: event('by-sharee') });
    assert.equal(put.status, 201, put.body);
    assert.notEqual(ownerCal.syncToken, ownerToken);
    assert.equal((await http(tb.url, 'GET', `${CAL}by-sharee.ics`)).status, 200);
    const changed = await homeSync('user02', shareeHomeToken);
    assert.ok(responses(changed.body).some((x) => x.href === sharedAt), changed.body);
    // The same members under the sharee's URL, with the owner's sync token.
    await http(tb.url, 'PUT', `${CAL}by-owner.ics`, { headers: ICS, body: event('by-owner') });
    const list = await http(tb.url, 'PROPFIND', sharedAt, { user: 'user02', headers: { Depth: '1' }, body: PROPFIND('<D:getetag/><D:sync-token/>') });
    const hrefs = responses(list.body).map((x) => x.href);
    assert.ok(hrefs.includes(`${sharedAt}by-sharee.ics`) && hrefs.includes(`${sharedAt}by-owner.ics`), list.body);
    assert.match(list.body, new RegExp(`<D:sync-token>${ownerCal.syncToken.replace(/[/.]/g, '\\$&')}</D:sync-token>`));
    // A UID already in the owner's calendar is a conflict through the view too.
    const dup = await http(tb.url, 'PUT', `${sharedAt}dup.ics`, { user: 'user02', headers: ICS, body: event('by-owner') });
    assert.equal(dup.status, 403);
    assert.match(dup.body, /no-uid-conflict/);
    assert.equal((await http(tb.url, 'DELETE', `${sharedAt}by-sharee.ics`, { user: 'user02' })).status, 204);
    assert.equal(ownerCal.resources.has('by-sharee.ics'), false);
  });

  it('nobody else can read it: not through the owner URL, not through the sharee URL', async () => {
    assert.equal((await http(tb.url, 'PROPFIND', CAL, { user: 'user03', headers: { Depth: '1' } })).status, 403);
    assert.equal((await http(tb.url, 'GET', `${CAL}by-owner.ics`, { user: 'user03' })).status, 403);
    assert.equal((await http(tb.url, 'GET', `${sharedAt}by-owner.ics`, { user: 'user03' })).status, 403);
    assert.equal((await http(tb.url, 'GET', `${sharedAt}by-owner.ics`, { user: 'user01' })).status, 403);
    const mg = await http(tb.url, 'REPORT', '/calendars/users/user03/calendar/', {
      user: 'user03',
      body: `<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop><D:href>${CAL}by-owner.ics</D:href><D:href>${sharedAt}by-owner.ics</D:href></C:calendar-multiget>`,
    });
    assert.deepEqual(responses(mg.body).map((x) => x.status), [403, 403]);
  });

  it('a read-only share can be read but not written', async () => {
    assert.equal((await http(tb.url, 'POST', CAL, { headers: XML, body: shareBody(`urn:x-uid:${guid(3)}`, 'read') })).status, 200);
    const a = await accept(tb, 'user03');
    assert.equal((await http(tb.url, 'GET', `${a.shared}by-owner.ics`, { user: 'user03' })).status, 200);
    const put = await http(tb.url, 'PUT', `${a.shared}ro.ics`, { user: 'user03', headers: ICS, body: event('ro') });
    assert.equal(put.status, 403);
    assert.equal((await http(tb.url, 'DELETE', `${a.shared}by-owner.ics`, { user: 'user03' })).status, 403);
    const priv = await http(tb.url, 'PROPFIND', a.shared, { user: 'user03', headers: { Depth: '0' }, body: PROPFIND('<D:current-user-privilege-set/>') });
    assert.doesNotMatch(priv.body, /<D:write\/>/);
    const pf = await http(tb.url, 'PROPFIND', CAL, { headers: { Depth: '0' }, body: PROPFIND('<CS:invite/>') });
    assert.match(pf.body, new RegExp(`<D:href>urn:x-uid:${guid(3)}</D:href><CS:common-name>User 03</CS:common-name><CS:access><CS:read/></CS:access><CS:invite-accepted/>`));
  });

  it("the sharee's client hears of the owner's changes on the shared calendar's pushkey", async () => {
    const socket = connect(tb.ampPort!, '127.0.0.1');
    const decoder = new AmpBoxDecoder();
    const got: AmpBox[] = [];
    socket.on('data', (d: Buffer) => got.push(...decoder.push(d)));
    await new Promise((r) => socket.once('connect', r));
    try {
      socket.write(encodeBox(commandBox('SubscribeToID', { token: 'sharee', id: '/CalDAV/localhost/user01/calendar/' }, '1')));
      const until = async (pred: () => boolean) => {
        for (let i = 0; i < 100 && !pred(); i++) await new Promise((r) => setTimeout(r, 10));
        return pred();
      };
      assert.ok(await until(() => got.some((b) => b._answer === '1')));
      await http(tb.url, 'PUT', `${CAL}pushed.ics`, { headers: ICS, body: event('pushed') });
      assert.ok(await until(() => got.some((b) => b._command === 'NotificationForID' && b.id === '/CalDAV/localhost/user01/calendar/')));
    } finally {
      socket.destroy();
    }
  });

  it('an invitation from the owner to a sharee gives the sharee their own copy and leaves the organizer copy alone', async () => {
    const r = await http(tb.url, 'PUT', `${CAL}meet.ics`, { headers: ICS, body: invitation('meet-1', 'user01', ['user01', 'user02']) });
    assert.equal(r.status, 201);
    const own = [...tb.store.users.get('user02')!.home.collections.get('calendar')!.resources.values()].find((x) => x.uid === 'meet-1');
    assert.ok(own, "the attendee's copy is in their own calendar");
    const organizerCopy = await http(tb.url, 'GET', `${CAL}meet.ics`);
    assert.match(organizerCopy.body, /PARTSTAT=ACCEPTED[^\r\n]*:mailto:user01@example\.com/);
    assert.doesNotMatch(organizerCopy.body, /METHOD/);
  });

  it('CS:remove unshares: the view leaves the sharee home, and an accepted sharee is told (invite-deleted)', async () => {
    assert.equal((await http(tb.url, 'POST', CAL, { headers: XML, body: unshareBody(`urn:x-uid:${guid(2)}`) })).status, 200);
    assert.equal((await http(tb.url, 'GET', `${sharedAt}by-owner.ics`, { user: 'user02' })).status, 404);
    assert.ok(!tb.store.users.get('user02')!.home.collections.has(sharedAt.split('/')[4]!));
    const notes = await http(tb.url, 'PROPFIND', '/calendars/users/user02/notification/', { user: 'user02', headers: { Depth: '1' }, body: PROPFIND('<CS:notificationtype/>') });
    const last = responses(notes.body).filter((x) => x.body.includes('invite-notification')).pop()!;
    assert.match((await http(tb.url, 'GET', last.href, { user: 'user02' })).body, /<CS:invite-deleted\/>/);
    const pf = await http(tb.url, 'PROPFIND', CAL, { headers: { Depth: '0' }, body: PROPFIND('<CS:invite/><D:resourcetype/>') });
    assert.doesNotMatch(pf.body, new RegExp(guid(2)));
    assert.match(pf.body, /<CS:shared-owner\/>/); // user03 is still there
    assert.equal((await http(tb.url, 'POST', CAL, { headers: XML, body: unshareBody(`urn:x-uid:${guid(3)}`) })).status, 200);
    const none = await http(tb.url, 'PROPFIND', CAL, { headers: { Depth: '0' }, body: PROPFIND('<CS:invite/><D:resourcetype/>') });
    assert.doesNotMatch(none.body, /shared-owner/);
    assert.match(none.body, /<CS:invite\/><\/D:prop><D:status>HTTP\/1\.1 404/);
  });

  it('declining, deleting the view (= declining) and the owner deleting the calendar', async () => {
    const mk = await http(tb.url, 'MKCALENDAR', '/calendars/users/user01/team/', { body: '' });
    assert.equal(mk.status, 201);
    const TEAM = '/calendars/users/user01/team/';
    assert.equal((await http(tb.url, 'POST', TEAM, { headers: XML, body: shareBody('mailto:user04@example.com', 'read-write', 'Team') })).status, 200);
    assert.equal((await http(tb.url, 'POST', TEAM, { headers: XML, body: shareBody('mailto:user05@example.com', 'read-write', 'Team') })).status, 200);
    assert.equal((await http(tb.url, 'POST', TEAM, { headers: XML, body: shareBody('mailto:user06@example.com', 'read-write', 'Team') })).status, 200);
    const inv4 = await readInvite(tb, 'user04');
    const decline = await http(tb.url, 'POST', '/calendars/users/user04/', { user: 'user04', headers: XML, body: replyBody(inv4.sharee, inv4.hosturl, inv4.uid, '', false) });
    assert.equal(decline.status, 204);
    const a5 = await accept(tb, 'user05');
    assert.equal((await http(tb.url, 'DELETE', a5.shared, { user: 'user05' })).status, 204);
    const pf = await http(tb.url, 'PROPFIND', TEAM, { headers: { Depth: '0' }, body: PROPFIND('<CS:invite/>') });
    assert.match(pf.body, new RegExp(`${guid(4)}</D:href><CS:common-name>User 04</CS:common-name><CS:access><CS:read-write/></CS:access><CS:invite-declined/>`));
    assert.match(pf.body, new RegExp(`${guid(5)}</D:href><CS:common-name>User 05</CS:common-name><CS:access><CS:read-write/></CS:access><CS:invite-declined/>`));
    assert.equal(tb.store.users.get('user01')!.home.collections.get('team')!.views.size, 0);
    const a6 = await accept(tb, 'user06');
    assert.equal((await http(tb.url, 'DELETE', TEAM)).status, 204);
    assert.ok(!tb.store.users.get('user06')!.home.collections.has(a6.shared.split('/')[4]!));
    // The unanswered invitation of user04 was declined, so it stays; a stale accept is refused.
    const stale = await http(tb.url, 'POST', '/calendars/users/user06/', { user: 'user06', headers: XML, body: replyBody(a6.sharee, a6.hosturl, a6.uid, 'Team') });
    assert.equal(stale.status, 403);
    assert.match(stale.body, /invalid-share/);
  });

  it('refusals: unknown or self sharee (207, nothing changes), a bad body, sharing a share, other content types', async () => {
    const bad = await http(tb.url, 'POST', CAL, { headers: XML, body: `<CS:share xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/"><CS:set><D:href>mailto:user02@example.com</D:href><CS:summary>s</CS:summary><CS:read/></CS:set><CS:set><D:href>mailto:nobody@example.com</D:href><CS:summary>s</CS:summary><CS:read/></CS:set></CS:share>` });
    assert.equal(bad.status, 207);
    assert.deepEqual(responses(bad.body).map((x) => [x.href, x.status]), [['mailto:user02@example.com', 424], ['mailto:nobody@example.com', 403]]);
    const pf = await http(tb.url, 'PROPFIND', CAL, { headers: { Depth: '0' }, body: PROPFIND('<D:resourcetype/>') });
    assert.doesNotMatch(pf.body, /shared-owner/);
    assert.equal((await http(tb.url, 'POST', CAL, { headers: XML, body: shareBody('mailto:user01@example.com') })).status, 207);
    const noSummary = await http(tb.url, 'POST', CAL, { headers: XML, body: '<CS:share xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/"><CS:set><D:href>mailto:user02@example.com</D:href><CS:read/></CS:set></CS:share>' });
    assert.equal(noSummary.status, 403);
    assert.match(noSummary.body, /valid-request/);
    assert.equal((await http(tb.url, 'POST', CAL, { headers: XML, body: '<not xml' })).status, 403);
    assert.equal((await http(tb.url, 'POST', CAL, { headers: { 'Content-Type': 'text/plain' }, body: shareBody('mailto:user02@example.com') })).status, 403);
    assert.equal((await http(tb.url, 'POST', '/calendars/users/user01/', { headers: XML, body: shareBody('mailto:user02@example.com') })).status, 403);
    assert.equal((await http(tb.url, 'POST', CAL, { user: 'user02', headers: XML, body: shareBody('mailto:user03@example.com') })).status, 403);
    const noUid = await http(tb.url, 'POST', '/calendars/users/user02/', { user: 'user02', headers: XML, body: replyBody('x', CAL, 'no-such-invite', 's') });
    assert.equal(noUid.status, 403);
    assert.match(noUid.body, /invalid-share/);
  });
});
