import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { http, invitation, responses, unfold } from './support.js';

let tb: Testbed;
const ICS = { 'Content-Type': 'text/calendar; charset=utf-8' };
before(async () => {
  tb = await startTestbed({ port: 0, users: 4 });
});
after(() => tb.close());

const inboxItems = (uid: string) => [...tb.store.users.get(uid)!.home.inbox.resources.values()].map((r) => ({ ...r, text: unfold(r.text) }));
const calendarCopy = (user: string, eventUid: string) => {
  const r = [...tb.store.users.get(user)!.home.collections.get('calendar')!.resources.values()].find((x) => x.uid === eventUid);
  return r && { ...r, text: unfold(r.text) };
};

describe('implicit scheduling (RFC 6638)', () => {
  const ORG = '/calendars/users/user01/calendar/meeting.ics';

  it('the round trip: invite, accept, reply', async () => {
    // 1. The organizer's PUT delivers a REQUEST and writes the attendee's copy.
    const put = await http(tb.url, 'PUT', ORG, { user: 'user01', headers: ICS, body: invitation('meeting', 'user01', ['user01', 'user02']) });
    assert.equal(put.status, 201);
    const orgTag = String(put.headers['schedule-tag']);
    assert.match(orgTag, /^"/);
    const requests = inboxItems('user02').filter((r) => /METHOD:REQUEST/.test(r.text));
    assert.equal(requests.length, 1);
    assert.match(requests[0]!.text, /UID:meeting/);
    const copy = calendarCopy('user02', 'meeting')!;
    assert.ok(copy, 'attendee copy in user02 calendar');
    assert.match(copy.text, /PARTSTAT=NEEDS-ACTION[^\r\n]*:mailto:user02@example\.com/);
    assert.ok(copy.scheduleTag);

    // The attendee sees both through sync / PROPFIND, like a client.
    const inbox = await http(tb.url, 'PROPFIND', '/calendars/users/user02/inbox/', { user: 'user02', headers: { Depth: '1' }, body: '<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>' });
    assert.equal(responses(inbox.body).length, 2); // the inbox and one item

    // 2. The attendee accepts with If-Schedule-Tag-Match.
    const copyHref = `/calendars/users/user02/calendar/${encodeURIComponent(copy.name)}`;
    const got = await http(tb.url, 'GET', copyHref, { user: 'user02' });
    const accepted = unfold(got.body).replace(/PARTSTAT=NEEDS-ACTION([^\r\n]*):mailto:user02@example\.com/, 'PARTSTAT=ACCEPTED$1:mailto:user02@example.com').replace(/;RSVP=TRUE(?=[^\r\n]*user02)/, '');
    const acc = await http(tb.url, 'PUT', copyHref, { user: 'user02', headers: { ...ICS, 'If-Schedule-Tag-Match': String(got.headers['schedule-tag']) }, body: accepted });
    assert.equal(acc.status, 204, acc.body);
    // The attendee's own change keeps its Schedule-Tag.
    assert.equal(acc.headers['schedule-tag'], got.headers['schedule-tag']);

    // 3. The REPLY reaches the organizer, whose copy shows ACCEPTED, Schedule-Tag unchanged.
    const replies = inboxItems('user01').filter((r) => /METHOD:REPLY/.test(r.text));
    assert.equal(replies.length, 1);
    assert.match(replies[0]!.text, /PARTSTAT=ACCEPTED[^\r\n]*:mailto:user02@example\.com/);
    const org = await http(tb.url, 'GET', ORG, { user: 'user01' });
    assert.match(unfold(org.body), /PARTSTAT=ACCEPTED[^\r\n]*:mailto:user02@example\.com/);
    assert.equal(org.headers['schedule-tag'], orgTag);
  });

  it('an organizer change moves the attendee Schedule-Tag, so a stale attendee PUT gets 412', async () => {
    const copy = calendarCopy('user02', 'meeting')!;
    const href = `/calendars/users/user02/calendar/${encodeURIComponent(copy.name)}`;
    const stale = String((await http(tb.url, 'GET', href, { user: 'user02' })).headers['schedule-tag']);
    const etag = String((await http(tb.url, 'GET', ORG, { user: 'user01' })).headers.etag);
    const moved = invitation('meeting', 'user01', ['user01', 'user02'], { start: '20260311T100000Z', end: '20260311T110000Z', sequence: 1 });
    assert.equal((await http(tb.url, 'PUT', ORG, { user: 'user01', headers: { ...ICS, 'If-Match': etag }, body: moved })).status, 204);
    const now = await http(tb.url, 'GET', href, { user: 'user02' });
    assert.notEqual(now.headers['schedule-tag'], stale);
    // Rescheduled: the attendee must answer again (RFC 6638 §3.2.8).
    assert.match(unfold(now.body), /PARTSTAT=NEEDS-ACTION[^\r\n]*:mailto:user02@example\.com/);
    assert.match(now.body, /DTSTART:20260311T100000Z/);
    // The organizer's own copy was reset too, and its PUT got no ETag back since the server changed the data.
    assert.match(unfold((await http(tb.url, 'GET', ORG, { user: 'user01' })).body), /PARTSTAT=NEEDS-ACTION[^\r\n]*:mailto:user02@example\.com/);
    const late = await http(tb.url, 'PUT', href, { user: 'user02', headers: { ...ICS, 'If-Schedule-Tag-Match': stale }, body: unfold(now.body).replace('PARTSTAT=NEEDS-ACTION', 'PARTSTAT=DECLINED') });
    assert.equal(late.status, 412);
  });

  it('free-busy: POST to the outbox answers busy time from the attendee calendars', async () => {
    const body = [
      'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'METHOD:REQUEST', 'BEGIN:VFREEBUSY', 'UID:fb-1', 'DTSTAMP:20260101T000000Z',
      'DTSTART:20260311T000000Z', 'DTEND:20260312T000000Z', 'ORGANIZER:mailto:user01@example.com', 'ATTENDEE:mailto:user01@example.com',
      'ATTENDEE:mailto:user02@example.com', 'ATTENDEE:mailto:nobody@example.org', 'END:VFREEBUSY', 'END:VCALENDAR', '',
    ].join('\r\n');
    const r = await http(tb.url, 'POST', '/calendars/users/user01/outbox/', {
      user: 'user01',
      headers: { ...ICS, Originator: 'mailto:user01@example.com', Recipient: 'mailto:user02@example.com' },
      body,
    });
    assert.equal(r.status, 200, r.body);
    assert.match(r.body, /<C:schedule-response/);
    const user02 = /<C:response><C:recipient><D:href>mailto:user02@example\.com<\/D:href><\/C:recipient>([\s\S]*?)<\/C:response>/.exec(r.body)![1]!;
    assert.match(user02, /2\.0;Success/);
    assert.match(user02, /FREEBUSY[^:]*:20260311T100000Z\/20260311T110000Z/);
    assert.match(r.body, /mailto:nobody@example\.org<\/D:href><\/C:recipient><C:request-status>3\.7/);
    // Someone else's ORGANIZER is refused.
    const forged = await http(tb.url, 'POST', '/calendars/users/user01/outbox/', { user: 'user01', headers: ICS, body: body.replace('ORGANIZER:mailto:user01', 'ORGANIZER:mailto:user03') });
    assert.equal(forged.status, 403);
  });

  it('the organizer deleting the event sends CANCEL', async () => {
    const before = inboxItems('user02').length;
    assert.equal((await http(tb.url, 'DELETE', ORG, { user: 'user01' })).status, 204);
    const cancels = inboxItems('user02').filter((r) => /METHOD:CANCEL/.test(r.text));
    assert.equal(inboxItems('user02').length, before + 1);
    assert.equal(cancels.length, 1);
    assert.match(cancels[0]!.text, /UID:meeting/);
    assert.match(calendarCopy('user02', 'meeting')!.text, /STATUS:CANCELLED/);
  });

  it('a change that is not scheduling-significant sends nothing', async () => {
    const href = '/calendars/users/user03/calendar/quiet.ics';
    const body = invitation('quiet', 'user03', ['user03', 'user04']);
    await http(tb.url, 'PUT', href, { user: 'user03', headers: ICS, body });
    const before = inboxItems('user04').length;
    const tag = calendarCopy('user04', 'quiet')!.scheduleTag;
    const etag = String((await http(tb.url, 'GET', href, { user: 'user03' })).headers.etag);
    // Only DTSTAMP and an alarm-free X- property change.
    const r = await http(tb.url, 'PUT', href, { user: 'user03', headers: { ...ICS, 'If-Match': etag }, body: body.replace('DTSTAMP:20260101T000000Z', 'DTSTAMP:20260102T000000Z').replace('SUMMARY:Test event', 'SUMMARY:Test event\r\nX-LOADSIM-NOTE:x') });
    assert.equal(r.status, 204);
    assert.equal(inboxItems('user04').length, before);
    assert.equal(calendarCopy('user04', 'quiet')!.scheduleTag, tag);
  });

  it('removing an attendee sends them a CANCEL; an attendee deleting the event declines it', async () => {
    const href = '/calendars/users/user03/calendar/trio.ics';
    await http(tb.url, 'PUT', href, { user: 'user03', headers: ICS, body: invitation('trio', 'user03', ['user03', 'user01', 'user04']) });
    const etag = String((await http(tb.url, 'GET', href, { user: 'user03' })).headers.etag);
    const before01 = inboxItems('user01').length;
    assert.equal((await http(tb.url, 'PUT', href, { user: 'user03', headers: { ...ICS, 'If-Match': etag }, body: invitation('trio', 'user03', ['user03', 'user04'], { sequence: 1 }) })).status, 204);
    const cancel = inboxItems('user01').slice(before01).find((r) => /METHOD:CANCEL/.test(r.text));
    assert.ok(cancel, 'user01 got a CANCEL');
    assert.doesNotMatch(cancel.text, /STATUS:CANCELLED/); // the event goes on without them
    assert.match(calendarCopy('user01', 'trio')!.text, /STATUS:CANCELLED/);

    const copy = calendarCopy('user04', 'trio')!;
    const replies = inboxItems('user03').length;
    assert.equal((await http(tb.url, 'DELETE', `/calendars/users/user04/calendar/${encodeURIComponent(copy.name)}`, { user: 'user04' })).status, 204);
    const reply = inboxItems('user03').slice(replies).find((r) => /METHOD:REPLY/.test(r.text));
    assert.ok(reply, 'the organizer got a REPLY');
    assert.match(reply.text, /PARTSTAT=DECLINED[^\r\n]*:mailto:user04@example\.com/);
    assert.match(unfold((await http(tb.url, 'GET', href, { user: 'user03' })).body), /PARTSTAT=DECLINED[^\r\n]*:mailto:user04@example\.com/);
  });
});
