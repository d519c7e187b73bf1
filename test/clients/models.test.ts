import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { closeHttp, makeClient } from './support.js';

let tb: Testbed;
before(async () => {
  tb = await startTestbed({ port: 0, users: 8 });
});
after(async () => {
  await closeHttp();
  await tb.close();
});

const PP6 = Array(6).fill('PROPPATCH{calendar}');
const rep = (label: string, n: number) => Array(n).fill(label) as string[];

/** Each model's startup and first poll, then what every later poll sends, as the generation that made it (10.6, 10.7 and iOS 5: 2013, which sent no notification PROPFINDs; 10.11: master), against the testbed's home of calendar, tasks, inbox, outbox, notification. */
const EXPECTED: Record<string, { startup: string[]; poll: string[] }> = {
  OS_X_10_6: {
    startup: ['PROPFIND{find-principal}', 'PROPFIND{principal}', 'REPORT{pset}', 'PROPFIND{home}', ...PP6, ...rep('PROPFIND{calendar}', 3), 'REPORT{expand}'],
    poll: ['PROPFIND{home}'],
  },
  OS_X_10_7: {
    startup: ['PROPFIND{well-known}', 'PROPFIND{well-known}', 'PROPFIND{principal}', 'REPORT{pset}', 'PROPFIND{home}', ...PP6, ...rep('REPORT{sync-init}', 3), 'REPORT{expand}'],
    poll: ['PROPFIND{home}'],
  },
  OS_X_10_11: {
    startup: ['PROPFIND{well-known}', 'PROPFIND{well-known}', 'PROPFIND{principal}', 'REPORT{pset}', 'PROPFIND{home}', ...PP6, ...rep('REPORT{sync-coll-init}', 3), 'PROPFIND{inbox}', 'REPORT{sync-notif-init}', 'REPORT{expand}'],
    poll: ['REPORT{sync-home}', 'PROPFIND{inbox}'],
  },
  iOS_5: {
    startup: ['PROPFIND{well-known}', 'PROPFIND{well-known}', 'PROPFIND{principal}', 'REPORT{pset}', 'PROPFIND{home}', ...rep('PROPPATCH{calendar}', 4), 'REPORT{vevent}', 'REPORT{vtodo}', 'PROPFIND{calendar}'],
    poll: ['PROPFIND{home}'],
  },
};

describe('client models against the testbed', () => {
  const users: Record<string, string> = { OS_X_10_6: 'user01', OS_X_10_7: 'user02', OS_X_10_11: 'user03', iOS_5: 'user04' };
  for (const [model, expected] of Object.entries(EXPECTED)) {
    it(`${model}: startup and three polls send the model's requests in order, all successful`, async () => {
      const h = makeClient(tb, model as keyof typeof EXPECTED & 'OS_X_10_6', users[model]!);
      assert.equal(await h.client.startup(), true);
      assert.equal(h.client.started, true);
      assert.deepEqual(h.labels(), expected.startup);
      for (let i = 0; i < 3; i++) {
        h.mark();
        assert.equal(await h.client.poll(), true);
        assert.deepEqual(h.labels(), expected.poll, `poll ${i + 1}`);
      }
      const failures = h.responses().filter((r) => !r.success);
      assert.deepEqual(failures, []);
      // Every request carried the model's User-Agent identity.
      assert.ok(h.responses().every((r) => r.clientType === `${h.client.title} 0` && r.user === users[model]));
      const ops = h.events.filter((e) => e.type === 'operation' && e.phase === 'end');
      assert.ok(ops.every((o) => o.type === 'operation' && o.success), JSON.stringify(ops));
      assert.deepEqual([...h.client.state.calendars.values()].map((c) => c.name).sort(), ['calendar', 'inbox', 'tasks']);
    });
  }

  it('after another user invites this one, the next poll fetches exactly the changed resources in multigets', async () => {
    const me = makeClient(tb, 'OS_X_10_7', 'user05');
    await me.client.startup();
    const organizer = makeClient(tb, 'OS_X_10_11', 'user06');
    await organizer.client.startup();
    const changed: string[] = [];
    me.client.onEventChanged((href) => changed.push(href));
    const ics = [
      'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VEVENT', 'UID:inv-1', 'DTSTAMP:20260101T000000Z',
      'DTSTART:20261201T100000Z', 'DTEND:20261201T110000Z', 'SUMMARY:Invite', 'ORGANIZER:mailto:user06@example.com',
      'ATTENDEE;PARTSTAT=ACCEPTED:mailto:user06@example.com', 'ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:user05@example.com',
      'END:VEVENT', 'END:VCALENDAR', '',
    ].join('\r\n');
    await organizer.client.addInvite('/calendars/users/user06/calendar/inv-1.ics', ics, { lookupPercentage: 0 });
    me.mark();
    await me.client.poll();
    assert.deepEqual(me.labels(), ['PROPFIND{home}', 'REPORT{sync}', 'REPORT{multiget-small}', 'REPORT{sync}', 'REPORT{multiget-small}']);
    assert.equal(changed.length, 2);
    assert.ok(changed.some((h) => h.startsWith('/calendars/users/user05/calendar/')));
    assert.ok(changed.some((h) => h.startsWith('/calendars/users/user05/inbox/')));
    const copy = me.client.state.events.get(changed.find((h) => h.includes('/calendar/'))!)!;
    assert.match(copy.data!, /UID:inv-1/);
    assert.ok(copy.scheduleTag);
    me.mark();
    await me.client.poll();
    assert.deepEqual(me.labels(), ['PROPFIND{home}']);
  });

  it('a sync token the server refuses (403) falls back to a full sync', async () => {
    const h = makeClient(tb, 'OS_X_10_7', 'user07');
    await h.client.startup();
    const cal = h.client.state.calendars.get('/calendars/users/user07/calendar/')!;
    cal.token = 'data:,loadsim-sync/999999/3';
    h.mark();
    await h.client.poll();
    const rs = h.responses().map((r) => [r.label, r.status]);
    assert.deepEqual(rs.slice(0, 3), [['PROPFIND{home}', 207], ['REPORT{sync}', 403], ['REPORT{sync-init}', 207]]);
    assert.match(cal.token, /^data:,loadsim-sync\/\d+\/\d+$/);
    assert.notEqual(cal.token, 'data:,loadsim-sync/999999/3');
  });
});
