/**
 * The simulated Apple clients against a real Radicale 3.1 (Debian's `radicale`),
 * started by `.ci/run` (`../shared/servers/radicale/start.sh`): users user01…,
 * password `password`, principals and homes at `/userNN/`, one calendar
 * `/userNN/calendar/`. Radicale does no scheduling (no inbox, outbox or
 * mailto: address), no notifications and no sync-collection on the home, so
 * the clients run without them (docs/client-models.md, "Real servers").
 */

import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import type { ModelName } from '../../lib/clients/models.js';
import { assertAnswers, closeHttp, makeClient, realServer, runId, startupAndPolls, writerSeenByReader } from './support.js';

const ENV = 'LOADSIM_RADICALE_URL';
const target = realServer(ENV, '/%s/', '.ci/run starts Radicale');

if (!('server' in target)) {
  test('simulated clients against Radicale', (t) => {
    if ('fail' in target) assert.fail(target.fail);
    t.skip(target.skip);
  });
} else {
  const server = target.server;
  describe(`simulated clients against Radicale (${server.url})`, { timeout: 180_000 }, () => {
    before(() => assertAnswers(server, ENV));
    after(() => closeHttp());

    const users: Record<ModelName, string> = { OS_X_10_7: 'user01', OS_X_10_11: 'user02', OS_X_10_6: 'user03', iOS_5: 'user04' };
    for (const [model, uid] of Object.entries(users) as [ModelName, string][]) {
      it(`${model}: startup and three polls, with no unexpected response`, async () => {
        const h = makeClient(server, model, uid);
        await startupAndPolls(h);
        const s = h.client.state;
        assert.equal(s.homeHref, `/${uid}/`);
        assert.ok(s.calendars.has(`/${uid}/calendar/`), `calendars: ${[...s.calendars.keys()].join(', ')}`);
        // No scheduling on Radicale: the client carries on without an inbox, an outbox or a mailto: address.
        assert.equal(s.inboxHref, '');
        assert.equal(s.email, '');
      });
    }

    it("a second client of the same user sees an event's creation, change and deletion on its next polls", async () => {
      // Radicale answers 201 to a PUT that replaces a resource.
      await writerSeenByReader(server, 'user05', `/user05/calendar/rs-${runId}.ics`, 201);
    });
  });
}
