/**
 * The simulated Apple clients against a real Cyrus IMAP 3.6 CalDAV server
 * (Debian's `cyrus-caldav`), started by `.ci/run` (`../shared/servers/cyrus/start.sh`):
 * users user01…, password `password`, calendar user addresses
 * `mailto:userNN@example.com`, principals at `/dav/principals/user/userNN/`,
 * homes at `/dav/calendars/user/userNN/` with `Default`, `Inbox` and `Outbox`.
 * Cyrus schedules (RFC 6638): an organizer's PUT reaches the attendees.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import type { ModelName } from '../../lib/clients/models.js';
import { assertAnswers, assertNoFailures, closeHttp, ics, makeClient, realServer, runId, startupAndPolls, unfold, writerSeenByReader, type Harness } from './support.js';

const ENV = 'LOADSIM_CYRUS_URL';
const target = realServer(ENV, '/dav/principals/user/%s/', '.ci/run starts Cyrus');
const home = (uid: string) => `/dav/calendars/user/${uid}/`;

if (!('server' in target)) {
  test('simulated clients against Cyrus', (t) => {
    if ('fail' in target) assert.fail(target.fail);
    t.skip(target.skip);
  });
} else {
  const server = target.server;
  describe(`simulated clients against Cyrus (${server.url})`, { timeout: 180_000 }, () => {
    before(() => assertAnswers(server, ENV));
    after(() => closeHttp());

    const users: Record<ModelName, string> = { OS_X_10_7: 'user03', OS_X_10_11: 'user04', OS_X_10_6: 'user05', iOS_5: 'user06' };
    for (const [model, uid] of Object.entries(users) as [ModelName, string][]) {
      it(`${model}: startup and three polls, with no unexpected response`, async () => {
        const h = makeClient(server, model, uid);
        await startupAndPolls(h);
        const s = h.client.state;
        assert.equal(s.homeHref, home(uid));
        assert.equal(s.email, `mailto:${uid}@example.com`);
        assert.equal(s.inboxHref, `${home(uid)}Inbox/`);
        assert.equal(s.outboxHref, `${home(uid)}Outbox/`);
        assert.equal(s.calendars.get(`${home(uid)}Default/`)?.kind, 'calendar');
        assert.equal(s.calendars.get(`${home(uid)}Inbox/`)?.kind, 'inbox');
      });
    }

    /** The organizer invites the attendee; returns the hrefs the attendee's next poll fetched. */
    async function invite(org: Harness, att: Harness, eventUid: string): Promise<{ href: string; arrived: string[] }> {
      const o = org.client.record.uid;
      const a = att.client.record.uid;
      const href = `${home(o)}Default/${eventUid}.ics`;
      await org.client.addInvite(
        href,
        ics(eventUid, [
          `ORGANIZER;CN=User ${o.slice(-2)}:mailto:${o}@example.com`,
          `ATTENDEE;CN=User ${o.slice(-2)};PARTSTAT=ACCEPTED:mailto:${o}@example.com`,
          `ATTENDEE;CN=User ${a.slice(-2)};PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:${a}@example.com`,
        ], 'loadsim invitation'),
        { lookupPercentage: 100 },
      );
      const arrived: string[] = [];
      const off = att.client.onEventChanged((h) => arrived.push(h));
      assert.equal(await att.client.poll(), true);
      off();
      return { href, arrived };
    }

    it('an invitation from user01 reaches user02: its inbox and its calendar on its next poll; the reply reaches user01', async () => {
      const org = makeClient(server, 'OS_X_10_11', 'user01');
      const att = makeClient(server, 'OS_X_10_7', 'user02');
      await startupAndPolls(org, 0);
      await startupAndPolls(att, 0);
      org.mark();
      att.mark();
      const eventUid = `cy-${runId}`;
      const { href, arrived } = await invite(org, att, eventUid);
      // 10.11 looks the attendee up (calendarserver-principal-search: Cyrus answers 403, tolerated), asks free-busy, PUTs.
      assert.deepEqual(org.labels().slice(0, 3), ['REPORT{cpsearch}', 'POST{fb-small}', 'PUT{organizer-small}']);
      assert.ok(org.client.state.events.has(href));

      const kinds = (hrefs: string[]) => hrefs.map((h) => att.client.state.calendarOf(h)?.kind);
      assert.deepEqual(kinds(arrived).sort(), ['calendar', 'inbox'], `fetched: ${arrived.join(', ')}`);
      const inInbox = arrived.find((h) => h.startsWith(`${home('user02')}Inbox/`))!;
      const copyHref = arrived.find((h) => h.startsWith(`${home('user02')}Default/`))!;
      assert.match(unfold(att.client.state.events.get(inInbox)!.data!), new RegExp(`METHOD:REQUEST[\\s\\S]*UID:${eventUid}`));
      const copy = att.client.state.events.get(copyHref)!;
      assert.match(unfold(copy.data!), new RegExp(`UID:${eventUid}`));
      assert.match(unfold(copy.data!), /PARTSTAT=NEEDS-ACTION[^\r\n]*:mailto:user02@example\.com/);
      assert.ok(copy.scheduleTag, 'the attendee copy has a Schedule-Tag');

      // user02 accepts (If-Schedule-Tag-Match); user01's next poll brings its updated copy and the REPLY.
      const accepted = unfold(copy.data!).replace(/PARTSTAT=NEEDS-ACTION([^\r\n]*):mailto:user02@example\.com/, 'PARTSTAT=ACCEPTED$1:mailto:user02@example.com');
      assert.equal(await att.client.changeEventAttendee(copyHref, accepted), 204);
      const got: string[] = [];
      org.client.onEventChanged((h) => got.push(h));
      assert.equal(await org.client.poll(), true);
      assert.ok(got.includes(href), `organizer copy re-fetched: ${got.join(', ')}`);
      assert.match(unfold(org.client.state.events.get(href)!.data!), /PARTSTAT=ACCEPTED[^\r\n]*:mailto:user02@example\.com/);
      assert.ok(got.some((h) => h.startsWith(`${home('user01')}Inbox/`) && /METHOD:REPLY/.test(org.client.state.events.get(h)!.data!)), `REPLY in the organizer's inbox: ${got.join(', ')}`);
      assertNoFailures(org, 'organizer user01');
      assertNoFailures(att, 'attendee user02');
    });

    it('10.7 invites with principal-property-search (Cyrus: 400, tolerated); a 10.11 attendee sees it', async () => {
      const org = makeClient(server, 'OS_X_10_7', 'user07');
      const att = makeClient(server, 'OS_X_10_11', 'user08');
      await startupAndPolls(org, 0);
      await startupAndPolls(att, 0);
      org.mark();
      const { arrived } = await invite(org, att, `cy7-${runId}`);
      assert.deepEqual(org.labels().slice(0, 3), ['REPORT{psearch}', 'POST{fb-small}', 'PUT{organizer-small}']);
      assert.deepEqual(arrived.map((h) => att.client.state.calendarOf(h)?.kind).sort(), ['calendar', 'inbox'], `fetched: ${arrived.join(', ')}`);
      assertNoFailures(org, 'organizer user07');
      assertNoFailures(att, 'attendee user08');
    });

    it("a second client of the same user sees an event's creation, change and deletion on its next polls", async () => {
      await writerSeenByReader(server, 'user09', `${home('user09')}Default/cw-${runId}.ics`, 204);
    });
  });
}
