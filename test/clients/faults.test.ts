import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { DavHttp } from '../../lib/caldav/http.js';
import { CalDAVClient } from '../../lib/clients/client.js';
import { MODELS } from '../../lib/clients/models.js';
import { RealClock } from '../../lib/core/clock.js';
import type { ResponseEvent, SimEvent } from '../../lib/core/events.js';
import { Random } from '../../lib/core/random.js';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';

type Fault = 'garbage' | '500' | 'reset' | 'stall' | 'huge' | null;

/**
 * A server that misbehaves on purpose: it passes requests through to the
 * testbed, except that while a fault is set, requests matching it get the
 * fault instead. The client must count failures and carry on.
 */
let tb: Testbed;
let proxy: Server;
let origin: string;
let fault: Fault = null;
let faultMethod = 'PROPFIND';
const sockets = new Set<Socket>();

before(async () => {
  tb = await startTestbed({ port: 0, users: 2 });
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      if (fault && req.method === faultMethod) {
        switch (fault) {
          case 'garbage':
            res.writeHead(207, { 'Content-Type': 'application/xml' }).end('<D:multistatus xmlns:D="DAV:"><D:response><D:href>/x</D:h');
            return;
          case '500':
            res.writeHead(500).end('boom');
            return;
          case 'reset':
            req.socket.destroy();
            return;
          case 'stall':
            return; // never answers
          case 'huge': {
            res.writeHead(207, { 'Content-Type': 'application/xml' });
            const mb = Buffer.alloc(1 << 20, 0x20);
            let sent = 0;
            const pump = () => {
              while (sent < 100 && res.write(mb)) sent++;
              if (sent < 100) res.once('drain', pump);
              else res.end();
            };
            res.on('close', () => (sent = 100));
            pump();
            return;
          }
        }
      }
      try {
        const r = await request(tb.url + req.url, { method: req.method as 'GET', headers: req.headers as Record<string, string>, body: chunks.length ? Buffer.concat(chunks) : undefined, reset: false });
        const body = Buffer.from(await r.body.arrayBuffer());
        const headers = { ...r.headers };
        delete headers['content-length'];
        delete headers['transfer-encoding'];
        delete headers.connection;
        res.writeHead(r.statusCode, headers as Record<string, string>).end(body);
      } catch {
        res.destroy();
      }
    });
  });
  proxy.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => proxy.close(() => r()));
  await tb.close();
});

describe('a misbehaving server: failures are counted, the client keeps polling, the process stays healthy', () => {
  it('garbage XML, 500, reset, a stall past the timeout, a 100 MB body', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    const http = new DavHttp({ origin, clock: new RealClock(), timeoutMs: 400, maxBodyBytes: 5 * 1024 * 1024 });
    const events: SimEvent[] = [];
    const client = new CalDAVClient({
      model: MODELS.OS_X_10_7,
      params: { unauthenticatedPercentage: 0 },
      record: tb.store.users.get('user01')!.record,
      serverUri: origin,
      principalPathTemplate: '/principals/users/%s/',
      http,
      clock: new RealClock(),
      random: new Random('faults'),
      emit: (e) => events.push(e),
      instanceNumber: 0,
    });
    try {
      fault = null;
      assert.equal(await client.startup(), true);
      const rssBefore = process.memoryUsage().rss;
      for (const f of ['garbage', '500', 'reset', 'stall', 'huge'] as const) {
        events.splice(0);
        fault = f;
        faultMethod = 'PROPFIND';
        assert.equal(await client.poll(), false, `poll under ${f} fails`);
        const failed = events.filter((e): e is ResponseEvent => e.type === 'response' && !e.success);
        assert.equal(failed.length, 1, `${f}: one failed response, got ${JSON.stringify(events)}`);
        const end = events.find((e) => e.type === 'operation' && e.phase === 'end');
        assert.ok(end && end.type === 'operation' && end.success === false && end.reason, `${f}: the poll ends unsuccessfully with a reason`);
        // The server behaves again: the very next poll works.
        fault = null;
        events.splice(0);
        assert.equal(await client.poll(), true, `poll after ${f} succeeds`);
        assert.ok(events.filter((e) => e.type === 'response').every((e) => e.type === 'response' && e.success));
      }
      // The 100 MB body was refused at the 5 MB cap, not held.
      assert.ok(process.memoryUsage().rss - rssBefore < 60 * 1024 * 1024, 'RSS did not grow by the body');
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      fault = null;
      await http.close();
    }
  });
});
