import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as plist from 'plist';
import { loadConfig } from '../../lib/config/load-config.js';
import type { ResponseEvent, SimEvent } from '../../lib/core/events.js';
import { readServerStats, statsReadDefaults } from '../../lib/simulator/server-stats-reader.js';
import { LoadSimulator } from '../../lib/simulator/simulator.js';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { serve, type Served } from '../caldav/support.js';

/**
 * Issue #11: what a server sends is read only up to a cap. Response bodies
 * (plain, gzip bombs, a declared Content-Length) are covered at the request
 * layer in test/caldav/body.test.ts and for a client in
 * test/clients/faults.test.ts; here: the stats socket (too large, endless,
 * multi-byte, dripping, silent) and, through a whole run, that the config's
 * maxResponseBytes is the cap the clients use and a hostile stats socket
 * leaves the run and its report whole.
 */

const MB = 1 << 20;

/** A TCP server on 127.0.0.1 running `onSocket` per connection; closed with its sockets. */
async function tcp(onSocket: (s: Socket, stats: { wrote: number }) => void): Promise<{ port: number; stats: { wrote: number }; closed: Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const stats = { wrote: 0 };
  /** Resolved when the first connection closes on the server's side (the client hung up). */
  let sawClose!: () => void;
  const closed = new Promise<void>((r) => (sawClose = r));
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => {
      sockets.delete(s);
      sawClose();
    });
    s.on('error', () => {});
    onSocket(s, stats);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    stats,
    closed,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** Write `chunk` as fast as the socket takes it, until it closes. */
function flood(s: Socket, chunk: Buffer, stats: { wrote: number }): void {
  const pump = () => {
    while (!s.destroyed && s.writable) {
      stats.wrote += chunk.length;
      if (!s.write(chunk)) return void s.once('drain', pump);
    }
  };
  pump();
}

describe('the stats socket is read up to a cap', () => {
  it('is 1 MB by default', () => {
    assert.equal(statsReadDefaults.maxBytes, MB);
  });

  it('2 MB of JSON on one line: refused as too large', async () => {
    const doc = JSON.stringify({ stats: { '5m': { requests: 300, t: 3000, slots: 30, cpu: 300 } }, padding: 'x'.repeat(2 * MB) });
    const srv = await tcp((s) => s.end(`${doc}\n`));
    try {
      const r = await readServerStats('127.0.0.1', srv.port);
      assert.ok('error' in r && r.error.endsWith(`larger than ${MB} bytes`), JSON.stringify(r).slice(0, 300));
    } finally {
      await srv.close();
    }
  });

  it('a server that never stops sending: cut off at the cap, the socket closed, memory bounded', async () => {
    const srv = await tcp((s, stats) => flood(s, Buffer.alloc(64 * 1024, 0x20), stats));
    try {
      const r = await readServerStats('127.0.0.1', srv.port);
      assert.ok('error' in r && /larger than/.test(r.error), JSON.stringify(r));
      // The server stops once we close: it wrote the cap plus what socket buffers hold, not without end.
      // (Memory is bounded because reading stops at the cap; what it costs is for `npm run bench`.)
      await srv.closed;
      assert.ok(srv.stats.wrote < 64 * MB, `wrote ${srv.stats.wrote}`);
    } finally {
      await srv.close();
    }
  });

  it('the cap counts bytes, not characters: 1.5 MB of three-byte characters is too large', async () => {
    // 512 Ki '€' are 1.5 MB on the wire but half a million characters once decoded; the server then waits.
    const srv = await tcp((s) => s.write(Buffer.from('€'.repeat(512 * 1024), 'utf8')));
    try {
      const r = await readServerStats('127.0.0.1', srv.port, { timeoutMs: 5000 });
      assert.ok('error' in r && r.error.endsWith(`larger than ${MB} bytes`), JSON.stringify(r));
    } finally {
      await srv.close();
    }
  });

  it('a server that drips a byte at a time: the timeout is for the whole read, not per byte', async () => {
    const timers = new Set<NodeJS.Timeout>();
    const srv = await tcp((s) => {
      const t = setInterval(() => (s.destroyed ? clearInterval(t) : s.write('{')), 20);
      timers.add(t);
    });
    try {
      const r = await readServerStats('127.0.0.1', srv.port, { timeoutMs: 300 });
      assert.ok('error' in r && /within 0.3 s/.test(r.error), JSON.stringify(r));
    } finally {
      for (const t of timers) clearInterval(t);
      await srv.close();
    }
  });
});

describe('caps in a whole run', { timeout: 90_000 }, () => {
  let tb: Testbed;
  let dir: string;
  let endless: Awaited<ReturnType<typeof tcp>>;
  let big: Served;
  before(async () => {
    tb = await startTestbed({ port: 0, users: 4 });
    dir = mkdtempSync(path.join(tmpdir(), 'loadsim-caps-'));
    endless = await tcp((s, stats) => flood(s, Buffer.alloc(64 * 1024, 0x7b), stats));
    // A DAV server whose every answer is a 4 MB multistatus.
    const chunk = Buffer.alloc(MB, 0x20);
    big = await serve((req, res) => {
      req.resume();
      res.writeHead(207, { 'Content-Type': 'application/xml' });
      res.write('<D:multistatus xmlns:D="DAV:">');
      let n = 0;
      const pump = () => {
        while (n < 4 && !res.destroyed) {
          n++;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end('</D:multistatus>');
      };
      pump();
    });
  });
  after(async () => {
    await big.close();
    await endless.close();
    await tb.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function runAgainst(uri: string, extra: Record<string, unknown>, runtimeSeconds: number) {
    const name = Math.random().toString(36).slice(2);
    const c = path.join(dir, `config-${name}.plist`);
    const k = path.join(dir, `clients-${name}.plist`);
    writeFileSync(
      c,
      plist.build({
        servers: { PodA: { enabled: true, uri, stats: { enabled: true, Port: endless.port } } },
        accounts: { loader: 'generateRecords', params: { count: 4, uidPattern: 'user%02d', passwordPattern: 'user%02d' } },
        arrival: { factory: 'SmoothRampUp', params: { groups: 1, groupSize: 2, interval: 1, clientsPerUser: 1 } },
        observers: [{ type: 'ReportStatistics', params: {} }],
        ...extra,
      } as unknown as plist.PlistValue),
    );
    writeFileSync(k, plist.build({ clients: [{ software: 'OS_X_10_7', params: { calendarHomePollInterval: 1, unauthenticatedPercentage: 0, supportAmpPush: false }, profiles: [], weight: 1 }] } as unknown as plist.PlistValue));
    const config = (await loadConfig({ configPath: c, clientsPath: k })).config;
    const out: string[] = [];
    const sim = new LoadSimulator({ config, seed: 'caps', live: 'off', out: (l) => out.push(l) });
    const events: SimEvent[] = [];
    sim.bus.events$.subscribe((e) => events.push(e));
    const result = await sim.run({ runtimeSeconds });
    return { result, events, report: out.join('\n') };
  }

  it('a stats socket that never stops sending: the run ends at its runtime and the report says why there are no server figures', async () => {
    const { result, report } = await runAgainst(tb.url, {}, 2);
    assert.equal(result.endedBy, 'runtime');
    assert.match(report, new RegExp(`larger than ${MB} bytes`));
    assert.ok(Object.values(result.summary.requests).some((l) => l.count > l.failed), 'the clients worked meanwhile');
  });

  it('maxResponseBytes in the config is the clients\' cap: a 4 MB answer fails at 1 MB, counted, the run goes on', async () => {
    const { result, events } = await runAgainst(big.url, { maxResponseBytes: MB }, 2);
    assert.equal(result.endedBy, 'runtime');
    const failed = events.filter((e): e is ResponseEvent => e.type === 'response' && !e.success);
    assert.ok(failed.length > 0);
    for (const e of failed) assert.equal(e.error, `body larger than ${MB} bytes`);
    assert.ok(failed.every((e) => e.bytesIn < 2 * MB), 'stopped reading near the cap');
  });
});
