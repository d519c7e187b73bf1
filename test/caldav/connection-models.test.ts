/**
 * The three connection models of DavHttp, seen from the server's side: which
 * TCP connections carry which client's requests.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import { DavHttp } from '../../lib/caldav/http.js';
import { client, noUnhandledRejections, serve, serveTls, type Served } from './support.js';

const checkRejections = noUnhandledRejections();
after(checkRejections);

/** A server that remembers which socket served each request and answers /slow after 150 ms. */
async function countingServer(tls = false): Promise<Served & { socketOf: Map<string, Socket>; connectionHeaders: string[]; tls: { sessionsReused: number } }> {
  const socketOf = new Map<string, Socket>();
  const connectionHeaders: string[] = [];
  const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    socketOf.set(req.url!, req.socket);
    connectionHeaders.push(String(req.headers.connection));
    const end = () => res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 2 }).end('ok');
    if (req.url!.startsWith('/slow')) setTimeout(end, 150);
    else end();
  };
  const s = tls ? await serveTls(handler) : await serve(handler);
  const counts = { sessionsReused: 0 };
  if (tls) s.server.on('secureConnection', (sock: import('node:tls').TLSSocket) => void (sock.isSessionReused() && counts.sessionsReused++));
  return Object.assign(s, { socketOf, connectionHeaders, tls: counts });
}

const get = (path: string) => ({ label: 'GET{x}', method: 'GET', path, expect: [200] });

describe('connection models', () => {
  let s: Awaited<ReturnType<typeof countingServer>>;
  let http: DavHttp | undefined;
  before(async () => {
    s = await countingServer();
  });
  afterEach(async () => {
    await http?.destroy();
    http = undefined;
  });
  after(() => s.close());

  it('per-client (the default): each client its own connection, kept for its next requests', async () => {
    http = new DavHttp({ origin: s.url });
    assert.equal(http.options.connectionModel, 'per-client');
    const before = s.connections;
    const clients = Array.from({ length: 5 }, () => ({ ...client(), channel: http!.channel() }));
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all(clients.map((c, i) => http!.request(get(`/c${i}/r${round}`), c)));
      assert.ok(results.every((r) => r.ok));
    }
    assert.equal(s.connections - before, 5, 'one connection per client');
    for (let i = 0; i < 5; i++) {
      const sock = s.socketOf.get(`/c${i}/r0`);
      assert.equal(s.socketOf.get(`/c${i}/r1`), sock, `client ${i} reused its connection`);
      assert.equal(s.socketOf.get(`/c${i}/r2`), sock);
      for (let j = 0; j < i; j++) assert.notEqual(s.socketOf.get(`/c${j}/r0`), sock, 'no two clients share one');
    }
    // The connect time is recorded on each client's first response only.
    for (const c of clients) assert.deepEqual(c.responses().map((r) => r.connectMs !== undefined), [true, false, false]);
    assert.equal(http.channelsOpened, 5);
  });

  it("per-client: one client's slow request never holds up another client's", async () => {
    http = new DavHttp({ origin: s.url });
    const a = { ...client(), channel: http.channel() };
    const b = { ...client(), channel: http.channel() };
    let slowDone = false;
    const slow = http.request(get('/slow/a'), a).then((r) => ((slowDone = true), r));
    const fast = await http.request(get('/fast/b'), b);
    assert.ok(fast.ok);
    assert.equal(slowDone, false, "b's answer came while a's request was still on the server");
    assert.ok((await slow).ok);
    // Within one client with one connection, a second request waits for the first: a client's own queue.
    const first = http.request(get('/slow/a2'), a);
    const second = await http.request(get('/fast/a3'), a);
    assert.ok(second.durationMs >= 100, `waited behind its own client's request: ${second.durationMs} ms`);
    await first;
    assert.equal(s.socketOf.get('/slow/a2'), s.socketOf.get('/fast/a3'));
  });

  it('per-client: a connection the server closed is reopened at the next request, with its connect time', async () => {
    http = new DavHttp({ origin: s.url });
    const c = { ...client(), channel: http.channel() };
    assert.ok((await http.request(get('/reopen/1'), c)).ok);
    const first = s.socketOf.get('/reopen/1')!;
    first.destroy();
    await new Promise((r) => setTimeout(r, 50));
    const r = await http.request(get('/reopen/2'), c);
    assert.ok(r.ok, r.error);
    assert.notEqual(s.socketOf.get('/reopen/2'), first);
    assert.equal(typeof c.responses().at(-1)!.connectMs, 'number');
  });

  it('per-client with connectionsPerClient 2: a second connection only while the first is busy', async () => {
    http = new DavHttp({ origin: s.url, connectionsPerClient: 2 });
    const c = { ...client(), channel: http.channel() };
    const before = s.connections;
    for (let i = 0; i < 3; i++) assert.ok((await http.request(get(`/two/seq${i}`), c)).ok);
    assert.equal(s.connections - before, 1);
    await Promise.all([http.request(get('/slow/two-a'), c), http.request(get('/slow/two-b'), c), http.request(get('/slow/two-c'), c)]);
    assert.equal(s.connections - before, 2, 'at most two');
  });

  it('per-client over TLS: clients do not resume one another’s TLS sessions', async () => {
    const t = await countingServer(true);
    try {
      http = new DavHttp({ origin: t.url, rejectUnauthorized: false });
      const cs = Array.from({ length: 3 }, () => ({ ...client(), channel: http!.channel() }));
      for (const c of cs) assert.ok((await http.request(get(`/tls/${c.identity.clientId}`), c)).ok);
      assert.equal(t.connections, 3);
      assert.equal(t.tls.sessionsReused, 0, 'each client made a full handshake');
    } finally {
      await http?.destroy();
      http = undefined;
      await t.close();
    }
  });

  it('per-request: a new connection for every request, each closed after it', async () => {
    http = new DavHttp({ origin: s.url, connectionModel: 'per-request' });
    const c = { ...client(), channel: http.channel(), headers: { Connection: 'keep-alive' } };
    const before = s.connections;
    const headersBefore = s.connectionHeaders.length;
    for (let i = 0; i < 4; i++) assert.ok((await http.request(get(`/pr/seq${i}`), c)).ok);
    await Promise.all([0, 1, 2].map((i) => http!.request(get(`/slow/pr${i}`), c)));
    assert.equal(s.connections - before, 7, 'as many connections as requests');
    assert.deepEqual(new Set(s.connectionHeaders.slice(headersBefore)), new Set(['close']));
    assert.ok(c.responses().every((r) => typeof r.connectMs === 'number'), 'every response opened its connection');
  });

  it('shared-pool: every client shares at most `connections` connections, and waits for one', async () => {
    http = new DavHttp({ origin: s.url, connectionModel: 'shared-pool', connections: 2 });
    const before = s.connections;
    const cs = Array.from({ length: 6 }, () => ({ ...client(), channel: http!.channel() }));
    const rs = await Promise.all(cs.map((c, i) => http!.request(get(`/slow/pool${i}`), c)));
    assert.ok(rs.every((r) => r.ok));
    assert.equal(s.connections - before, 2);
    // Six 150 ms requests on two connections: three rounds, and the wait is in the latencies
    // (a lower bound only: the server cannot answer sooner).
    assert.ok(Math.max(...rs.map((r) => r.durationMs)) >= 440);
  });

  it('after destroy, requests of any client fail as "client closed" without opening a connection', async () => {
    const h = new DavHttp({ origin: s.url });
    await h.destroy();
    const before = s.connections;
    const c = { ...client(), channel: h.channel() };
    const r = await h.request(get('/after'), c);
    assert.equal(r.ok, false);
    assert.equal(r.error, 'client closed');
    assert.equal(s.connections, before);
  });

  it('refuses an unknown model', () => {
    assert.throws(() => new DavHttp({ origin: s.url, connectionModel: 'per-user' as never }), /connectionModel must be one of per-client, per-request, shared-pool/);
  });
});
