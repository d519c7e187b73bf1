/**
 * Benchmark `request-cost`: generator CPU per request through DavHttp (was
 * test/caldav/request-cost.test.ts, skipped in `npm test` unless
 * LOADSIM_BENCH=1; a figure of CPU per request means something only on a
 * quiet machine, so it is measured here). The server runs in a child process
 * so that only the client side is measured. 50 clients share one DavHttp,
 * each on its own connection, each looping over PROPFIND Depth 1 / REPORT
 * sync-collection / GET: the loop of a measurement of bare undici (50
 * keep-alive connections with `reset: false`: 36–42 µs of generator CPU per
 * request on Node 20, 2 cores), to compare with.
 *
 * Two servers: the testbed (real work, Digest then Basic), and a canned
 * node:http server answering every request with the same 207 body, which is
 * fast enough that the client, not the server, is the bottleneck. CPU per
 * request is only comparable at saturation: a client waiting on a slow server
 * pays the event loop's per-wakeup costs over fewer requests.
 *
 * Run by run-all.ts (LOADSIM_BENCH_ONLY=request-cost runs it alone;
 * LOADSIM_BENCH_SECONDS sets the measured seconds per server, default 10).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { DavHttp } from '../../lib/caldav/http.js';
import { parseMultistatus } from '../../lib/caldav/multistatus.js';
import { client, PROPFIND_BODY, SYNC_BODY } from '../caldav/support.js';

export interface RequestCostFigure {
  scheme: string;
  requests: number;
  seconds: number;
  failed: number;
  cpuMicrosPerRequest: number;
  userMicros: number;
  systemMicros: number;
  parseMicros: number;
  homeBytes: number;
}

export async function runRequestCost(o: { seconds: number; log: (line: string) => void }): Promise<RequestCostFigure[]> {
  const { seconds, log } = o;
  const figures: RequestCostFigure[] = [];
  const server = fileURLToPath(new URL('../../lib/testbed/server.js', import.meta.url));
  const testbed = spawn(
    process.execPath,
    ['--input-type=module', '-e', `import { startTestbed } from ${JSON.stringify(server)}; const tb = await startTestbed({ port: 0, users: 50 }); console.log(tb.url);`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const cannedBody = JSON.stringify(canned());
  const cannedServer = spawn(
    process.execPath,
    [
      '-e',
      `const body = ${cannedBody}; const s = require('node:http').createServer((req, res) => { req.resume(); req.on('end', () => { if (!req.headers.authorization) { res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="x"', 'Content-Length': 0 }); return res.end(); } res.writeHead(207, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) }); res.end(body); }); }); s.keepAliveTimeout = 60000; s.listen(0, '127.0.0.1', () => console.log('http://127.0.0.1:' + s.address().port));`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    const urlOf = async (c: typeof testbed) => ((await once(c.stdout!, 'data')) as [Buffer])[0].toString().trim();
    const tbUrl = await urlOf(testbed);
    const cannedUrl = await urlOf(cannedServer);
    for (const [scheme, url] of [
      ['testbed digest', tbUrl],
      ['testbed basic', tbUrl],
      ['canned basic', cannedUrl],
      ['canned digest', cannedUrl],
    ] as const) {
      const http = new DavHttp({ origin: url, connections: 50 });
      const clients = Array.from({ length: 50 }, (_, i) => ({ ...client(`user${String(i + 1).padStart(2, '0')}`), channel: http.channel() }));
      // Basic: make the session learn Basic by showing it only a Basic challenge.
      if (scheme.endsWith('basic')) for (const c of clients) c.auth.challenged(http.origin, ['Basic realm="loadsim testbed"'], false);
      // The canned server accepts any credentials: this measures the client's Digest cost alone.
      if (scheme === 'canned digest') for (const c of clients) c.auth.challenged(http.origin, ['Digest realm="x", qop="auth", algorithm=SHA-256, nonce="MTc5NTYyMTAwOTk1NDplZE9IeFVr"'], false);
      let running = true;
      let count = 0;
      let failed = 0;
      const loop = async (c: (typeof clients)[number]) => {
        const home = `/calendars/users/${c.identity.user}/`;
        for (let i = 0; running; i++) {
          const k = i % 3;
          const r =
            k === 0
              ? await http.request({ label: 'PROPFIND{home}', method: 'PROPFIND', path: home, headers: { Depth: '1', 'Content-Type': 'text/xml' }, body: PROPFIND_BODY, expect: [207] }, c)
              : k === 1
                ? await http.request({ label: 'REPORT{sync}', method: 'REPORT', path: `${home}calendar/`, headers: { Depth: '1', 'Content-Type': 'text/xml' }, body: SYNC_BODY(), expect: [207] }, c)
                : await http.request({ label: 'GET', method: 'GET', path: home, expect: [200, 207, 405] }, c);
          if (!r.ok) failed++;
          count++;
          c.events.length = 0;
        }
      };
      // Warm up (connections, JIT), then measure.
      const warm = clients.map(loop);
      await new Promise((r) => setTimeout(r, 1000));
      running = false;
      await Promise.all(warm);
      running = true;
      count = 0;
      const cpu0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      const runs = clients.map(loop);
      await new Promise((r) => setTimeout(r, seconds * 1000));
      running = false;
      await Promise.all(runs);
      const cpu = process.cpuUsage(cpu0);
      const wall = Number(process.hrtime.bigint() - t0) / 1e9;
      // The parse cost on top, for the same bodies: one home PROPFIND.
      const home = await http.request({ label: 'PROPFIND{home}', method: 'PROPFIND', path: '/calendars/users/user01/', headers: { Depth: '1' }, body: PROPFIND_BODY, expect: [207] }, clients[0]!);
      const t1 = process.hrtime.bigint();
      for (let i = 0; i < 2000; i++) parseMultistatus(home.body);
      const parseUs = Number(process.hrtime.bigint() - t1) / 2000 / 1000;
      const figure: RequestCostFigure = {
        scheme,
        requests: count,
        seconds: Math.round(wall * 10) / 10,
        failed,
        cpuMicrosPerRequest: ((cpu.user + cpu.system) / count) | 0,
        userMicros: (cpu.user / count) | 0,
        systemMicros: (cpu.system / count) | 0,
        parseMicros: Math.round(parseUs * 10) / 10,
        homeBytes: home.body.length,
      };
      log(
        `request-cost: ${scheme}: ${count} requests in ${figure.seconds} s (${(count / wall).toFixed(0)}/s), ${failed} failed, ` +
          `client CPU ${figure.cpuMicrosPerRequest} µs/request (user ${figure.userMicros}, system ${figure.systemMicros}); ` +
          `parseMultistatus of a ${figure.homeBytes}-byte home PROPFIND: ${figure.parseMicros} µs`,
      );
      figures.push(figure);
      await http.close();
    }
  } finally {
    testbed.kill();
    cannedServer.kill();
  }
  return figures;
}

/** A home PROPFIND-like multistatus of 6 responses (~2 KB). */
function canned(): string {
  let xml = '<?xml version="1.0" encoding="utf-8"?>\n<D:multistatus xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/">';
  for (let i = 0; i < 6; i++) {
    xml += `<D:response><D:href>/calendars/users/user01/c${i}/</D:href><D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype><D:displayname>Calendar ${i}</D:displayname><CS:getctag>"ctag-${i}"</CS:getctag><D:sync-token>data:,${i}</D:sync-token></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>`;
  }
  return `${xml}</D:multistatus>`;
}
