import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DavHttp } from '../../lib/caldav/http.js';
import { client, freePort, noUnhandledRejections, serve, serveTls, type Served } from './support.js';

const checkRejections = noUnhandledRejections();
after(checkRejections);

const TIMEOUT = 200;

describe('network and server faults', () => {
  let s: Served;
  let http: DavHttp;
  const perSocket = new WeakMap<Socket, number>();
  before(async () => {
    s = await serve((req, res) => {
      const n = (perSocket.get(req.socket) ?? 0) + 1;
      perSocket.set(req.socket, n);
      req.resume();
      switch (req.url) {
        case '/stall':
          return; // never answers
        case '/stall-body':
          res.writeHead(200, { 'Content-Length': 100 });
          res.write('a few bytes, then nothing');
          return;
        case '/close':
          return req.socket.destroy(); // FIN without a response
        case '/rst':
          return req.socket.resetAndDestroy(); // TCP RST
        case '/500':
          res.writeHead(500, { 'Content-Type': 'text/plain' });
          return res.end('internal error');
        case '/garbage':
          req.socket.end('SPDY/9 what is this\r\n\r\n');
          return;
        case '/bad-header':
          req.socket.end('HTTP/1.1 200 OK\r\nthis is no header\r\nContent-Length: 2\r\n\r\nok');
          return;
        case '/second-request-dies':
          // Closes a kept-alive connection when its second request arrives, as a server whose
          // idle timeout fires just as the client reuses the connection.
          if (n === 2) return req.socket.destroy();
          return res.end('ok');
        default:
          return res.end('ok');
      }
    });
    http = new DavHttp({ origin: s.url, timeoutMs: TIMEOUT });
  });
  after(async () => {
    await http.destroy();
    await s.close();
  });

  const get = async (path: string, method = 'GET') => {
    const c = client();
    const r = await http.request({ label: `${method} ${path}`, method, path, expect: [200] }, c);
    assert.equal(c.requests().length, 1, `${path}: one request event`);
    assert.equal(c.responses().length, 1, `${path}: one response event`);
    const ev = c.responses()[0]!;
    assert.equal(ev.status, r.status);
    assert.equal(ev.success, r.ok);
    assert.equal(ev.error, r.error);
    assert.equal(ev.durationMs, r.durationMs);
    return r;
  };
  const okAfter = async (what: string) => {
    const r = await get('/ok');
    assert.ok(r.ok, `after ${what}: ${r.error}`);
    assert.equal(r.body, 'ok');
  };

  it('a server that stalls before answering: timeout, within bounds', async () => {
    const r = await get('/stall');
    assert.deepEqual([r.status, r.ok, r.error, r.errorCode], [0, false, 'timeout', 'TIMEOUT']);
    // Not before the timeout; and ended by it, not by the stall (which never ends): the bound is loose on purpose, a busy machine is late, never early.
    assert.ok(r.durationMs >= TIMEOUT - 1 && r.durationMs < TIMEOUT + 1_000, `${r.durationMs}`);
    await okAfter('a timeout');
  });

  it('a server that stalls in the body: timeout covers headers and body together', async () => {
    const r = await get('/stall-body');
    assert.deepEqual([r.status, r.ok, r.error], [200, false, 'timeout']);
    // Not before the timeout; and ended by it, not by the stall (which never ends): the bound is loose on purpose, a busy machine is late, never early.
    assert.ok(r.durationMs >= TIMEOUT - 1 && r.durationMs < TIMEOUT + 1_000, `${r.durationMs}`);
    await okAfter('a body timeout');
  });

  it('a closed or reset connection: connection reset', async () => {
    for (const path of ['/close', '/rst']) {
      const r = await get(path);
      assert.deepEqual([r.status, r.ok, r.error, r.errorCode], [0, false, 'connection reset', 'CONNECTION_RESET'], path);
      await okAfter(path);
    }
  });

  it('a 500: failed, with its status', async () => {
    const r = await get('/500');
    assert.deepEqual([r.status, r.ok, r.error, r.errorCode, r.body], [500, false, 'unexpected status 500', 'UNEXPECTED_STATUS', 'internal error']);
    await okAfter('a 500');
  });

  it('a response that is not HTTP: malformed response', async () => {
    for (const path of ['/garbage', '/bad-header']) {
      const r = await get(path);
      assert.equal(r.status, 0);
      assert.equal(r.errorCode, 'MALFORMED_RESPONSE', `${path}: ${r.error}`);
      assert.match(r.error!, /^malformed response \(/);
      await okAfter(path);
    }
  });

  it('a kept-alive connection that dies as it is reused: retried once on a new connection, one response', async () => {
    const h = new DavHttp({ origin: s.url, connections: 1 });
    try {
      const c = client();
      const first = await h.request({ label: 'GET', method: 'GET', path: '/second-request-dies', expect: [200] }, c);
      const second = await h.request({ label: 'GET', method: 'GET', path: '/second-request-dies', expect: [200] }, c);
      assert.ok(first.ok && second.ok, second.error);
      assert.equal(typeof second.connectMs, 'number', 'the retry opened a connection');
      assert.equal(c.responses().length, 2);
      // Not for a POST: it may have been processed.
      const post = await h.request({ label: 'POST', method: 'POST', path: '/second-request-dies', body: 'x', expect: [200] }, c);
      assert.equal(post.error, 'connection reset');
    } finally {
      await h.close();
    }
  });

  it('connection refused; then the server comes up and the same DavHttp works', async () => {
    const port = await freePort();
    const h = new DavHttp({ origin: `http://127.0.0.1:${port}`, timeoutMs: TIMEOUT });
    try {
      const c = client();
      const r = await h.request({ label: 'GET', method: 'GET', path: '/', expect: [200] }, c);
      assert.deepEqual([r.status, r.ok, r.error, r.errorCode], [0, false, 'connection refused', 'CONNECTION_REFUSED']);
      assert.deepEqual(
        c.responses().map((e) => [e.status, e.success, e.error]),
        [[0, false, 'connection refused']],
      );
      const up = await serve((_req, res) => res.end('up'), port);
      try {
        const r2 = await h.request({ label: 'GET', method: 'GET', path: '/', expect: [200] }, c);
        assert.equal(r2.body, 'up');
      } finally {
        await h.close();
        await up.close();
      }
    } finally {
      await h.destroy();
    }
  });

  it('many concurrent failures and successes settle, each with one response event', async () => {
    const c = client();
    const paths = ['/ok', '/500', '/close', '/rst', '/ok', '/garbage', '/stall', '/ok'];
    const results = await Promise.all(paths.map((path) => http.request({ label: path, method: 'GET', path, expect: [200] }, c)));
    assert.deepEqual(
      results.map((r) => r.ok),
      paths.map((p) => p === '/ok'),
    );
    assert.equal(c.responses().length, paths.length);
    assert.equal(c.requests().length, paths.length);
  });

  it('a closed DavHttp resolves failed requests instead of throwing', async () => {
    const h = new DavHttp({ origin: s.url });
    await h.close();
    const r = await h.request({ label: 'GET', method: 'GET', path: '/ok', expect: [200] }, client());
    assert.deepEqual([r.ok, r.errorCode], [false, 'CLOSED']);
  });
});

describe('TLS', () => {
  let s: Served;
  before(async () => {
    s = await serveTls((req, res) => {
      req.resume();
      res.end('secure');
    });
  });
  after(() => s.close());

  it('a self-signed certificate is refused by default', async () => {
    const http = new DavHttp({ origin: s.url });
    try {
      const c = client();
      const r = await http.request({ label: 'GET', method: 'GET', path: '/', expect: [200] }, c);
      assert.equal(r.ok, false);
      assert.equal(r.status, 0);
      assert.equal(r.errorCode, 'TLS');
      assert.match(r.error!, /^tls: (DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)$/);
      assert.equal(c.responses().length, 1);
    } finally {
      await http.close();
    }
  });

  it('and accepted with rejectUnauthorized: false; connectMs includes the handshake', async () => {
    const http = new DavHttp({ origin: s.url, rejectUnauthorized: false });
    try {
      const c = client();
      const r = await http.request({ label: 'GET', method: 'GET', path: '/', expect: [200] }, c);
      assert.ok(r.ok, r.error);
      assert.equal(r.body, 'secure');
      assert.ok(r.connectMs! > 0);
      const again = await http.request({ label: 'GET', method: 'GET', path: '/', expect: [200] }, c);
      assert.equal(again.connectMs, undefined);
      assert.equal(s.connections, 1);
    } finally {
      await http.close();
    }
  });
});
