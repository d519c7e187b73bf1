/**
 * Every model against the testbed answering as other CalDAV servers do
 * (lib/testbed/quirks.ts): discovery falls back instead of failing, and a
 * refused notification collection is asked for once, then never again. Each
 * client starts and polls with no failed request and no failed operation.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DavHttp } from '../../lib/caldav/http.js';
import { CalDAVClient } from '../../lib/clients/client.js';
import { MODELS, type ModelName } from '../../lib/clients/models.js';
import { RealClock } from '../../lib/core/clock.js';
import type { Generation } from '../../lib/params/generation.js';
import type { NoticeEvent, OperationEvent, ResponseEvent, SimEvent } from '../../lib/core/events.js';
import { Random } from '../../lib/core/random.js';
import type { ServerQuirks } from '../../lib/testbed/quirks.js';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { closeHttp, httpFor } from './support.js';

const MODEL_NAMES = Object.keys(MODELS) as ModelName[];
const TEMPLATE = '/principals/users/%s/';

interface Run {
  events: SimEvent[];
  started: boolean;
  responses: ResponseEvent[];
  failures: string[];
  notices: string[];
  /** Labels and paths of the requests, in order: `PROPFIND{well-known} /.well-known/caldav/`. */
  requests: string[];
}

/** One client of `model` for `uid`: startup, then `polls` more polls. */
async function run(tb: Testbed, model: ModelName, uid: string, generation: Generation, polls = 2): Promise<Run> {
  const events: SimEvent[] = [];
  const client = new CalDAVClient({
    model: MODELS[model],
    params: { unauthenticatedPercentage: 0, calendarHomePollInterval: 3600, supportPush: false, supportAmpPush: false },
    record: tb.store.users.get(uid)!.record,
    serverUri: tb.url,
    principalPathTemplate: TEMPLATE,
    http: httpFor(tb),
    clock: new RealClock(),
    random: new Random('quirks').derive(`${uid}/${model}`),
    emit: (e) => events.push(e),
    instanceNumber: 0,
    generation,
  });
  const started = await client.startup();
  for (let i = 0; i < polls; i++) await client.poll();
  client.stop();
  const responses = events.filter((e): e is ResponseEvent => e.type === 'response');
  const failures = events
    .filter((e): e is ResponseEvent | OperationEvent => (e.type === 'response' || (e.type === 'operation' && e.phase === 'end')) && !e.success)
    .map((e) => (e.type === 'response' ? `${e.label} ${e.url} → ${e.status} ${e.error ?? ''}` : `operation ${e.label}: ${e.reason ?? ''}`));
  return {
    events,
    started,
    responses,
    failures,
    notices: events.filter((e): e is NoticeEvent => e.type === 'notice').map((e) => e.text),
    requests: responses.map((r) => `${r.label} ${new URL(r.url).pathname}`),
  };
}

/** A testbed with these quirks for the tests inside; closed after them. */
function withTestbed(quirks: Partial<ServerQuirks>, body: (tb: () => Testbed) => void): void {
  let tb: Testbed;
  before(async () => {
    tb = await startTestbed({ port: 0, users: 20, quirks });
  });
  after(async () => {
    await closeHttp();
    await tb.close();
  });
  body(() => tb);
}

after(closeHttp);

for (const wellKnown of [404, 500, 'html'] as const) {
  describe(`/.well-known/caldav answered ${wellKnown}`, () => {
    withTestbed({ wellKnown }, (tb) => {
      MODEL_NAMES.forEach((model, i) => {
        it(`${model} falls back to principalPathTemplate, starts and polls clean`, async () => {
          const r = await run(tb(), model, `user0${i + 1}`, 'master');
          assert.equal(r.started, true, r.failures.join('\n'));
          assert.deepEqual(r.failures, []);
          if (MODELS[model].discovery === 'well-known') {
            // The well-known request is counted under its label, as a success: the fallback handles its answer.
            const wk = r.responses.filter((x) => x.label === 'PROPFIND{well-known}');
            assert.deepEqual(wk.map((x) => [x.status, x.success]), [[wellKnown === 'html' ? 200 : wellKnown, true]]);
            assert.equal(r.requests[1], `PROPFIND{find-principal} /principals/users/user0${i + 1}/`);
            const what = wellKnown === 'html' ? '200 OK (text/html)' : wellKnown === 404 ? '404 Not Found (text/plain)' : '500 Internal Server Error (text/plain)';
            assert.deepEqual(r.notices, [`PROPFIND{well-known} answered ${what}: clients went on to principalPathTemplate`]);
          } else {
            assert.equal(r.requests[0], `PROPFIND{find-principal} /principals/users/user0${i + 1}/`);
            assert.deepEqual(r.notices, []);
          }
          assert.ok(r.requests.some((x) => x.startsWith('PROPFIND{principal} /principals/users/')), r.requests.join('\n'));
        });
      });
    });
  });
}

describe('principals found only through current-user-principal (--principals hidden)', () => {
  withTestbed({ principals: 'hidden' }, (tb) => {
    MODEL_NAMES.forEach((model, i) => {
      it(`${model} follows current-user-principal, starts and polls clean`, async () => {
        const uid = `user0${i + 1}`;
        const r = await run(tb(), model, uid, 'master');
        assert.equal(r.started, true, r.failures.join('\n'));
        assert.deepEqual(r.failures, []);
        const guid = tb().store.users.get(uid)!.record.guid;
        const principal = `PROPFIND{principal} /principals/__uids__/${guid}/`;
        if (MODELS[model].discovery === 'well-known') {
          // The redirect to / answers current-user-principal: the configured path is never asked.
          assert.deepEqual(r.requests.slice(0, 3), ['PROPFIND{well-known} /.well-known/caldav/', 'PROPFIND{well-known} /', principal]);
          assert.deepEqual(r.notices, []);
        } else {
          // The configured path answers 404: the client asks the root for current-user-principal.
          assert.deepEqual(r.requests.slice(0, 3), [`PROPFIND{find-principal} /principals/users/${uid}/`, 'PROPFIND{find-principal} /', principal]);
          const first = r.responses[0]!;
          assert.deepEqual([first.status, first.success], [404, true]);
          assert.deepEqual(r.notices, [`principalPathTemplate ${TEMPLATE} named no principal (404 Not Found): clients found theirs through current-user-principal at /`]);
        }
      });
    });
  });
  withTestbed({ principals: 'hidden', wellKnown: 404 }, (tb) => {
    it('with the well-known URI answered 404 too: configured path (404), then the root', async () => {
      const r = await run(tb(), 'OS_X_10_11', 'user02', 'master');
      assert.equal(r.started, true, r.failures.join('\n'));
      assert.deepEqual(r.failures, []);
      assert.deepEqual(r.requests.slice(0, 3), ['PROPFIND{well-known} /.well-known/caldav/', 'PROPFIND{find-principal} /principals/users/user02/', 'PROPFIND{find-principal} /']);
      assert.equal(r.notices.length, 2);
    });
  });
});

describe('a principal without a calendar home: the startup fails, saying which URL was asked and what came back', () => {
  // A DAV server that is no CalDAV server: every PROPFIND answers resourcetype and nothing else.
  let server: Server;
  let origin = '';
  before(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const href = (req.url ?? '/').split('?')[0]!;
        res.writeHead(207, { 'Content-Type': 'application/xml; charset=utf-8' });
        res.end(`<?xml version="1.0"?><D:multistatus xmlns:D="DAV:"><D:response><D:href>${href}</D:href><D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response></D:multistatus>`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await closeHttp();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  it('names the principal URL and the properties the answer had', async () => {
    const http = new DavHttp({ origin, clock: new RealClock() });
    const client = new CalDAVClient({
      model: MODELS.OS_X_10_6,
      params: { unauthenticatedPercentage: 0, supportPush: false, supportAmpPush: false },
      record: { uid: 'user01', password: 'user01', commonName: 'User 01', email: 'user01@example.com', guid: 'g1', podID: 'PodA' },
      serverUri: origin,
      principalPathTemplate: TEMPLATE,
      http,
      clock: new RealClock(),
      random: new Random('quirks').derive('no-home'),
      emit: () => {},
      instanceNumber: 0,
      generation: 'master',
    });
    assert.equal(await client.startup(), false);
    client.stop();
    await http.close();
    assert.equal(client.lastStartupError, 'the principal has no calendar-home-set: PROPFIND /principals/users/user01/ answered 207 with only resourcetype');
  });
});

describe('the notification collection', () => {
  withTestbed({ notifications: 'absent' }, (tb) => {
    MODEL_NAMES.forEach((model, i) => {
      it(`absent: ${model} never asks for it`, async () => {
        const r = await run(tb(), model, `user0${i + 1}`, 'master', 3);
        assert.equal(r.started, true, r.failures.join('\n'));
        assert.deepEqual(r.failures, []);
        assert.deepEqual(r.requests.filter((x) => x.includes('notif')), []);
        assert.deepEqual(r.notices, []);
      });
    });
  });
  for (const status of [403, 404] as const) {
    withTestbed({ notifications: status }, (tb) => {
      MODEL_NAMES.forEach((model, i) => {
        it(`answered ${status}: ${model} asks once, stops, says so once; no failed request`, async () => {
          const r = await run(tb(), model, `user0${i + 1}`, 'master', 3);
          assert.equal(r.started, true, r.failures.join('\n'));
          assert.deepEqual(r.failures, []);
          const asked = r.requests.filter((x) => x.includes('notif'));
          const label = MODELS[model].notificationSync ? 'REPORT{sync-notif-init}' : 'PROPFIND{notification}';
          assert.deepEqual(asked, [`${label} /calendars/users/user0${i + 1}/notification/`]);
          const phrase = status === 403 ? '403 Forbidden' : '404 Not Found';
          assert.deepEqual(r.notices, [`the server refused the notification collection (${phrase}): clients stopped asking for it`]);
        });
      });
    });
  }
  withTestbed({ notifications: 404 }, (tb) => {
    it('2013 clients never asked for it: no request, no notice', async () => {
      const r = await run(tb(), 'OS_X_10_7', 'user05', '2013', 3);
      assert.deepEqual(r.failures, []);
      assert.deepEqual(r.requests.filter((x) => x.includes('notif')), []);
      assert.deepEqual(r.notices, []);
    });
  });
});

describe('the testbed as served: the quirks change only what they name', () => {
  withTestbed({ wellKnown: 'html' }, (tb) => {
    it('html: 200 with a web page', async () => {
      const res = await fetch(`${tb().url}/.well-known/caldav`, { method: 'PROPFIND' });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(await res.text(), /<html>/);
    });
  });
  withTestbed({}, (tb) => {
    it('default: 301 to / (as CalendarServer)', async () => {
      const res = await fetch(`${tb().url}/.well-known/caldav/`, { method: 'PROPFIND', redirect: 'manual' });
      assert.deepEqual([res.status, res.headers.get('location')], [301, '/']);
      await res.arrayBuffer();
    });
  });
});

describe('a calendar sync REPORT without DAV:sync-level refused (--sync-level required)', () => {
  withTestbed({ syncLevel: 'required' }, (tb) => {
    MODEL_NAMES.forEach((model, i) => {
      it(`${model} starts and polls clean${MODELS[model].calendarSync ? '; refused once, it lists its calendars by PROPFIND from then on' : ''}`, async () => {
        const uid = `user1${i}`;
        const r = await run(tb(), model, uid, 'master', 0);
        assert.equal(r.started, true, r.failures.join('\n'));
        // Calendars change, so the next polls have something to fetch.
        const cal = tb().store.users.get(uid)!.home.collections.get('calendar')!;
        cal.put({ name: 'q1.ics', text: 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:q1\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260101T100000Z\r\nDURATION:PT1H\r\nSUMMARY:q\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n', contentType: 'text/calendar', etag: '"q1"', lastModified: Date.now() });
        const again = await run(tb(), model, uid, 'master', 2);
        assert.deepEqual(again.failures, []);
        const syncs = again.requests.filter((x) => /REPORT\{sync-coll/.test(x));
        if (MODELS[model].calendarSync) {
          // The first calendar's initial sync is refused; every calendar after it is listed.
          assert.equal(syncs.length, 1, again.requests.join('\n'));
          assert.deepEqual(again.notices, ['the server refused the calendar sync REPORT (400 Bad Request): clients list calendars instead']);
          assert.ok(again.requests.some((x) => x.startsWith(`PROPFIND{calendar} /calendars/users/${uid}/calendar/`)), again.requests.join('\n'));
          assert.ok(again.requests.some((x) => x.startsWith('REPORT{multiget-')), 'the new event is fetched');
        } else {
          assert.deepEqual(syncs, []);
          assert.deepEqual(again.notices, []);
        }
      });
    });
  });
});
