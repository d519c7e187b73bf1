/**
 * Acceptance point 2 of the profiles issue: master's clients.plist, unmodified, as the clients
 * file; 15 users × 3 clients (as master's config.plist), all arrived within 15 simulated s, run
 * against the embedded testbed under a ScaledClock. Every profile it names must act, without an
 * unexpected response or a failed operation.
 *
 * The simulated runtime is 2,400 s (factor 100: about 24 s real), not 60 s: master's intervals
 * are long (CalendarSharer 1,800 s, Inviter NormalDistribution mu=720 s, Accepter's delay
 * LogNormal median 1,800 s), and the speed factor shortens real time, not simulated time, so a
 * 60 s simulation could never see those profiles tick.
 */
import assert from 'node:assert/strict';
import { request } from 'undici';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { needsReference } from '../helpers/reference.js';
import { loadWith, masterFile, observers, runScaled, tableCounts, tempDir } from './support.js';

const USERS = 15;
const FACTOR = 100;
const SIM_SECONDS = 2400;
let tb: Testbed;
let dir: string;
before(async () => {
  tb = await startTestbed({ port: 0, users: USERS, statsPort: 0 });
  dir = tempDir();
});
after(async () => {
  await tb.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("master's clients.plist against the testbed", { timeout: 90_000 }, () => {
  it('every profile acts: operations in the operation table, or its own requests in the response events', needsReference(), async () => {
    const config = await loadWith(
      dir,
      {
        servers: { PodA: { enabled: true, uri: tb.url, stats: { enabled: true, Port: tb.statsPort } } },
        accounts: { loader: 'generateRecords', params: { count: USERS, uidPattern: 'user%02d', passwordPattern: 'user%02d', emailPattern: 'user%02d@example.com' } },
        arrival: { factory: 'SmoothRampUp', params: { groups: USERS, groupSize: 1, interval: 1, clientsPerUser: 3 } },
        observers,
      },
      masterFile('clients.plist'),
    );
    const profiles = config.clients.flatMap((c) => c.profiles.filter((p) => p.params.enabled !== false).map((p) => (p.plugin.source === "builtin" ? p.plugin.definition.name : p.plugin.written)));
    // Server-side data for the two profiles that only act on what is there: more than the
    // EventCountLimiter's 100 events in user01's calendar before the run, and — once the clients
    // run, so the AttachmentDownloader is listening — a managed attachment on an event of user02.
    const put = (uid: string, name: string, body: string, extra: Record<string, string> = {}, method = 'PUT') =>
      request(`${tb.url}/calendars/users/${uid}/calendar/${name}`, {
        method: method as 'PUT',
        headers: { authorization: `Basic ${Buffer.from(`${uid}:${uid}`).toString('base64')}`, 'content-type': 'text/calendar', ...extra },
        body,
      }).then((r) => r.body.text().then(() => r.statusCode));
    const ics = (uid: string) => ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//t//EN', 'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20260101T000000Z', 'DTSTART:20261215T100000Z', 'DTEND:20261215T110000Z', 'SUMMARY:Seeded', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
    for (let i = 0; i < 110; i++) assert.equal(await put('user01', `seed-${i}.ics`, ics(`seed-${i}`)), 201);
    assert.equal(await put('user02', 'with-attachment.ics', ics('with-attachment')), 201);
    const attach = setTimeout(() => {
      void put('user02', 'with-attachment.ics?action=attachment-add', 'attached file', { 'content-type': 'text/plain', 'content-disposition': 'attachment; filename="notes.txt"' }, 'POST');
    }, 5000);
    const run = await runScaled(config, FACTOR, SIM_SECONDS, 'master-clients');
    clearTimeout(attach);
    const table = tableCounts(run.out);
    const ops = new Map<string, number>();
    for (const o of run.operations) if (o.phase === 'end' && o.success) ops.set(o.label, (ops.get(o.label) ?? 0) + 1);
    const labels = new Map<string, number>();
    for (const r of run.responses) labels.set(r.label, (labels.get(r.label) ?? 0) + 1);
    console.log('master-clients', JSON.stringify({ realSeconds: +run.realSeconds.toFixed(1), profiles, ops: Object.fromEntries(ops), labels: Object.fromEntries(labels), pass: run.result.pass, reasons: run.result.reasons.length }));

    // Server side: what the profiles left in the store.
    const stored = { vtodo: 0, titleChanged: 0, descriptionChanged: 0, acknowledged: 0, shared: 0 };
    for (const user of tb.store.users.values()) {
      for (const c of user.home.collections.values()) {
        if (c.kind !== 'calendar') continue;
        if (c.views.size) stored.shared++;
        for (const r of c.resources.values()) {
          const t = r.text.replace(/\r\n[ \t]/g, '');
          if (/BEGIN:VTODO/.test(t)) stored.vtodo++;
          if (/^SUMMARY:Event\.*\r?$/m.test(t)) stored.titleChanged++;
          if (/^DESCRIPTION:\.+\r?$/m.test(t)) stored.descriptionChanged++;
          if (/^ACKNOWLEDGED[;:]/m.test(t)) stored.acknowledged++;
        }
      }
    }
    console.log('master-clients stored', JSON.stringify(stored), 'table', JSON.stringify(Object.fromEntries(table)));

    assert.deepEqual(run.failures(), [], 'no unexpected failures');
    assert.equal(run.result.summary.clients, USERS * 3);
    // Under a ScaledClock durations are scaled too (×100 here): the time thresholds are not
    // meaningful, but no label may fail for failed requests.
    assert.deepEqual(run.result.reasons.filter((r) => !/exceeded \d+ second response time/.test(r)), []);
    assert.deepEqual([...new Set(profiles)].sort(), ['APNSSubscriber', 'Accepter', 'AlarmAcknowledger', 'AttachmentDownloader', 'CalendarSharer', 'DeepRefresher', 'DescriptionChanger', 'EventCountLimiter', 'Eventer', 'Inviter', 'Tasker', 'TimeRanger', 'TitleChanger']);

    // The operation table (OperationLogger) has a non-zero row for each wrapped operation.
    for (const op of ['startup', 'poll', 'create', 'update', 'invite', 'accept', 'reply done']) {
      assert.ok((table.get(op) ?? 0) > 0 && (ops.get(op) ?? 0) > 0, `operation ${op}: table ${table.get(op)}, events ${ops.get(op)}`);
    }
    const req = (label: string) => labels.get(label) ?? 0;
    // Eventer and Tasker (operation create): PUT{event}; the tasks are in the store.
    assert.ok(req('PUT{event}') > 0);
    assert.ok(stored.vtodo > 0, 'Tasker stored VTODOs');
    // AlarmAcknowledger, TitleChanger, DescriptionChanger (operation update, PUT{update}): each one's mark is in the store.
    assert.ok(req('PUT{update}') > 0);
    assert.ok(stored.acknowledged > 0, 'AlarmAcknowledger: ACKNOWLEDGED stored');
    assert.ok(stored.titleChanged > 0, 'TitleChanger: SUMMARY:Event… stored');
    assert.ok(stored.descriptionChanged > 0, 'DescriptionChanger: DESCRIPTION:… stored');
    // Inviter (invite) and Accepter (accept, reply done): their requests.
    assert.ok(req('PUT{organizer-small}') + req('PUT{organizer-medium}') + req('PUT{organizer-large}') > 0);
    assert.ok(req('PUT{attendee-small}') + req('PUT{attendee-medium}') + req('PUT{attendee-large}') > 0);
    // No operation of their own: checked by their requests.
    assert.ok(req('POST{share-calendar}') > 0, 'CalendarSharer');
    assert.ok(req('REPORT{calendar-query}') > 0, 'TimeRanger');
    assert.ok(req('PROPFIND{calendar}') > 0, 'DeepRefresher');
    assert.ok(req('POST{apns}') > 0, 'APNSSubscriber');
    // EventCountLimiter and AttachmentDownloader, on the data seeded above.
    assert.ok(req('DELETE{event}') >= 10, `EventCountLimiter deleted down to its limit: ${req('DELETE{event}')}`);
    assert.ok(tb.store.users.get('user01')!.home.collections.get('calendar')!.resources.size <= 101 + 40, 'user01 calendar trimmed');
    assert.ok(req('GET{attachment}') > 0, 'AttachmentDownloader');
    assert.ok((ops.get('download') ?? 0) > 0, 'download operations');
    assert.equal(run.responses.filter((r) => r.label === 'GET{attachment}' && !r.success).length, 0);
  });
});
