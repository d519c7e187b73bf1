/**
 * Acceptance point 1 of the profiles issue: master's standard-configs/constant-invites.plist,
 * unmodified, as the clients file; 20 users (three clients each, so every user has its `main`
 * client and two `idle` ones) for 120 simulated seconds under ScaledClock(4) against the embedded
 * testbed. What the server stored is compared with the operations the clients reported.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { StoredResource } from '../../lib/testbed/store.js';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { needsReference } from '../helpers/reference.js';
import { loadWith, masterFile, observers, runScaled, tempDir, unfold } from './support.js';

const USERS = 20;
let tb: Testbed;
let dir: string;
/** Every scheduling message the server put into an inbox, by iTIP method. */
const delivered = { REQUEST: 0, REPLY: 0, CANCEL: 0, other: 0 };

before(async () => {
  tb = await startTestbed({ port: 0, users: USERS, statsPort: 0 });
  dir = tempDir();
  // Server side: count each delivery as the scheduler stores it (the Accepter deletes REPLYs at once).
  for (const user of tb.store.users.values()) {
    const inbox = user.home.inbox;
    const put = inbox.put.bind(inbox);
    inbox.put = (r: StoredResource) => {
      const m = /method=(\w+)/i.exec(r.contentType)?.[1]?.toUpperCase() ?? 'other';
      delivered[(m in delivered ? m : 'other') as keyof typeof delivered]++;
      put(r);
    };
  }
});
after(async () => {
  await tb.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('constant-invites.plist against the testbed', { timeout: 90_000 }, () => {
  it('120 simulated s: invitations delivered, accepted and replied on the server match the invite/accept operations; PASS', needsReference(), async () => {
    const config = await loadWith(
      dir,
      {
        servers: { PodA: { enabled: true, uri: tb.url, stats: { enabled: true, Port: tb.statsPort } } },
        accounts: { loader: 'generateRecords', params: { count: USERS, uidPattern: 'user%02d', passwordPattern: 'user%02d', emailPattern: 'user%02d@example.com' } },
        // 4 groups of 5 users, 5 s apart: all 20 users by 15 s.
        arrival: { factory: 'SmoothRampUp', params: { groups: 4, groupSize: 5, interval: 5, clientsPerUser: 3 } },
        observers,
      },
      masterFile('standard-configs/constant-invites.plist'),
    );
    const run = await runScaled(config, 4, 120, 'constant-invites');

    // Server side, from the store.
    let organizerCopies = 0;
    let attendeeCopies = 0;
    let accepted = 0;
    for (const user of tb.store.users.values()) {
      const self = `mailto:${user.uid}@example.com`.toLowerCase();
      for (const c of user.home.collections.values()) {
        if (c.kind !== 'calendar') continue;
        for (const r of c.resources.values()) {
          const text = unfold(r.text);
          const organizer = /^ORGANIZER[^:\r\n]*:(.*)$/m.exec(text)?.[1]?.trim().toLowerCase();
          if (!organizer) continue;
          if (organizer === self) organizerCopies++;
          else {
            attendeeCopies++;
            const mine = text.split('\r\n').find((l) => /^ATTENDEE/.test(l) && l.toLowerCase().endsWith(`:${self}`));
            if (mine && /PARTSTAT=ACCEPTED/i.test(mine)) accepted++;
          }
        }
      }
    }
    const inboxLeft = [...tb.store.users.values()].reduce((n, u) => n + u.home.inbox.resources.size, 0);

    // Client side, from the events.
    const inviteStart = run.ops('invite', 'start');
    const inviteOk = run.ops('invite', 'end', true);
    const acceptStart = run.ops('accept', 'start');
    const acceptOk = run.ops('accept', 'end', true);
    const attendeePuts = run.responses.filter((r) => r.label.startsWith('PUT{attendee') && r.success).length;
    const replyDone = run.ops('reply done', 'end', true);
    const counts = {
      realSeconds: +run.realSeconds.toFixed(1),
      clients: run.result.summary.clients,
      inviteStart, inviteOk, acceptStart, acceptOk, attendeePuts, replyDone,
      organizerCopies, attendeeCopies, accepted, delivered: { ...delivered }, inboxLeft,
      requests: run.responses.length,
    };
    console.log('constant-invites counts', JSON.stringify(counts));

    assert.deepEqual(run.failures(), [], 'no unexpected failures');
    assert.equal(run.result.pass, true, run.result.reasons.join('\n'));
    assert.equal(run.result.endedBy, 'runtime');
    assert.ok(run.out.some((l) => /\*\*\* PASS/.test(l)));
    assert.equal(run.result.summary.clients, USERS * 3);

    // Invitations: each successful invite stored one organizer copy; an invite in flight at the end may have too.
    assert.ok(inviteOk >= 10, `invites: ${inviteOk}`);
    assert.ok(organizerCopies >= inviteOk && organizerCopies <= inviteStart, `organizer copies ${organizerCopies} vs invite ops ${inviteOk}..${inviteStart}`);
    // Each delivered REQUEST came with an attendee copy (no re-invitations in this mix), nothing was cancelled.
    assert.equal(delivered.REQUEST, attendeeCopies);
    assert.equal(delivered.CANCEL, 0);
    assert.equal(delivered.other, 0);
    assert.ok(delivered.REQUEST >= inviteOk, `REQUESTs delivered ${delivered.REQUEST} for ${inviteOk} invites`);
    // Accepts: every attendee PUT accepted a copy, and the server sent one REPLY for each.
    assert.ok(acceptOk >= 10, `accepts: ${acceptOk}`);
    assert.ok(accepted >= acceptOk && accepted <= acceptStart, `accepted copies ${accepted} vs accept ops ${acceptOk}..${acceptStart}`);
    assert.equal(delivered.REPLY, accepted, 'one REPLY per accepted copy');
    assert.ok(attendeePuts >= acceptOk && attendeePuts <= acceptStart);
    assert.ok(accepted <= attendeeCopies);
    // The organizers' Accepters delete REPLYs as their polls bring them (accepts come late in a
    // 120 s run: invite, a 30 s poll, a 30 s accept delay); what the inboxes still hold is the
    // unaccepted REQUESTs and the unhandled REPLYs, give or take deletes in flight at the end.
    assert.ok(replyDone <= delivered.REPLY);
    const inFlight = acceptStart - acceptOk + run.ops('reply done', 'start') - replyDone;
    const expectedLeft = delivered.REQUEST - acceptOk + delivered.REPLY - replyDone;
    assert.ok(Math.abs(inboxLeft - expectedLeft) <= inFlight, `inbox items left ${inboxLeft}, expected ${expectedLeft} ± ${inFlight}`);
  });
});
