import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { VirtualClock } from '../../lib/core/clock.js';
import type { ResponseEvent } from '../../lib/core/events.js';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { closeHttp, simFor, until } from './support.js';

const testbeds: Testbed[] = [];
after(async () => {
  await closeHttp();
  await Promise.all(testbeds.map((t) => t.close()));
});

/**
 * One user with an Eventer and an Inviter (default invitee choice) for one
 * virtual minute on a fresh testbed; what each profile did, in order.
 */
async function run(seed: string) {
  const tb = await startTestbed({ port: 0, users: 6 });
  testbeds.push(tb);
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 9, 0, 0));
  const sim = simFor(tb, 'OS_X_10_7', 'user03', clock, { seed });
  await sim.client.startup();
  sim.events.splice(0);
  const profiles = [
    await sim.profile('Eventer', { interval: 10 }),
    await sim.profile('Inviter', { sendInvitationDistribution: { type: 'UniformIntegerDistribution', params: { min: 5, max: 20 } } }),
  ];
  for (const p of profiles) p.start();
  const inFlight = () => sim.operations().filter((e) => e.phase === 'start').length - sim.operations().filter((e) => e.phase !== 'start').length;
  for (let t = 0; t < 60; t++) {
    clock.advance(1_000);
    await until(() => inFlight() === 0, 'operations to finish');
  }
  for (const p of profiles) p.stop();
  // Per profile: its operations with their times, and the resources it wrote (the UIDs).
  const ops = (label: string) => sim.operations(label).map((e) => `${e.phase}@${e.at}${e.success === false ? ' failed' : ''}`);
  const puts = (prefix: string) =>
    sim.events.filter((e): e is ResponseEvent => e.type === 'response' && e.method === 'PUT' && e.label.startsWith(prefix)).map((e) => `${e.label} ${new URL(e.url).pathname}`);
  return { create: ops('create'), invite: ops('invite'), events: puts('PUT{event}'), invitations: puts('PUT{organizer') };
}

describe('replay', () => {
  it('the same seed gives the same operations at the same times, with the same UIDs; another seed does not', async () => {
    const a = await run('seed-1');
    const b = await run('seed-1');
    const c = await run('seed-2');
    assert.ok(a.create.length >= 10 && a.invite.length >= 6, `${a.create.length} creates, ${a.invite.length} invites`);
    assert.equal(a.events.length, a.create.length / 2);
    assert.deepEqual(b, a);
    assert.notDeepEqual(c.events, a.events);
    assert.notDeepEqual(c.invite, a.invite);
  });
});
