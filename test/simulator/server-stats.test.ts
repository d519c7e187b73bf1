import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { VirtualClock } from '../../lib/core/clock.js';
import { readServerStats, readingFrom } from '../../lib/simulator/server-stats-reader.js';
import { startTestbed } from '../../lib/testbed/server.js';
import { PROPFIND, http } from '../testbed/support.js';

describe('reading the server stats socket', () => {
  for (const legacy of [false, true]) {
    it(`${legacy ? 'the 2013 document at connect' : 'the line protocol'}: the 5-minute figures by the original's formulas`, async () => {
      const clock = new VirtualClock(Date.UTC(2026, 10, 25, 12, 0, 0));
      const tb = await startTestbed({ port: 0, users: 2, statsPort: 0, statsLegacy: legacy, clock });
      try {
        for (let i = 0; i < 30; i++) await http(tb.url, 'PROPFIND', '/principals/users/user01/', { headers: { Depth: '0' }, body: PROPFIND('<D:displayname/>') });
        clock.advance(60_000);
        const r = await readServerStats('127.0.0.1', tb.statsPort!);
        assert.ok(!('error' in r), JSON.stringify(r));
        assert.equal(r.requestsPerSecond, 30 / 300);
        assert.ok(r.responseMs >= 0 && r.slots >= 0 && r.cpuPercent >= 0);
      } finally {
        await tb.close();
      }
    });
  }

  it('a refused port, garbage, silence: a message, never an exception', async () => {
    const refused = await readServerStats('127.0.0.1', 1);
    assert.ok('error' in refused && /unable to read statistics/.test(refused.error));
    const garbage = createServer((s) => s.end('this is not json\n'));
    await new Promise<void>((r) => garbage.listen(0, '127.0.0.1', r));
    const g = await readServerStats('127.0.0.1', (garbage.address() as AddressInfo).port);
    assert.ok('error' in g && /unable to parse/.test(g.error));
    garbage.close();
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const s = await readServerStats('127.0.0.1', (silent.address() as AddressInfo).port, { timeoutMs: 200 });
    assert.ok('error' in s && /within 0.2 s/.test(s.error));
    silent.close();
  });

  it('zero requests give zeros, not NaN (safeDivision)', () => {
    assert.deepEqual(readingFrom({ stats: { '5m': { requests: 0, t: 0, slots: 0, cpu: 0 } } }), { requestsPerSecond: 0, responseMs: 0, slots: 0, cpuPercent: 0 });
    assert.deepEqual(readingFrom({ '5 Minutes': { requests: 600, t: 1200, slots: 60, cpu: 3000 } }), { requestsPerSecond: 2, responseMs: 2, slots: 0.1, cpuPercent: 5 });
  });
});
