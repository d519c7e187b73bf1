import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { AmpPushHub } from '../../lib/clients/amp-push-hub.js';
import { CalDAVClient } from '../../lib/clients/client.js';
import { MODELS } from '../../lib/clients/models.js';
import { RealClock } from '../../lib/core/clock.js';
import type { SimEvent } from '../../lib/core/events.js';
import { Random } from '../../lib/core/random.js';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { closeHttp, httpFor, makeClient } from './support.js';

let tb: Testbed;
let hub: AmpPushHub;
before(async () => {
  tb = await startTestbed({ port: 0, users: 3, ampPort: 0 });
  hub = new AmpPushHub('127.0.0.1', tb.ampPort!, () => randomUUID());
});
after(async () => {
  hub.close();
  await closeHttp();
  await tb.close();
});

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('AMP push end to end', () => {
  it('a client subscribes instead of polling, and a change to its home triggers a push poll that fetches it', async () => {
    const events: SimEvent[] = [];
    const client = new CalDAVClient({
      model: MODELS.OS_X_10_11,
      params: { unauthenticatedPercentage: 0, calendarHomePollInterval: 3600 },
      record: tb.store.users.get('user01')!.record,
      serverUri: tb.url,
      principalPathTemplate: '/principals/users/%s/',
      http: httpFor(tb),
      clock: new RealClock(),
      random: new Random('push'),
      emit: (e) => events.push(e),
      instanceNumber: 1,
      push: hub,
    });
    await client.run();
    assert.equal(client.pushing, true);
    const changed: string[] = [];
    client.onEventChanged((h) => changed.push(h));
    events.splice(0);
    // Someone invites user01: its calendar and inbox change, the push service notifies.
    const organizer = makeClient(tb, 'OS_X_10_7', 'user02');
    await organizer.client.startup();
    const ics = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//t//EN', 'BEGIN:VEVENT', 'UID:pushed', 'DTSTAMP:20260101T000000Z', 'DTSTART:20261203T100000Z', 'DTEND:20261203T110000Z', 'SUMMARY:Push', 'ORGANIZER:mailto:user02@example.com', 'ATTENDEE;PARTSTAT=ACCEPTED:mailto:user02@example.com', 'ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:user01@example.com', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
    await organizer.client.addInvite('/calendars/users/user02/calendar/pushed.ics', ics, { lookupPercentage: 0 });
    for (let i = 0; i < 50 && !changed.some((h) => h.includes('/user01/calendar/')); i++) await wait(20);
    assert.ok(hub.notifications > 0, 'a NotificationForID arrived');
    const ops = events.filter((e) => e.type === 'operation' && e.phase === 'start').map((e) => (e.type === 'operation' ? e.label : ''));
    assert.ok(ops.includes('push'), `a push poll ran: ${ops.join(', ')}`);
    assert.ok(changed.some((h) => h.includes('/user01/calendar/')), 'the invitation was fetched');
    client.stop();
  });

  it('without the push service the client polls: its subscription fails, so it falls back to polling', async () => {
    const tb2 = await startTestbed({ port: 0, users: 1 });
    // A port nobody listens on: the home still carries a pushkey, as CalendarServer's with APNS on.
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const deadHub = new AmpPushHub('127.0.0.1', deadPort, () => randomUUID());
    try {
      const h = makeClient(tb2, 'OS_X_10_11', 'user01');
      (h.client as unknown as { o: { push: AmpPushHub } }).o.push = deadHub;
      await h.client.run();
      assert.equal(h.client.state.pushKey, '/CalDAV/localhost/user01/');
      assert.equal(h.client.pushing, false);
      h.client.stop();
    } finally {
      deadHub.close();
      await tb2.close();
    }
  });
});
