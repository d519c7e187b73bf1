import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CalDAVClient } from '../../lib/clients/client.js';
import { MODELS } from '../../lib/clients/models.js';
import { clientFolder } from '../../lib/clients/serialization.js';
import { RealClock } from '../../lib/core/clock.js';
import type { ResponseEvent, SimEvent } from '../../lib/core/events.js';
import { Random } from '../../lib/core/random.js';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { closeHttp, httpFor } from './support.js';

let tb: Testbed;
let dir: string;
before(async () => {
  tb = await startTestbed({ port: 0, users: 2 });
  dir = mkdtempSync(path.join(tmpdir(), 'loadsim-cds-'));
});
after(async () => {
  await closeHttp();
  await tb.close();
  rmSync(dir, { recursive: true, force: true });
});

function client(events: SimEvent[]) {
  return new CalDAVClient({
    model: MODELS.OS_X_10_7,
    params: { unauthenticatedPercentage: 0, title: 'OS X 10.7' },
    record: tb.store.users.get('user01')!.record,
    serverUri: tb.url,
    principalPathTemplate: '/principals/users/%s/',
    http: httpFor(tb),
    clock: new RealClock(),
    random: new Random('cds'),
    emit: (e) => events.push(e),
    instanceNumber: 0,
    dataFolder: clientFolder(dir, 'user01', 'OS X 10.7'),
  });
}

describe('client data serialization', () => {
  it('saves state at stop and resumes from it: principal details but no discovery, no first-start requests, incremental sync', async () => {
    const first: SimEvent[] = [];
    const a = client(first);
    await a.startup();
    const ics = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//t//EN', 'BEGIN:VEVENT', 'UID:kept', 'DTSTAMP:20260101T000000Z', 'DTSTART:20261210T100000Z', 'DTEND:20261210T110000Z', 'SUMMARY:Kept', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
    await a.addEvent('/calendars/users/user01/calendar/kept.ics', ics);
    a.stop();
    const file = path.join(dir, 'user01-OS_X_10.7', 'index.json');
    assert.ok(existsSync(file));
    assert.match(readFileSync(file, 'utf8'), /UID:kept/);

    const second: SimEvent[] = [];
    const b = client(second);
    assert.equal(await b.startup(), true);
    const labels = second.filter((e): e is ResponseEvent => e.type === 'response').map((e) => e.label);
    // The principal's details and the search property set again (as master), then an ordinary poll.
    assert.deepEqual(labels.slice(0, 3), ['PROPFIND{principal}', 'REPORT{pset}', 'PROPFIND{home}']);
    assert.ok(!labels.some((l) => /well-known|find-principal|PROPPATCH|expand/.test(l)), labels.join(', '));
    assert.match(b.state.events.get('/calendars/users/user01/calendar/kept.ics')!.data!, /UID:kept/);
    b.stop();
  });
});
