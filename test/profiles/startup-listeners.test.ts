import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { VirtualClock } from '../../lib/core/clock.js';
import type { ResponseEvent } from '../../lib/core/events.js';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { closeHttp, ends, fixed, simFor, until } from './support.js';

let tb: Testbed;
before(async () => {
  tb = await startTestbed({ port: 0, users: 4 });
});
after(async () => {
  await closeHttp();
  await tb.close();
});

const invitation = (uid: string, organizer: string, attendee: string) =>
  [
    'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20260101T000000Z',
    'DTSTART:20301201T100000Z', 'DTEND:20301201T110000Z', 'SUMMARY:Before startup', `ORGANIZER:mailto:${organizer}@example.com`,
    `ATTENDEE;PARTSTAT=ACCEPTED:mailto:${organizer}@example.com`, `ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:${attendee}@example.com`,
    'END:VEVENT', 'END:VCALENDAR', '',
  ].join('\r\n');

describe('profiles prepared before the client starts', () => {
  it('the Accepter answers an invitation that the first poll fetched', async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 5, 9, 0, 0));
    const org = simFor(tb, 'OS_X_10_7', 'user01', clock);
    await org.client.startup();
    await org.client.addInvite('/calendars/users/user01/calendar/early-1.ics', invitation('early-1', 'user01', 'user02'), { lookupPercentage: 0 });
    // user02's client starts after the invitation arrived: its first poll fetches it.
    const att = simFor(tb, 'OS_X_10_7', 'user02', clock);
    const accepter = await att.profile('Accepter', { acceptDelayDistribution: fixed(5) });
    accepter.prepare?.();
    await att.client.startup();
    assert.ok(att.events.some((e) => e.type === 'response' && e.label.startsWith('REPORT{multiget')), 'the first poll fetched the invitation');
    accepter.start();
    clock.advance(5_000);
    await until(() => ends(att, 'accept').length === 1, 'accept');
    accepter.stop();
    assert.equal(ends(att, 'accept')[0]!.success, true);
    const put = att.events.find((e): e is ResponseEvent => e.type === 'response' && e.label.startsWith('PUT{attendee'));
    assert.ok(put?.url.includes('/calendars/users/user02/calendar/'));
  });

  it('the AttachmentDownloader downloads an attachment of an event the first poll fetched', async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 5, 9, 0, 0));
    const org = simFor(tb, 'OS_X_10_11', 'user03', clock);
    await org.client.startup();
    // An invitation with a managed attachment: user04's copy carries it.
    await org.client.addInvite('/calendars/users/user03/calendar/early-2.ics', invitation('early-2', 'user03', 'user04'), { lookupPercentage: 0, attachmentSize: 100 });
    const att = simFor(tb, 'OS_X_10_7', 'user04', clock);
    const downloader = await att.profile('AttachmentDownloader', {});
    downloader.prepare?.();
    await att.client.startup();
    downloader.start();
    clock.advance(1);
    await until(() => ends(att, 'download').length === 1, 'download');
    downloader.stop();
    assert.equal(ends(att, 'download')[0]!.success, true);
  });
});
