import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import path from 'node:path';
import { describe, it } from 'node:test';
import { VirtualClock } from '../../lib/core/clock.js';
import { startTestbed } from '../../lib/testbed/server.js';
import { REPO } from '../helpers/reference.js';
import { PROPFIND, http } from './support.js';

/** One exchange on the stats socket: send `line` (if any), read until the server closes or a line arrives. */
function statsExchange(port: number, line?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let data = '';
    s.setEncoding('utf8');
    s.on('connect', () => line !== undefined && s.write(line));
    s.on('data', (d) => {
      data += d;
      if (line !== undefined && data.endsWith('\n')) s.end();
    });
    s.on('close', () => resolve(data));
    s.on('error', reject);
  });
}

describe('stats socket on the testbed', () => {
  it('5m.requests equals the requests sent in that window (dashboard protocol)', async () => {
    const clock = new VirtualClock(Date.UTC(2026, 10, 25, 12, 0, 0));
    const tb = await startTestbed({ port: 0, users: 3, statsPort: 0, clock });
    try {
      const sent = 37;
      for (let i = 0; i < sent; i++) await http(tb.url, 'PROPFIND', '/principals/users/user01/', { headers: { Depth: '0' }, body: PROPFIND('<D:displayname/>') });
      await http(tb.url, 'PROPFIND', '/calendars/users/user02/', { user: 'user01', headers: { Depth: '0' } }); // a 403
      clock.advance(60_000);
      const answer = JSON.parse(await statsExchange(tb.statsPort!, '["stats"]\r\n')) as { stats: Record<string, Record<string, unknown>> };
      const w5 = answer.stats['5m']!;
      assert.equal(w5.requests, sent + 1);
      assert.deepEqual(w5.method, { PROPFIND: sent + 1 });
      assert.equal((answer.stats['1m']!).requests, sent + 1);
      assert.equal((answer.stats.current!).requests, 0);
      assert.ok(typeof w5.t === 'number' && w5.t >= 0);
      assert.ok('system' in answer.stats);
    } finally {
      await tb.close();
    }
  });

  it('legacy mode writes the 2013 document at connect and closes', async () => {
    const tb = await startTestbed({ port: 0, users: 2, statsPort: 0, statsLegacy: true });
    try {
      await http(tb.url, 'PROPFIND', '/', { headers: { Depth: '0' } });
      const doc = JSON.parse(await statsExchange(tb.statsPort!)) as Record<string, unknown>;
      for (const k of ['System', 'Current', '1 Minute', '5 Minutes', '1 Hour']) assert.ok(k in doc, k);
    } finally {
      await tb.close();
    }
  });
});

describe('loadsim serve', () => {
  it('starts 50 users in under a second of CPU, answers a principal PROPFIND with 207, and stops cleanly on SIGTERM', async (t) => {
    const started = performance.now();
    const child = spawn(process.execPath, [path.join(REPO, 'dist/lib/cli/main.js'), 'serve', '--users', '50', '--port', '0', '--stats-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    // A failed assertion must not leave the server running (the test file would never end).
    t.after(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    const ready = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (d: string) => {
        out += d;
        if (/^ready$/m.test(out)) resolve(performance.now() - started);
      });
      child.on('exit', (code) => reject(new Error(`exited ${code} before ready: ${out}`)));
    });
    // The CPU the server spent starting (its own figure) is the bound: the wall time to `ready`
    // also counts waiting for a busy machine's cores, which says nothing about the server.
    const cpuMs = Number(/startup: \d+ ms, (\d+) ms of CPU/.exec(out)?.[1]);
    assert.ok(cpuMs < 1000, `startup took ${cpuMs} ms of CPU (ready after ${ready.toFixed(0)} ms wall)`);
    const url = /CalDAV on (http:\/\/[^/\s]+)\//.exec(out)![1]!;
    assert.match(out, /users: 50 \(user01…user50\)/);
    const r = await http(url, 'PROPFIND', '/principals/users/user50/', { user: 'user50', headers: { Depth: '0' }, body: PROPFIND('<D:displayname/>') });
    assert.equal(r.status, 207);
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exit, 0);
    assert.match(out, /stopped/);
  });

  it('refuses bad flags with exit 2', async () => {
    const { runCli } = await import('../helpers/cli.js');
    for (const args of [['serve', '--port', 'x'], ['serve', '--users', '0'], ['serve', '--users', '3', '--accounts', 'a.csv'], ['serve', '--config', 'c.plist']]) {
      const r = await runCli(args, REPO);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    }
  });
});
