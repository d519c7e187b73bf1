import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { VirtualClock } from '../../lib/core/clock.js';
import { readParams } from '../../lib/params/param-spec.js';
import { ParamReader } from '../../lib/params/params.js';
import { Problems, Scope, sourceFile } from '../../lib/params/problems.js';
import type { ResponseEvent, SimEvent } from '../../lib/core/events.js';
import { parseCalendarObject } from '../../lib/ical/calendar-object.js';
import { Random } from '../../lib/core/random.js';
import { createRegistry } from '../../lib/config/builtins.js';
import type { ProfileDefinition } from '../../lib/registry/definitions.js';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { asDateTime, buildEvent } from '../../profiles/ical-template.js';
import { Inviter2013 } from '../../profiles/inviter-2013.js';
import { closeHttp, ends, fixed, populationOf, simFor, until, type Sim } from './support.js';

/**
 * The 2013 Inviter (what a 2013 config's `Inviter` gets): one attendee added
 * to an existing event, seen on the wire against the testbed.
 */

let tb: Testbed;
before(async () => {
  tb = await startTestbed({ port: 0, users: 4 });
});
after(async () => {
  await closeHttp();
  await tb.close();
});

const registry = createRegistry();
const variant = registry.get<ProfileDefinition>('profile', 'Inviter')!.generations!['2013']!;

async function inviter2013(sim: Sim, clock: VirtualClock, raw: Record<string, unknown>) {
  const problems = new Problems();
  const params = await readParams(variant.params, new ParamReader(raw, new Scope(problems, sourceFile('test.plist'), 'params')), { registry, clock, cwd: process.cwd() });
  assert.equal(problems.hasErrors, false);
  const records = [...tb.store.users.values()].map((u) => u.record);
  return variant.create!({
    client: sim.client,
    userNumber: records.findIndex((r) => r.uid === sim.client.record.uid),
    params,
    clock,
    random: new Random('inviter-2013').derive(sim.client.record.uid),
    emit: (e) => sim.events.push(e),
    population: populationOf(records),
    generation: '2013',
  });
}

const tomorrow = () => asDateTime(new Date(Date.UTC(2026, 0, 6, 10, 0, 0)), 'start');
const responses = (events: SimEvent[]) => events.filter((e): e is ResponseEvent => e.type === 'response');
const calendar = (uid: string) => tb.store.users.get(uid)!.home.collections.get('calendar')!.resources;

describe('the 2013 Inviter', () => {
  it('is the variant registered under Inviter for 2013, with 2013 params', () => {
    assert.equal(variant.generation, '2013');
    assert.deepEqual(Object.keys(variant.params).sort(), ['enabled', 'inviteeDistribution', 'sendInvitationDistribution']);
  });

  it('adds one attendee to an existing event (lookups, then a PUT of that same URL), then, with no one left to add, reports an invite that sends nothing', async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 5, 9, 0, 0));
    const u1 = simFor(tb, 'OS_X_10_7', 'user01', clock);
    await u1.client.startup();
    const profile = await inviter2013(u1, clock, { sendInvitationDistribution: fixed(60), inviteeDistribution: fixed(1) });
    assert.ok(profile instanceof Inviter2013);
    profile.start();

    // No event yet: nothing to invite to, and nothing reported.
    clock.advance(60_000);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(u1.operations('invite').length, 0);

    // An event of the user's own, without ORGANIZER or attendees.
    const cal = [...u1.client.state.calendars.values()].find((c) => c.kind === 'calendar' && (c.components.length === 0 || c.components.includes('VEVENT')))!;
    const href = `${cal.href}existing-1.ics`;
    await u1.client.addEvent(href, buildEvent({ uid: 'existing-1', start: tomorrow(), durationSeconds: 3600, nowMs: clock.now(), rrule: null }));
    const before = calendar('user01').size;
    u1.events.splice(0);

    clock.advance(60_000);
    await until(() => ends(u1, 'invite').length === 1, 'invite');
    assert.equal(ends(u1, 'invite')[0]!.success, true);
    const wire = responses(u1.events);
    assert.deepEqual(wire.map((r) => r.label), ['REPORT{psearch}', 'POST{fb-small}', 'PUT{organizer-small}', 'GET{event}']);
    // The PUT replaced the existing event: same URL, no new resource (master's Inviter makes a new one).
    assert.equal(new URL(wire[2]!.url, tb.url).pathname, href);
    assert.equal(calendar('user01').size, before);
    const stored = parseCalendarObject([...calendar('user01').values()].find((r) => r.text.includes('existing-1'))!.text);
    assert.ok(stored.ok);
    assert.deepEqual(stored.object.attendees.map((a) => [a.address, a.partstat]), [
      ['mailto:user01@example.com', 'ACCEPTED'],
      ['mailto:user02@example.com', 'NEEDS-ACTION'],
    ]);
    assert.equal(tb.store.users.get('user02')!.home.collections.get('inbox')!.resources.size, 1, 'user02 got the invitation');

    // user02 is on the event now and the distribution only ever gives user02: ten draws find no one.
    // The original still reported the operation, successful, having sent nothing.
    u1.events.splice(0);
    clock.advance(60_000);
    await until(() => ends(u1, 'invite').length === 1, 'second invite');
    assert.equal(ends(u1, 'invite')[0]!.success, true);
    assert.deepEqual(responses(u1.events), []);
    profile.stop();
  });

  it('leaves events organized by someone else alone', async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 5, 9, 0, 0));
    const u3 = simFor(tb, 'OS_X_10_7', 'user03', clock);
    await u3.client.startup();
    const cal = [...u3.client.state.calendars.values()].find((c) => c.kind === 'calendar' && (c.components.length === 0 || c.components.includes('VEVENT')))!;
    const text = buildEvent({
      uid: 'theirs-1',
      start: tomorrow(),
      durationSeconds: 3600,
      nowMs: clock.now(),
      rrule: null,
      organizer: { address: 'mailto:user04@example.com', cn: 'User 04' },
      attendees: [{ address: 'mailto:user04@example.com', cn: 'User 04', partstat: 'ACCEPTED' }],
    });
    // Cached as if the client had fetched it: the profile only reads the cache.
    u3.client.state.events.set(`${cal.href}theirs-1.ics`, { etag: '"x"', data: text });
    const profile = await inviter2013(u3, clock, { sendInvitationDistribution: fixed(60), inviteeDistribution: fixed(-1) });
    u3.events.splice(0);
    profile.start();
    clock.advance(60_000);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(u3.operations('invite').length, 0);
    assert.deepEqual(responses(u3.events), []);
    profile.stop();
  });
});
