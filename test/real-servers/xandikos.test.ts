/**
 * The simulated Apple clients against a real Xandikos 0.2.8 (Debian's `xandikos`), started by
 * `.ci/run` (`.ci/servers/xandikos/start.sh`: `xandikos --defaults`). Xandikos is a
 * single-user server: one principal `/user/`, home `/user/calendars/` with one calendar
 * `/user/calendars/calendar/`, and no authentication (it ignores Authorization), so every uid
 * below is that one principal and every test writes the same calendar. The clients are
 * configured as a user would first try, `principalPathTemplate` `/%s/`, and must find `/user/`
 * themselves. What Xandikos answers (seen with 0.2.8, and what the tests assert):
 *
 * - PROPFIND `/.well-known/caldav/` → 207 whose one response is a 404 (its href the absolute
 *   URL, percent-encoded: `http%3A//127.0.0.1%3A5233/.well-known/caldav/`). Without the
 *   slash, `/.well-known/caldav` → 302 to `/`. The clients go on to the template (a notice).
 * - PROPFIND `/user01/` → the same 207 with a lone 404; PROPFIND `/` → 207 naming
 *   DAV:current-user-principal `/user/` (a second notice).
 * - The principal: calendar-home-set `/user/calendars/`, schedule-inbox-URL `/user/inbox`
 *   (no slash; a PROPFIND of it answers 207 for `/user/inbox/`), an empty
 *   calendar-user-address-set, no schedule-outbox-URL, no principal-collection-set (so no
 *   REPORT{pset}). No scheduling and no notification collection: the clients run without them.
 * - The calendar sync REPORT as 10.7 and 10.11 send it (no DAV:sync-level) → `400 Bad Request`,
 *   body `sync level None unsupported` (Xandikos implements sync-level 1 only, and requires it).
 *   The client then lists its calendars with PROPFIND{calendar}, and says so once (a notice).
 * - Limitation: the home `/user/calendars/` is an empty git store beside its calendars, so its
 *   DAV:sync-token never changes (`4b825dc642cb6eb9a060e54bf8d69288fbee4904`, git's empty tree)
 *   and its sync-collection (sync-level 1, as 10.11 sends it) never names a calendar. A 10.11
 *   client, which polls by syncing the home, therefore never sees a change made by anyone after
 *   its first poll: REPORT{sync-home} answers an empty 207 every time. The tests assert that.
 * - A PUT replacing an event answers 204; a new one 201; DELETE 204.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import { request } from 'undici';
import type { ModelName } from '../../lib/clients/models.js';
import { assertAnswers, assertNoFailures, closeHttp, ics, makeClient, realServer, runId, simulate, writerSeenByReader, type Harness } from './support.js';

const ENV = 'LOADSIM_XANDIKOS_URL';
const target = realServer(ENV, '/%s/', '.ci/run starts Xandikos (.ci/servers/xandikos/start.sh)');
const HOME = '/user/calendars/';
const CALENDAR = '/user/calendars/calendar/';
/** The home's DAV:sync-token, always: the id of git's empty tree. */
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

const NOTICE = {
  wellKnown: 'PROPFIND{well-known} answered 207 naming no principal: clients went on to principalPathTemplate',
  template: 'principalPathTemplate /%s/ named no principal (207 naming no principal): clients found theirs through current-user-principal at /',
  sync: 'the server refused the calendar sync REPORT (400 Bad Request): clients list calendars instead',
};

/** An event starting tomorrow: iOS 5 asks for events from a month back onwards. */
function tomorrowsEvent(uid: string): string {
  const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const start = Date.now() + 86_400_000;
  return ics(uid).replace(/^DTSTART:.*$/m, `DTSTART:${stamp(start)}`).replace(/^DTEND:.*$/m, `DTEND:${stamp(start + 3_600_000)}`);
}

if (!('server' in target)) {
  test('simulated clients against Xandikos', (t) => {
    if ('fail' in target) assert.fail(target.fail);
    t.skip(target.skip);
  });
} else {
  const server = target.server;
  /** PUT or DELETE straight to the server, as another calendar user would. */
  async function direct(method: 'PUT' | 'DELETE', href: string, body?: string): Promise<number> {
    const r = await request(new URL(href, server.url), { method, headers: body ? { 'content-type': 'text/calendar; charset=utf-8' } : {}, ...(body ? { body } : {}), headersTimeout: 10_000, bodyTimeout: 10_000 });
    await r.body.text();
    return r.statusCode;
  }
  /** The labels of the requests of one poll. */
  async function pollLabels(h: Harness, what: string): Promise<string[]> {
    h.mark();
    assert.equal(await h.client.poll(), true, `${what}: ${JSON.stringify(h.failures())}`);
    return h.labels();
  }

  describe(`simulated clients against Xandikos (${server.url})`, { timeout: 180_000 }, () => {
    before(() => assertAnswers(server, ENV));
    after(() => closeHttp());

    // What each model's polls send once its calendar changed (poll 2: an event added; poll 3: it deleted).
    const changedPoll: Record<ModelName, { added: string[]; deleted: string[] }> = {
      OS_X_10_6: { added: ['PROPFIND{home}', 'PROPFIND{calendar}', 'REPORT{multiget-small}'], deleted: ['PROPFIND{home}', 'PROPFIND{calendar}'] },
      OS_X_10_7: { added: ['PROPFIND{home}', 'PROPFIND{calendar}', 'REPORT{multiget-small}'], deleted: ['PROPFIND{home}', 'PROPFIND{calendar}'] },
      // The home's sync reports nothing, ever (see the header): 10.11 does not learn of the change.
      OS_X_10_11: { added: ['REPORT{sync-home}', 'PROPFIND{inbox}'], deleted: ['REPORT{sync-home}', 'PROPFIND{inbox}'] },
      iOS_5: { added: ['PROPFIND{home}', 'REPORT{vevent}', 'REPORT{multiget-small}'], deleted: ['PROPFIND{home}', 'REPORT{vevent}'] },
    };
    const users: Record<ModelName, string> = { OS_X_10_7: 'user01', OS_X_10_11: 'user02', OS_X_10_6: 'user03', iOS_5: 'user04' };
    for (const [model, uid] of Object.entries(users) as [ModelName, string][]) {
      const syncs = model === 'OS_X_10_7' || model === 'OS_X_10_11';
      it(`${model}: finds /user/ from /%s/, then startup and three polls with no unexpected response${syncs ? '; refused calendar sync, it lists calendars' : ''}`, async () => {
        const h = makeClient(server, model, uid);
        assert.equal(await h.client.startup(), true, `startup: ${JSON.stringify(h.failures())}`);
        const s = h.client.state;
        // Discovery: the well-known URI (not 10.6), the template, the root; then the principal.
        const discovery = h.responses().slice(0, model === 'OS_X_10_6' ? 3 : 4).map((r) => `${r.label} ${new URL(r.url).pathname} ${r.status}`);
        assert.deepEqual(discovery, [
          ...(model === 'OS_X_10_6' ? [] : ['PROPFIND{well-known} /.well-known/caldav/ 207']),
          `PROPFIND{find-principal} /${uid}/ 207`,
          'PROPFIND{find-principal} / 207',
          'PROPFIND{principal} /user/ 207',
        ]);
        assert.equal(s.principalURL, '/user/');
        assert.equal(s.homeHref, HOME);
        assert.ok(s.calendars.has(CALENDAR), `calendars: ${[...s.calendars.keys()].join(', ')}`);
        assert.equal(s.calendars.get(CALENDAR)?.kind, 'calendar');
        // No scheduling: an inbox URL, but no outbox and no mailto: address; no notifications.
        assert.equal(s.inboxHref, '/user/inbox');
        assert.equal(s.outboxHref, '');
        assert.equal(s.email, '');
        assert.equal(s.notificationHref, '');
        assert.ok(!h.labels().includes('REPORT{pset}'), 'no principal-collection-set: no REPORT{pset}');

        const labels = h.labels();
        if (syncs) {
          // The first poll asked for the calendar's sync once (400, an expected answer), then listed it.
          const i = labels.indexOf('REPORT{sync-coll-init}');
          assert.ok(i >= 0, labels.join(', '));
          assert.equal(h.responses()[i]!.status, 400);
          assert.equal(h.responses()[i]!.success, true);
          assert.equal(labels[i + 1], 'PROPFIND{calendar}');
          assert.equal(labels.filter((l) => l.startsWith('REPORT{sync-coll')).length, 1);
          assert.equal(s.syncRefused, true);
          assert.equal(s.syncSupported, false);
        }
        assert.deepEqual(h.notices(), [...(model === 'OS_X_10_6' ? [] : [NOTICE.wellKnown]), NOTICE.template, ...(syncs ? [NOTICE.sync] : [])]);
        if (model === 'OS_X_10_11') assert.equal(s.homeToken, EMPTY_TREE);
        h.mark();

        // Poll 1: nothing changed since, except perhaps the calendar's properties (the first
        // poll's PROPPATCHes, a git commit when they set something new): listed if so, never synced.
        const p1 = await pollLabels(h, 'poll 1');
        assert.ok(p1.every((l) => !l.startsWith('REPORT{sync-coll')), p1.join(', '));

        // Poll 2: someone added an event.
        const href = `${CALENDAR}xk-${model}-${runId}.ics`;
        assert.equal(await direct('PUT', href, tomorrowsEvent(`xk-${model}-${runId}`)), 201);
        assert.deepEqual(await pollLabels(h, 'poll 2'), changedPoll[model].added);
        assert.equal(s.events.has(href), model !== 'OS_X_10_11', `${model} knows ${href}`);

        // Poll 3: it was deleted.
        assert.equal(await direct('DELETE', href), 204);
        assert.deepEqual(await pollLabels(h, 'poll 3'), changedPoll[model].deleted);
        assert.equal(s.events.has(href), false);

        if (model === 'OS_X_10_11') assert.equal(s.homeToken, EMPTY_TREE, 'the home sync-token never moves');
        assert.equal(s.syncRefused, syncs);
        assert.deepEqual(h.notices(), [], 'no further notices');
        assertNoFailures(h, `${model} ${uid}`);
      });
    }

    it("a second client (10.7) sees an event's creation, change and deletion on its next polls", async () => {
      const { reader } = await writerSeenByReader(server, 'user05', `${CALENDAR}xw-${runId}.ics`, 204);
      // The reader, refused sync at startup, listed the calendar on each poll and never asked for its sync again.
      assert.ok(!reader.labels().some((l) => l.startsWith('REPORT{sync-coll')), reader.labels().join(', '));
      assert.equal(reader.labels().filter((l) => l === 'PROPFIND{calendar}').length, 3);
    });

    it('a 15 s run of 20 clients (10 users, OS X 10.7 and 10.11 each): no failed request, no client failure, PASS', async () => {
      const run = await simulate(server, { models: ['OS_X_10_7', 'OS_X_10_11'], users: 10, clientsPerUser: 2, seconds: 15, pollInterval: 5, seed: `xandikos-${runId}` });
      const doc = run.result.summary;
      assert.deepEqual(run.failures(), [], 'no failed request, operation or client');
      assert.equal(doc.clients, 20);
      assert.deepEqual(doc.clientFailures, {});
      assert.equal(Object.values(doc.requests).reduce((n, l) => n + l.failed, 0), 0, 'no failed request in the report');
      assert.equal(doc.operations.startup?.count, 20, 'every client started');
      assert.ok((doc.operations.poll?.count ?? 0) >= 20, `polls: ${doc.operations.poll?.count}`);
      // Every 10.7 and 10.11 client was refused calendar sync once, at its first poll.
      assert.equal(run.events.filter((e) => e.type === 'notice' && e.text === NOTICE.sync).length, 20);
      assert.equal(doc.requests['REPORT{sync-coll-init}']?.count, 20);
      assert.equal(doc.requests['REPORT{sync-coll}'], undefined);
      console.log('xandikos run', JSON.stringify({ responses: doc.events.responses, polls: doc.operations.poll?.count, labels: Object.fromEntries(Object.entries(doc.requests).map(([k, v]) => [k, v.count])) }));
      assert.equal(run.result.pass, true, `${run.result.reasons.join('\n')}\n${run.out.join('\n')}`);
      assert.equal(doc.verdict, 'PASS');
      assert.ok(run.out.some((l) => /\*\*\* PASS/.test(l)), run.out.join('\n'));
    });
  });
}
