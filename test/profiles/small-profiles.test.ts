import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DateTime } from 'luxon';
import { VirtualClock } from '../../lib/core/clock.js';
import type { ResponseEvent } from '../../lib/core/events.js';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { MinuteEdge } from '../../profiles/alarm-acknowledger.js';
import { normalizeAttachmentHref } from '../../profiles/attachment-downloader.js';
import type { APNSSubscriber } from '../../profiles/apns-subscriber.js';
import { apnsSubscriptionsOf } from '../../lib/testbed/apns.js';
import { buildEvent } from '../../profiles/ical-template.js';
import { closeHttp, ends, fixed, simFor, until, type Sim } from './support.js';

let tb: Testbed;
before(async () => {
  tb = await startTestbed({ port: 0, users: 12 });
});
after(async () => {
  await closeHttp();
  await tb.close();
});

const EPOCH = Date.UTC(2026, 0, 5, 9, 0, 0);
const labels = (sim: Sim) => sim.events.filter((e): e is ResponseEvent => e.type === 'response').map((e) => e.label);
const serverText = (uid: string, name: string) => [...tb.store.users.get(uid)!.home.collections.get(name)!.resources.values()].map((r) => r.text.replace(/\r\n[ \t]/g, ''));

/** A started client of `uid` with `n` plain events of its own. */
async function userWithEvents(uid: string, n: number, clock = new VirtualClock(EPOCH)) {
  const sim = simFor(tb, 'OS_X_10_7', uid, clock);
  await sim.client.startup();
  for (let i = 0; i < n; i++) {
    const href = `/calendars/users/${uid}/calendar/seed-${i}.ics`;
    await sim.client.addEvent(href, buildEvent({ uid: `seed-${uid}-${i}`, start: DateTime.fromMillis(EPOCH + 86_400_000, { zone: 'utc' }), durationSeconds: 3600, nowMs: EPOCH }));
  }
  sim.events.splice(0);
  return { sim, clock };
}

/** Advance virtual time in steps, letting each step's requests finish, until `predicate`. */
async function runUntil(clock: VirtualClock, stepMs: number, predicate: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !predicate(); i++) {
    clock.advance(stepMs);
    await new Promise((r) => setTimeout(r, 1));
  }
  await until(predicate, what);
}

describe('the smaller profiles against the testbed', () => {
  it('TitleChanger and DescriptionChanger: PUT{update} as operation update', async () => {
    const { sim, clock } = await userWithEvents('user01', 1);
    const title = await sim.profile('TitleChanger', { interval: 10, titleLengthDistribution: fixed(10) });
    title.start();
    await runUntil(clock, 1000, () => ends(sim, 'update').length === 1, 'title update');
    title.stop();
    const description = await sim.profile('DescriptionChanger', { interval: 10, descriptionLengthDistribution: fixed(3) });
    description.start();
    await runUntil(clock, 1000, () => ends(sim, 'update').length === 2, 'description update');
    description.stop();
    assert.deepEqual(labels(sim), ['PUT{update}', 'PUT{update}']);
    assert.ok(ends(sim, 'update').every((e) => e.success));
    const [text] = serverText('user01', 'calendar');
    assert.match(text!, /\r\nSUMMARY:Event\.\.\.\.\.\r\n/);
    assert.match(text!, /\r\nDESCRIPTION:\.\.\.\r\n/);
  });

  it('EventCountLimiter deletes random events down to the limit', async () => {
    const { sim, clock } = await userWithEvents('user02', 3);
    const limiter = await sim.profile('EventCountLimiter', { interval: 60, eventCountLimit: 1 });
    limiter.start();
    await runUntil(clock, 5000, () => labels(sim).length === 2, 'deletes');
    limiter.stop();
    assert.deepEqual(labels(sim), ['DELETE{event}', 'DELETE{event}']);
    assert.equal(serverText('user02', 'calendar').length, 1);
  });

  it('Attacher uploads; another client of the same user downloads it once (AttachmentDownloader)', async () => {
    const { sim, clock } = await userWithEvents('user03', 1);
    const attacher = await sim.profile('Attacher', { interval: 10, fileSizeDistribution: fixed(100) });
    attacher.start();
    await runUntil(clock, 1000, () => labels(sim).length === 2, 'attachment');
    attacher.stop();
    assert.deepEqual(labels(sim), ['POST{attachment}', 'GET{event}']);

    const other = simFor(tb, 'OS_X_10_11', 'user03', clock);
    const downloader = await other.profile('AttachmentDownloader');
    await other.client.startup(); // the first poll fetches the event with its ATTACH
    downloader.start();
    await other.client.updateEvent('/calendars/users/user03/calendar/seed-0.ics');
    await other.client.updateEvent('/calendars/users/user03/calendar/seed-0.ics');
    await runUntil(clock, 0, () => ends(other, 'download').length === 1, 'download');
    downloader.stop();
    assert.equal(other.events.filter((e) => e.type === 'response' && e.label === 'GET{attachment}').length, 1, 'once per MANAGED-ID');
    assert.ok(ends(other, 'download')[0]!.success);
  });

  it('normalizes attachment URLs to the managed-attachments server', () => {
    assert.equal(normalizeAttachmentHref('http://otherserver/attachment/url', 'https://thisserver:8443'), 'https://thisserver:8443/attachment/url');
    assert.equal(normalizeAttachmentHref('http://otherserver/attachment/url?x=1', ''), '/attachment/url?x=1');
  });

  it('TimeRanger, DeepRefresher, APNSSubscriber: their requests every interval', async () => {
    const { sim, clock } = await userWithEvents('user04', 0);
    const profiles = await Promise.all([
      sim.profile('TimeRanger', { interval: 10 }),
      sim.profile('DeepRefresher', { interval: 10 }),
      sim.profile('APNSSubscriber', { interval: 10 }),
    ]);
    for (const p of profiles) p.start();
    const count = (label: string) => labels(sim).filter((l) => l === label).length;
    await runUntil(clock, 1000, () => ['POST{apns}', 'REPORT{calendar-query}', 'PROPFIND{home}'].every((l) => count(l) >= 2), 'two rounds');
    for (const p of profiles) p.stop();
    // The first deep refresh PROPFINDed every calendar the home lists (calendar, tasks, inbox).
    assert.ok(count('PROPFIND{calendar}') >= 3);
    assert.ok(sim.events.every((e) => e.type !== 'response' || e.success));
  });

  it('APNSSubscriber posts the same device token every time (a device re-registering), drawn from its seed', async () => {
    const { sim, clock } = await userWithEvents('user09', 0);
    const subscriber = await sim.profile('APNSSubscriber', { interval: 10 });
    const again = await sim.profile('APNSSubscriber', { interval: 10 });
    const other = await sim.profile('APNSSubscriber', { interval: 10 }, 'another seed');
    const token = (subscriber as APNSSubscriber).deviceToken;
    assert.match(token, /^([0-9a-f]{32})\1$/, "one UUID's 32 hex digits twice");
    assert.equal((again as APNSSubscriber).deviceToken, token, 'the same seed, the same token');
    assert.notEqual((other as APNSSubscriber).deviceToken, token);
    subscriber.start();
    const posts = () => labels(sim).filter((l) => l === 'POST{apns}').length;
    await runUntil(clock, 1000, () => posts() >= 3, 'three posts');
    subscriber.stop();
    // The testbed keeps one subscription per token and key: three posts, one subscription, with the profile's token.
    const mine = [...apnsSubscriptionsOf(tb.store).values()].filter((x) => x.uid === 'user09');
    assert.deepEqual(mine.map((x) => x.token), [token]);
  });

  it('CalendarSharer shares with another user, up to maxSharees', async () => {
    const { sim, clock } = await userWithEvents('user05', 0);
    const sharer = await sim.profile('CalendarSharer', { interval: 10, maxSharees: 1 });
    sharer.start();
    await runUntil(clock, 1000, () => labels(sim).length === 1, 'share');
    clock.advance(60_000);
    await new Promise((r) => setTimeout(r, 20));
    sharer.stop();
    assert.deepEqual(labels(sim), ['POST{share-calendar}']);
    assert.ok((sim.events.find((e) => e.type === 'response') as ResponseEvent).success);
  });

  it('Resetter: principal details and search property set again, then an ordinary poll that refetches every event', async () => {
    const { sim, clock } = await userWithEvents('user06', 2);
    const resetter = await sim.profile('Resetter', { interval: 600 });
    resetter.start();
    await runUntil(clock, 10_000, () => ends(sim, 'poll').length === 1, 'reset');
    resetter.stop();
    // No discovery, no first-start PROPPATCHes or expand: master's reset.
    assert.deepEqual(labels(sim).slice(0, 3), ['PROPFIND{principal}', 'REPORT{pset}', 'PROPFIND{home}']);
    assert.ok(!labels(sim).some((l) => /well-known|PROPPATCH|expand/.test(l)), labels(sim).join());
    assert.ok(labels(sim).includes('REPORT{multiget-small}'));
    assert.equal(sim.client.state.eventsIn('/calendars/users/user06/calendar/').length, 2);
    assert.ok(ends(sim, 'poll')[0]!.success);
    assert.equal(ends(sim, 'startup').length, 0);
  });

  it('AlarmAcknowledger: edge-triggered minutes (the original test sequence)', () => {
    const edge = new MinuteEdge([0, 15, 30, 45]);
    const seq: [number, boolean][] = [[0, true], [0, false], [1, false], [1, false], [14, false], [15, true], [15, false], [16, false], [30, true], [30, false], [59, false], [0, true], [0, false]];
    assert.deepEqual(
      seq.map(([m]) => edge.shouldUpdate(m)),
      seq.map(([, v]) => v),
    );
  });

  it('AlarmAcknowledger creates its event at the first minute, acknowledges it at the next', async () => {
    const { sim, clock } = await userWithEvents('user07', 0);
    const acknowledger = await sim.profile('AlarmAcknowledger', { interval: 5, pastTheHour: [0, 1] });
    acknowledger.start();
    await runUntil(clock, 1000, () => ends(sim, 'create').length === 1, 'create');
    await runUntil(clock, 1000, () => ends(sim, 'update').length === 1, 'update');
    acknowledger.stop();
    assert.ok(clock.now() >= EPOCH + 60_000, 'the update waited for minute 1');
    assert.deepEqual(labels(sim), ['PUT{event}', 'PUT{update}']);
    const [text] = serverText('user07', 'calendar');
    assert.match(text!, /BEGIN:VALARM\r\n[\s\S]*TRIGGER:-PT8M[\s\S]*ACKNOWLEDGED:20260105T0901\d\dZ\r\n/);
  });

  it('DistanceInviter adds one attendee to an event of its own', async () => {
    const { sim, clock } = await userWithEvents('user08', 1);
    const inviter = await sim.profile('DistanceInviter', { sendInvitationDistribution: fixed(10), inviteeDistanceDistribution: fixed(1) });
    inviter.start();
    await runUntil(clock, 1000, () => ends(sim, 'invite').length === 1, 'invite');
    inviter.stop();
    assert.ok(ends(sim, 'invite')[0]!.success);
    // Tested as a 2013 client (10.7), which re-reads the event after this PUT (GET{event}).
    assert.deepEqual(labels(sim), ['REPORT{psearch}', 'POST{fb-small}', 'PUT{organizer-small}', 'GET{event}']);
    const [text] = serverText('user08', 'calendar');
    assert.match(text!, /ORGANIZER[^\r\n]*:mailto:user08@example\.com/);
    assert.match(text!, /ATTENDEE[^\r\n]*PARTSTAT=NEEDS-ACTION[^\r\n]*:mailto:user09@example\.com/);
  });
});
