import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { VirtualClock } from '../../lib/core/clock.js';
import type { ResponseEvent } from '../../lib/core/events.js';
import { parseCalendarObject } from '../../lib/ical/calendar-object.js';
import { propertyUtcMs } from '../../lib/ical/datetime.js';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { closeHttp, ends, simFor, until } from './support.js';

let tb: Testbed;
before(async () => {
  tb = await startTestbed({ port: 0, users: 3 });
});
after(async () => {
  await closeHttp();
  await tb.close();
});

const responses = (events: readonly unknown[]) => (events as ResponseEvent[]).filter((e) => e.type === 'response');
const stored = (uid: string, collection: string) => tb.store.users.get(uid)!.home.collections.get(collection)!.resources;

describe('Eventer and Tasker against the testbed', () => {
  it('Eventer: a valid event every interval on the VEVENT calendar, as operation create', async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 5, 9, 0, 0));
    const sim = simFor(tb, 'OS_X_10_7', 'user01', clock);
    await sim.client.startup();
    const eventer = await sim.profile('Eventer', { interval: 10, fileAttachPercentage: 0 });
    eventer.start();
    for (let i = 1; i <= 3; i++) {
      clock.advance(10_000);
      await until(() => ends(sim, 'create').length === i, `create ${i}`);
    }
    eventer.stop();
    assert.ok(ends(sim, 'create').every((e) => e.success === true));
    const puts = responses(sim.events).filter((r) => r.method === 'PUT');
    assert.deepEqual(
      puts.map((r) => [r.label, r.status]),
      Array(3).fill(['PUT{event}', 201]),
    );
    const resources = stored('user01', 'calendar');
    assert.equal(resources.size, 3);
    for (const r of puts) {
      assert.match(r.url, /\/calendars\/users\/user01\/calendar\/[0-9a-f-]{36}\.ics$/);
      const name = r.url.split('/').pop()!;
      const parsed = parseCalendarObject(resources.get(name)!.text);
      assert.ok(parsed.ok);
      assert.equal(`${parsed.object.uid}.ics`, name, 'resource name is <uid>.ics');
      const start = propertyUtcMs(parsed.object.master!.getFirstProperty('dtstart'))!;
      assert.ok(start >= clock.now() - 30_000, 'NearFuture: starts after now');
      assert.ok(sim.client.state.events.get(r.url.replace(tb.url, ''))?.etag, 'the client caches what it created');
    }
    assert.equal(stored('user01', 'tasks').size, 0);
  });

  it('Eventer with a WorkDistribution zone and attachments: TZID + VTIMEZONE, POST{attachment}', async () => {
    const clock = new VirtualClock(Date.UTC(2026, 2, 2, 17, 0, 0));
    const sim = simFor(tb, 'OS_X_10_11', 'user02', clock);
    await sim.client.startup();
    sim.events.splice(0);
    const eventer = await sim.profile('Eventer', {
      interval: 10,
      fileAttachPercentage: 100,
      eventStartDistribution: { type: 'WorkDistribution', params: { tzname: 'America/Los_Angeles' } },
    });
    eventer.start();
    clock.advance(10_000);
    await until(() => ends(sim, 'create').length === 1);
    eventer.stop();
    assert.deepEqual(
      responses(sim.events).map((r) => [r.label, r.success]),
      [
        ['PUT{event}', true],
        ['POST{attachment}', true],
        ['GET{event}', true],
      ],
    );
    const [resource] = stored('user02', 'calendar').values();
    const text = resource!.text.replace(/\r\n[ \t]/g, '');
    assert.match(text, /DTSTART;TZID=America\/Los_Angeles:\d{8}T\d{6}\r\n/);
    assert.match(text, /BEGIN:VTIMEZONE\r\nTZID:America\/Los_Angeles/);
    assert.match(text, /ATTACH;[^\r\n]*MANAGED-ID=/);
  });

  it('Tasker: a VTODO with DUE on the VTODO calendar', async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 5, 9, 0, 0));
    const sim = simFor(tb, 'iOS_5', 'user03', clock);
    await sim.client.startup();
    const tasker = await sim.profile('Tasker', { interval: 25 });
    tasker.start();
    clock.advance(25_000);
    await until(() => ends(sim, 'create').length === 1);
    tasker.stop();
    assert.equal(ends(sim, 'create')[0]!.success, true);
    const tasks = [...stored('user03', 'tasks').values()];
    assert.equal(tasks.length, 1);
    const parsed = parseCalendarObject(tasks[0]!.text);
    assert.ok(parsed.ok && parsed.object.component === 'VTODO');
    assert.ok(parsed.ok && parsed.object.master!.hasProperty('due'));
    assert.equal(stored('user03', 'calendar').size, 0);
  });
});
