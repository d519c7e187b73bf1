import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import ICAL from 'ical.js';
import { VirtualClock } from '../../lib/core/clock.js';
import type { ResponseEvent, SimEvent } from '../../lib/core/events.js';
import { parseCalendarObject } from '../../lib/ical/calendar-object.js';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { closeHttp, ends, fixed, simFor, until } from './support.js';

let tb: Testbed;
before(async () => {
  tb = await startTestbed({ port: 0, users: 4 });
});
after(async () => {
  await closeHttp();
  await tb.close();
});

const labels = (events: SimEvent[]) => events.filter((e): e is ResponseEvent => e.type === 'response').map((e) => e.label);
const collection = (uid: string, name: string) => tb.store.users.get(uid)!.home.collections.get(name)!.resources;
const attendeesOf = (text: string) => {
  const r = parseCalendarObject(text);
  assert.ok(r.ok);
  return r.object.attendees.map((a) => [a.address, a.partstat]);
};

describe('invitations between two clients', () => {
  it('Inviter → Accepter → REPLY: user01 invites user02, user02 accepts, user01 sees ACCEPTED and deletes the reply', async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 5, 9, 0, 0));
    const u1 = simFor(tb, 'OS_X_10_11', 'user01', clock);
    const u2 = simFor(tb, 'OS_X_10_7', 'user02', clock);
    await Promise.all([u1.client.startup(), u2.client.startup()]);
    u1.events.splice(0);
    u2.events.splice(0);
    const inviter = await u1.profile('Inviter', {
      sendInvitationDistribution: fixed(60),
      inviteeDistribution: fixed(1),
      inviteeCountDistribution: fixed(1),
      inviteeLookupPercentage: 100,
      fileAttachPercentage: 0,
    });
    const accepter1 = await u1.profile('Accepter', { acceptDelayDistribution: fixed(30) });
    const accepter2 = await u2.profile('Accepter', { acceptDelayDistribution: fixed(30) });
    for (const p of [inviter, accepter1, accepter2]) p.start();

    // The invitation: lookups for the one invitee, then the organizer's PUT.
    clock.advance(60_000);
    await until(() => ends(u1, 'invite').length === 1, 'invite');
    assert.equal(ends(u1, 'invite')[0]!.success, true);
    assert.deepEqual(labels(u1.events), ['REPORT{cpsearch}', 'POST{fb-small}', 'PUT{organizer-small}']);
    const [organizerCopy] = collection('user01', 'calendar').values();
    assert.deepEqual(attendeesOf(organizerCopy!.text), [
      ['mailto:user01@example.com', 'ACCEPTED'],
      ['mailto:user02@example.com', 'NEEDS-ACTION'],
    ]);

    // user02's poll brings it; the accept waits for its delay, and a second notification meanwhile changes nothing.
    await u2.client.poll();
    const copyHref = [...u2.client.state.events.keys()].find((h) => h.includes('/user02/calendar/'))!;
    assert.ok(copyHref);
    await u2.client.updateEvent(copyHref);
    clock.advance(29_000);
    assert.equal(u2.operations('accept').length, 0);
    u2.events.splice(0);
    clock.advance(1_000);
    await until(() => ends(u2, 'accept').length === 1, 'accept');
    assert.equal(ends(u2, 'accept')[0]!.success, true);
    assert.equal(u2.operations('accept').length, 2, 'one accept: start and end');
    assert.deepEqual(labels(u2.events), ['PUT{attendee-small}', 'DELETE{event}']);
    assert.equal(collection('user02', 'inbox').size, 0, 'the invitation left the inbox');
    const attendeeCopy = collection('user02', 'calendar').get(copyHref.split('/').pop()!)!.text;
    assert.deepEqual(attendeesOf(attendeeCopy)[1], ['mailto:user02@example.com', 'ACCEPTED']);
    assert.doesNotMatch(attendeeCopy.replace(/\r\n[ \t]/g, ''), /ATTENDEE;[^\r\n]*RSVP=TRUE[^\r\n]*:mailto:user02/);

    // user01's poll brings its updated copy and the REPLY, deleted at once.
    u1.events.splice(0);
    await u1.client.poll();
    const organizerHref = [...u1.client.state.events.keys()].find((h) => h.includes('/user01/calendar/'))!;
    assert.deepEqual(attendeesOf(u1.client.state.events.get(organizerHref)!.data!)[1], ['mailto:user02@example.com', 'ACCEPTED']);
    assert.equal(collection('user01', 'inbox').size, 1);
    clock.advance(0);
    await until(() => ends(u1, 'reply done').length === 1, 'reply done');
    assert.equal(ends(u1, 'reply done')[0]!.success, true);
    assert.equal(collection('user01', 'inbox').size, 0);
    assert.equal(u1.operations('accept').length, 0, 'the organizer has nothing to accept');

    for (const p of [inviter, accepter1, accepter2]) p.stop();
  });

  it('a cancelled invitation: the CANCEL and the calendar copy are deleted after the delay', async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 5, 9, 0, 0));
    const u3 = simFor(tb, 'OS_X_10_7', 'user03', clock);
    const u4 = simFor(tb, 'OS_X_10_7', 'user04', clock);
    await Promise.all([u3.client.startup(), u4.client.startup()]);
    const inviter = await u3.profile('Inviter', { sendInvitationDistribution: fixed(10), inviteeDistribution: fixed(1), inviteeCountDistribution: fixed(1), inviteeLookupPercentage: 0, fileAttachPercentage: 0 });
    const accepter = await u4.profile('Accepter', { acceptDelayDistribution: fixed(1000) });
    inviter.start();
    accepter.start();
    clock.advance(10_000);
    await until(() => ends(u3, 'invite').length === 1, 'invite');
    inviter.stop();
    // The organizer deletes the event before user04 has seen it: the server sends a CANCEL
    // and marks user04's copy cancelled.
    const href = [...u3.client.state.events.keys()].find((h) => h.includes('/user03/calendar/'))!;
    await u3.client.deleteEvent(href);
    await u4.client.poll();
    assert.equal(collection('user04', 'inbox').size, 2, 'the REQUEST and the CANCEL');
    assert.equal(collection('user04', 'calendar').size, 1);
    clock.advance(999_000);
    assert.equal(u4.operations('cancelled').length, 0, 'not before the delay');
    clock.advance(1_000);
    await until(() => ends(u4, 'cancelled').length === 1, 'cancelled');
    assert.equal(ends(u4, 'cancelled')[0]!.success, true);
    assert.deepEqual(labels(u4.events).slice(-2), ['DELETE{event}', 'DELETE{event}']);
    assert.equal(collection('user04', 'calendar').size, 0, 'the cancelled copy is gone');
    assert.equal(collection('user04', 'inbox').size, 1, 'the CANCEL is gone (the REQUEST stays, as in the original)');
    assert.equal(u4.operations('accept').length, 0, 'a cancelled event is not accepted');
    accepter.stop();
  });

  it('Accepter: a 412 on the attendee PUT (the organizer moved the event) re-reads it and accepts again', async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 5, 9, 0, 0));
    const org = simFor(tb, 'OS_X_10_7', 'user02', clock, { seed: 'retry' });
    const att = simFor(tb, 'OS_X_10_7', 'user01', clock, { seed: 'retry' });
    await Promise.all([org.client.startup(), att.client.startup()]);
    const inviter = await org.profile('Inviter', { sendInvitationDistribution: fixed(10), inviteeDistribution: fixed(-1), inviteeCountDistribution: fixed(1), inviteeLookupPercentage: 0, fileAttachPercentage: 0 });
    const accepter = await att.profile('Accepter', { acceptDelayDistribution: fixed(5) });
    inviter.start();
    accepter.start();
    clock.advance(10_000);
    await until(() => ends(org, 'invite').length === 1, 'invite');
    inviter.stop();
    await att.client.poll();
    // The organizer moves the event an hour later before the accept: the attendee's Schedule-Tag changes.
    // (user02's calendar also holds the first test's invitation: take the one this inviter made.)
    const href = new URL(org.events.find((e): e is ResponseEvent => e.type === 'response' && e.label === 'PUT{organizer-small}')!.url).pathname;
    const vcal = new ICAL.Component(ICAL.parse(org.client.state.events.get(href)!.data!) as unknown[]);
    const vevent = vcal.getFirstSubcomponent('vevent')!;
    for (const name of ['dtstart', 'dtend']) {
      const t = (vevent.getFirstPropertyValue(name) as ICAL.Time).clone();
      t.addDuration(ICAL.Duration.fromSeconds(3600));
      vevent.updatePropertyWithValue(name, t);
    }
    vevent.updatePropertyWithValue('sequence', 3);
    assert.equal(await org.client.changeEvent(href, ICAL.stringify(vcal.toJSON() as unknown as Parameters<typeof ICAL.stringify>[0])), 204);
    att.events.splice(0);
    clock.advance(5_000);
    await until(() => ends(att, 'accept').length === 1, 'accept');
    accepter.stop();
    assert.equal(ends(att, 'accept')[0]!.success, true);
    const responses = att.events.filter((e): e is ResponseEvent => e.type === 'response');
    assert.deepEqual(
      responses.map((r) => [r.label, r.status]),
      [
        ['PUT{attendee-small}', 412],
        ['GET{event}', 200],
        ['PUT{attendee-small}', 204],
        ['DELETE{event}', 204],
      ],
    );
  });

  it('RealisticInviter abandons an invitation it cannot fill: failed "Cannot add attendee" and a sim-failure', async () => {
    const clock = new VirtualClock();
    const record = tb.store.users.get('user01')!.record;
    // A population of one: every draw is the inviter itself.
    // Another seed than the first test's: the same seed would make the same UIDs, and a PUT on an existing href.
    const sim = simFor(tb, 'OS_X_10_7', 'user01', clock, { records: [record], seed: 'alone' });
    await sim.client.startup();
    sim.events.splice(0);
    const params = { sendInvitationDistribution: fixed(60), inviteeDistribution: fixed(0), inviteeCountDistribution: fixed(2) };
    const realistic = await sim.profile('RealisticInviter', params);
    realistic.start();
    clock.advance(60_000);
    realistic.stop();
    assert.deepEqual(
      sim.events.map((e) => [e.type, e.type === 'operation' ? `${e.phase} ${e.label}` : '', 'reason' in e ? e.reason : '']),
      [
        ['operation', 'failed invite', 'Cannot add attendee'],
        ['sim-failure', '', 'invite: Cannot add attendee'],
      ],
    );

    // The master Inviter skips instead: the invitation goes out with the organizer alone.
    sim.events.splice(0);
    const inviter = await sim.profile('Inviter', { ...params, fileAttachPercentage: 0 });
    inviter.start();
    clock.advance(60_000);
    await until(() => ends(sim, 'invite').length === 1, 'invite');
    inviter.stop();
    assert.equal(ends(sim, 'invite')[0]!.success, true);
    assert.deepEqual(labels(sim.events), ['PUT{organizer-small}']);
    assert.ok(!sim.events.some((e) => e.type === 'sim-failure'));
  });

  it('the master Inviter goes on to the next invitee after one it cannot find', async () => {
    const clock = new VirtualClock();
    const sim = simFor(tb, 'OS_X_10_11', 'user03', clock, { seed: 'next-invitee' });
    await sim.client.startup();
    sim.events.splice(0);
    // Two invitees: the first ten draws are beyond the last user (not found), the eleventh is user02.
    const inviteeDistribution = { type: 'UniformDiscreteDistribution', params: { values: [...Array(10).fill(99), 1], randomize: false } };
    const inviter = await sim.profile('Inviter', {
      sendInvitationDistribution: fixed(60), inviteeDistribution, inviteeClumping: false, inviteeCountDistribution: fixed(2), inviteeLookupPercentage: 0, fileAttachPercentage: 0,
    });
    inviter.start();
    clock.advance(60_000);
    await until(() => ends(sim, 'invite').length === 1, 'invite');
    inviter.stop();
    assert.equal(ends(sim, 'invite')[0]!.success, true);
    const put = sim.events.find((e): e is ResponseEvent => e.type === 'response' && e.label.startsWith('PUT{organizer'))!;
    const stored = sim.client.state.events.get(new URL(put.url).pathname)!.data!;
    assert.deepEqual(attendeesOf(stored).map(([a]) => a), ['mailto:user03@example.com', 'mailto:user02@example.com']);
  });
});
