import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { CalDAVClient } from '../../lib/clients/client.js';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { closeHttp, makeClient } from './support.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let tb: Testbed;
before(async () => {
  tb = await startTestbed({ port: 0, users: 50 });
  // Every home gets a few events, so the clients hold real state.
  for (const u of tb.store.users.values()) {
    for (let i = 0; i < 5; i++) {
      const text = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//t//EN', 'BEGIN:VEVENT', `UID:${u.uid}-${i}`, 'DTSTAMP:20260101T000000Z', 'DTSTART:20261210T100000Z', 'DTEND:20261210T110000Z', 'SUMMARY:Event', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
      const { parseCalendarObject } = await import('../../lib/ical/calendar-object.js');
      const parsed = parseCalendarObject(text);
      assert.ok(parsed.ok);
      u.home.collections.get('calendar')!.put({ name: `${u.uid}-${i}.ics`, text, contentType: 'text/calendar', etag: `"${u.uid}-${i}"`, uid: parsed.object.uid, component: 'VEVENT', parsed: parsed.object, lastModified: 0 });
    }
  }
});
after(async () => {
  await closeHttp();
  await tb.close();
});

describe('client state is compact', () => {
  it('bytes per started client (5 events each, events list kept)', async (t) => {
    const n = 500;
    const make = (i: number) => makeClient(tb, 'OS_X_10_7', `user${String((i % 50) + 1).padStart(2, '0')}`, {}, i, false).client;
    // One client per user first: the testbed's own first-start growth (dead properties, logs) is not client state.
    await Promise.all(Array.from({ length: 50 }, (_, i) => make(1000 + i).startup()));
    gc();
    const before = process.memoryUsage().heapUsed;
    // Events are not kept: they are the observers' memory, not the clients'.
    const clients: CalDAVClient[] = Array.from({ length: n }, (_, i) => make(i));
    for (let i = 0; i < n; i += 50) await Promise.all(clients.slice(i, i + 50).map((c) => c.startup()));
    gc();
    const perClient = (process.memoryUsage().heapUsed - before) / n;
    t.diagnostic(`${Math.round(perClient)} bytes of heap per started client (${n} clients, 3 calendars and 5 events each)`);
    assert.ok(clients.every((c) => c.started && c.state.events.size === 5));
    // The event data (5 × ~250 bytes) and the calendars dominate; a regression that keeps bodies or per-client buffers shows here.
    // Each client also holds its own connection (per-client, the default): an undici Client and its
    // socket, about 6.5 KB of heap (10.4 KB a client before connections were per client, 17 KB after).
    assert.ok(perClient < 22_000, `${perClient} bytes per client`);
  });
});
