import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RealClock } from '../core/clock.js';

export interface WebAdminOptions {
  /** 127.0.0.1 by default: Stop ends a load test, so it is not offered to the network unless asked. */
  host: string;
  port: number;
  /** The live report, as text. */
  report: () => string;
  /** Ends the run; the page then shows the final report once it exists. */
  stop: () => void;
  /** The final report, once the run has ended. */
  finalReport: () => string | undefined;
}

export const webAdminDefaults = { host: '127.0.0.1', port: 8080 } as const;

export interface WebAdmin {
  url: string;
  token: string;
  close(): Promise<void>;
}

/**
 * Whether a submitted token is the run's, in constant time: both are hashed to
 * 32 bytes first, so neither the length of the run's token nor how much of it
 * a guess got right shows in the time the answer takes (timingSafeEqual alone
 * would throw on a length difference, and an early length check would say it).
 */
export function sameToken(given: string | null | undefined, token: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given ?? ''), digest(token)) && typeof given === 'string' && token.length > 0;
}

/**
 * Host names a request may carry when the web admin listens on a loopback
 * address: a page on another site whose name was made to resolve to
 * 127.0.0.1 (DNS rebinding) would otherwise read the token off the page and
 * post Stop as if it were the same origin.
 */
function loopbackHost(hostHeader: string | undefined): boolean {
  if (!hostHeader) return false;
  const name = hostHeader.startsWith('[') ? hostHeader.slice(0, hostHeader.indexOf(']') + 1) : hostHeader.replace(/:\d+$/, '');
  return name === 'localhost' || name === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || host.startsWith('127.');

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function page(title: string, token: string | null, report: string, ms: number): string {
  const form = token
    ? `<form method="post"><input type="hidden" name="token" value="${token}"><button name="results" value="1">Refresh</button> <button name="stop" value="1">Stop Sim</button></form>`
    : '';
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>${form}<pre>${escapeHtml(report)}</pre><p>Generated in ${ms.toFixed(1)} milliseconds</p></body></html>`;
}

/**
 * The original's web admin (webadmin.py): the current report with Refresh and
 * Stop buttons. Stop is a POST carrying a per-run random token, so a stray
 * request (or another page) cannot end someone's run.
 */
export async function startWebAdmin(options: Partial<WebAdminOptions> & Pick<WebAdminOptions, 'report' | 'stop' | 'finalReport'>): Promise<WebAdmin> {
  const o = { ...webAdminDefaults, ...options };
  const token = randomBytes(16).toString('hex');
  const clock = new RealClock();
  const server: Server = createServer((req, res) => {
    const t0 = clock.monotonic();
    const send = (status: number, html: string) => {
      res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(html);
    };
    if (isLoopback(o.host) && !loopbackHost(req.headers.host)) {
      send(421, page('Misdirected request', null, 'This web admin answers only to 127.0.0.1, [::1] or localhost.', 0));
      return;
    }
    if (req.method === 'GET') {
      const final = o.finalReport();
      send(200, final !== undefined ? page('LoadSim Stopped - Final Results', null, final, clock.monotonic() - t0) : page('Load Simulator Web Admin', token, o.report(), clock.monotonic() - t0));
      return;
    }
    if (req.method !== 'POST') {
      send(405, page('Method not allowed', null, '', 0));
      return;
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
      if (body.length > 4096) req.destroy();
    });
    req.on('end', () => {
      const form = new URLSearchParams(body);
      if (!sameToken(form.get('token'), token)) {
        send(403, page('Load Simulator Web Admin', token, 'The form is out of date (wrong token); reload the page.', clock.monotonic() - t0));
        return;
      }
      if (form.has('stop')) {
        o.stop();
        send(200, page('LoadSim Stopping', null, 'Stopping: the final report follows on the console and on this page when ready. Reload in a few seconds.', clock.monotonic() - t0));
        return;
      }
      send(200, page('Load Simulator Web Admin', token, o.report(), clock.monotonic() - t0));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}/`,
    token,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
