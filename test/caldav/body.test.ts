import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { DavHttp } from '../../lib/caldav/http.js';
import { client, noUnhandledRejections, serve, type Served } from './support.js';

const checkRejections = noUnhandledRejections();
after(checkRejections);

const TEXT = `<?xml version="1.0" encoding="utf-8"?><D:multistatus xmlns:D="DAV:">${'<D:response><D:href>/calendars/users/user01/calendar/é.ics</D:href><D:status>HTTP/1.1 200 OK</D:status></D:response>'.repeat(200)}</D:multistatus>`;
const MB = 1_000_000;

describe('response bodies', () => {
  let s: Served;
  let http: DavHttp;
  const acceptEncoding: (string | undefined)[] = [];
  let serverWrote = 0;
  /** Resolved when the server's /huge answer closes (the client hung up, or it was all sent). */
  let hugeClosed: Promise<void> = Promise.resolve();
  // A zip bomb: 10 MB of zeros gzip to ~10 KB; ten gzip members back to back inflate to 100 MB.
  const bomb = Buffer.concat(Array.from({ length: 10 }, () => gzipSync(Buffer.alloc(10 * MB))));

  before(async () => {
    s = await serve((req, res) => {
      acceptEncoding.push(req.headers['accept-encoding']);
      req.resume();
      const send = (status: number, headers: Record<string, string | number>, body: Buffer | string) => {
        res.writeHead(status, headers);
        res.end(body);
      };
      switch (req.url) {
        case '/gzip':
          return send(200, { 'Content-Encoding': 'gzip' }, gzipSync(TEXT));
        case '/deflate':
          return send(200, { 'Content-Encoding': 'deflate', 'Content-Length': deflateSync(TEXT).length }, deflateSync(TEXT));
        case '/deflate-raw':
          return send(200, { 'Content-Encoding': 'deflate' }, deflateRawSync(TEXT));
        case '/plain':
          return send(200, { 'Content-Type': 'text/xml' }, TEXT);
        case '/bomb':
          return send(200, { 'Content-Encoding': 'gzip', 'Content-Length': bomb.length }, bomb);
        case '/bad-gzip':
          return send(200, { 'Content-Encoding': 'gzip' }, Buffer.from('this is not gzip at all'));
        case '/brotli':
          return send(200, { 'Content-Encoding': 'br' }, 'whatever');
        case '/declared-huge':
          // Declares 100 MB and sends it slowly: the client must give up at the headers.
          res.writeHead(200, { 'Content-Length': 100 * MB });
          res.write(Buffer.alloc(1000));
          return;
        case '/huge': {
          // 100 MB, chunked (no length to judge by), written as fast as the client reads it.
          serverWrote = 0;
          hugeClosed = new Promise((resolve) => res.once('close', () => resolve()));
          res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
          const chunk = Buffer.alloc(64 * 1024, 120);
          const pump = () => {
            while (serverWrote < 100 * MB && !res.destroyed) {
              serverWrote += chunk.length;
              if (!res.write(chunk)) return void res.once('drain', pump);
            }
            if (!res.destroyed) res.end();
          };
          res.on('close', () => res.removeAllListeners('drain'));
          return pump();
        }
        default:
          return send(200, {}, 'ok');
      }
    });
    http = new DavHttp({ origin: s.url, maxBodyBytes: 5 * MB, timeoutMs: 5_000 });
  });
  after(async () => {
    await http.close();
    await s.close();
  });

  const get = (path: string, headers: Record<string, string> = { 'Accept-Encoding': 'gzip, deflate' }) => {
    const c = client('user01', { headers });
    return http.request({ label: 'GET', method: 'GET', path, expect: [200] }, c).then((r) => ({ r, c }));
  };

  it('gzip and deflate (zlib-wrapped and raw) are decompressed; bytesIn counts the compressed wire bytes', async () => {
    for (const path of ['/gzip', '/deflate', '/deflate-raw']) {
      const { r, c } = await get(path);
      assert.ok(r.ok, `${path}: ${r.error}`);
      assert.equal(r.body, TEXT, path);
      assert.ok(r.bytesIn < Buffer.byteLength(TEXT) / 5, `${path}: ${r.bytesIn} wire bytes`);
      assert.equal(c.responses()[0]!.bytesIn, r.bytesIn);
    }
    assert.deepEqual(acceptEncoding.slice(-3), ['gzip, deflate', 'gzip, deflate', 'gzip, deflate']);
    const { r } = await get('/plain', { 'User-Agent': 'DAVKit/4.0.3 (732); iCal/4.0.3' });
    assert.equal(r.body, TEXT);
    assert.equal(acceptEncoding.at(-1), undefined, 'Accept-Encoding only when the model sends it');
  });

  // What these cost in memory is measured in `npm run bench` (test/bench/memory-caps.ts); here, that they stop reading.
  it('a zip bomb fails at the cap on decompressed bytes, without inflating it all', async () => {
    const { r, c } = await get('/bomb');
    assert.equal(r.ok, false);
    assert.equal(r.status, 200);
    assert.equal(r.errorCode, 'BODY_TOO_LARGE');
    assert.equal(r.error, `body larger than ${5 * MB} bytes`);
    assert.equal(c.responses()[0]!.error, r.error);
    // Fewer than a fifth of the ~100 KB of compressed members were read: it stopped at 5 MB inflated, not at 100 MB.
    assert.ok(r.bytesIn < 200_000, `${r.bytesIn}`);
  });

  it('a 100 MB plain body fails at the cap, without being read to the end or buffered', async () => {
    const { r } = await get('/huge');
    assert.equal(r.errorCode, 'BODY_TOO_LARGE');
    assert.ok(r.bytesIn > 5 * MB && r.bytesIn < 7 * MB, `stopped reading at the cap: ${r.bytesIn}`);
    // The client hung up: the server's answer closes with most of the 100 MB never written.
    await hugeClosed;
    assert.ok(serverWrote < 50 * MB, `server stopped early: ${serverWrote}`);
  });

  it('a declared Content-Length above the cap fails at the headers', async () => {
    const { r } = await get('/declared-huge');
    // At the headers: the body never comes (1,000 bytes of 100 MB, then silence), so waiting for it would end in a timeout.
    assert.equal(r.errorCode, 'BODY_TOO_LARGE');
    assert.ok(r.bytesIn < 1 * MB, `${r.bytesIn}`);
  });

  it('a bad gzip stream and an unknown content-encoding are malformed responses', async () => {
    const bad = await get('/bad-gzip');
    assert.equal(bad.r.errorCode, 'MALFORMED_RESPONSE');
    assert.equal(bad.r.error, 'malformed gzip body');
    const br = await get('/brotli');
    assert.equal(br.r.errorCode, 'MALFORMED_RESPONSE');
    assert.match(br.r.error!, /^malformed response \(unsupported content-encoding br\)$/);
  });

  it('after each failure the same DavHttp goes on working', async () => {
    for (const path of ['/bomb', '/ok', '/huge', '/ok', '/bad-gzip', '/ok']) {
      const { r } = await get(path);
      assert.equal(r.ok, path === '/ok', path);
      if (path === '/ok') assert.equal(r.body, 'ok');
    }
  });
});
