import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { closeHttp, makeClient, type Harness } from './support.js';

let tb: Testbed;
let org: Harness;
let att: Harness;
before(async () => {
  tb = await startTestbed({ port: 0, users: 4 });
  org = makeClient(tb, 'OS_X_10_11', 'user01');
  att = makeClient(tb, 'OS_X_10_7', 'user02');
  await org.client.startup();
  await att.client.startup();
});
after(async () => {
  await closeHttp();
  await tb.close();
});

const unfold = (t: string) => t.replace(/\r\n[ \t]/g, '');
function ics(uid: string, extra: string[] = [], start = '20261202T100000Z', end = '20261202T110000Z'): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20260101T000000Z', `DTSTART:${start}`, `DTEND:${end}`, 'SUMMARY:Write API', ...extra, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
}
const CAL1 = '/calendars/users/user01/calendar/';

describe('the write API against the testbed', () => {
  it('addEvent, changeEvent, updateEvent, deleteEvent', async () => {
    org.mark();
    const href = `${CAL1}w1.ics`;
    await org.client.addEvent(href, ics('w1'));
    const e = org.client.state.events.get(href)!;
    assert.match(e.etag, /^"/);
    assert.equal(await org.client.changeEvent(href, ics('w1', ['DESCRIPTION:changed'])), 204);
    assert.notEqual(org.client.state.events.get(href)!.etag, e.etag);
    const seen: string[] = [];
    const off = org.client.onEventChanged((h) => seen.push(h));
    await org.client.updateEvent(href);
    off();
    assert.deepEqual(seen, [href]);
    assert.match(org.client.state.events.get(href)!.data!, /DESCRIPTION:changed/);
    // A stale ETag: 412 is an expected answer, the data is not overwritten.
    org.client.state.events.get(href)!.etag = '"stale"';
    assert.equal(await org.client.changeEvent(href, ics('w1', ['DESCRIPTION:lost'])), 412);
    await org.client.deleteEvent(href);
    assert.equal(org.client.state.events.has(href), false);
    assert.deepEqual(org.labels(), ['PUT{event}', 'PUT{update}', 'GET{event}', 'PUT{update}', 'DELETE{event}']);
    assert.ok(org.responses().every((r) => r.success));
  });

  it('addInvite with lookups, the attendee accepts, the organizer sees the reply', async () => {
    org.mark();
    const href = `${CAL1}meet.ics`;
    await org.client.addInvite(
      href,
      ics('meet', ['ORGANIZER;CN=User 01:mailto:user01@example.com', 'ATTENDEE;CN=User 01;PARTSTAT=ACCEPTED:mailto:user01@example.com', 'ATTENDEE;CN=User 02;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:user02@example.com']),
      { lookupPercentage: 100 },
    );
    assert.deepEqual(org.labels(), ['REPORT{cpsearch}', 'POST{fb-small}', 'PUT{organizer-small}']);
    assert.ok(org.client.state.events.get(href)!.scheduleTag);

    // The attendee's next poll brings the invitation.
    const arrived: string[] = [];
    att.client.onEventChanged((h) => arrived.push(h));
    await att.client.poll();
    const copyHref = arrived.find((h) => h.includes('/user02/calendar/'))!;
    const copy = att.client.state.events.get(copyHref)!;
    assert.match(unfold(copy.data!), /PARTSTAT=NEEDS-ACTION[^\r\n]*:mailto:user02@example\.com/);
    assert.ok(copy.scheduleTag);

    att.mark();
    const accepted = unfold(copy.data!).replace(/PARTSTAT=NEEDS-ACTION([^\r\n]*):mailto:user02@example\.com/, 'PARTSTAT=ACCEPTED$1:mailto:user02@example.com');
    assert.equal(await att.client.changeEventAttendee(copyHref, accepted), 204);
    assert.deepEqual(att.labels(), ['PUT{attendee-small}']);

    // The organizer's next poll (a home sync) brings its updated copy and the REPLY.
    const got: string[] = [];
    org.client.onEventChanged((h) => got.push(h));
    org.mark();
    await org.client.poll();
    assert.ok(org.labels().includes('REPORT{sync-home}'));
    assert.ok(got.includes(href), `organizer copy re-fetched: ${got.join(', ')}`);
    assert.match(unfold(org.client.state.events.get(href)!.data!), /PARTSTAT=ACCEPTED[^\r\n]*:mailto:user02@example\.com/);
    assert.ok(got.some((h) => h.includes('/user01/inbox/') && /METHOD:REPLY/.test(org.client.state.events.get(h)!.data!)));
  });

  it('requestAvailability answers busy time; timeRangeQuery, deepRefresh and addEventAttendee work', async () => {
    org.mark();
    const r = await org.client.requestAvailability(new Date(Date.UTC(2026, 11, 2)), new Date(Date.UTC(2026, 11, 3)), ['mailto:user01@example.com', 'mailto:user02@example.com']);
    assert.equal(r.status, 200);
    assert.match(r.body, /FREEBUSY[^:]*:20261202T100000Z\/20261202T110000Z/);
    await org.client.timeRangeQuery(CAL1, new Date(Date.UTC(2026, 11, 1)), new Date(Date.UTC(2026, 11, 5)));
    await org.client.deepRefresh();
    const href = `${CAL1}solo.ics`;
    await org.client.addEvent(href, ics('solo'));
    assert.equal(await org.client.addEventAttendee(href, { address: 'mailto:user03@example.com', cn: 'User 03' }), 204);
    const labels = org.labels();
    assert.deepEqual(labels.slice(0, 3), ['POST{fb-small}', 'REPORT{calendar-query}', 'PROPFIND{home}']);
    assert.ok(labels.includes('PUT{organizer-small}'));
    assert.ok(org.responses().every((x) => x.success), JSON.stringify(org.responses().filter((x) => !x.success)));
    assert.ok([...tb.store.users.get('user03')!.home.inbox.resources.values()].some((x) => /UID:solo/.test(x.text)), 'user03 got the invitation');
  });
});
