/** Helpers for the DAV request layer tests: real servers on 127.0.0.1, event capture, a certificate. */

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, createServer, request, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RealClock } from '../../lib/core/clock.js';
import { AuthSession } from '../../lib/caldav/auth.js';
import type { DavClient } from '../../lib/caldav/http.js';
import type { RequestEvent, ResponseEvent, SimEvent } from '../../lib/core/events.js';

export interface Served {
  url: string;
  port: number;
  server: Server;
  /** TCP connections accepted. */
  readonly connections: number;
  close(): Promise<void>;
}

/** Listen on 127.0.0.1 (port 0 unless given); `close` destroys open sockets so it never waits on keep-alive. */
export async function listen(server: Server, port = 0, scheme = 'http'): Promise<Served> {
  const sockets = new Set<Socket>();
  let connections = 0;
  server.on(scheme === 'https' ? 'secureConnection' : 'connection', (s: Socket) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
  });
  server.on('clientError', (_e, s) => s.destroy());
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `${scheme}://127.0.0.1:${actual}`,
    port: actual,
    server,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

export function serve(handler: RequestListener, port = 0): Promise<Served> {
  return listen(createServer(handler), port);
}

export interface Captured {
  events: SimEvent[];
  requests(): RequestEvent[];
  responses(): ResponseEvent[];
}

export function capture(): Captured & { emit: (e: SimEvent) => void } {
  const events: SimEvent[] = [];
  return {
    events,
    emit: (e) => void events.push(e),
    requests: () => events.filter((e): e is RequestEvent => e.type === 'request'),
    responses: () => events.filter((e): e is ResponseEvent => e.type === 'response'),
  };
}

let clientSeq = 0;

/** A simulated client's side of a request: identity, its own auth session, headers, event sink. */
export function client(user = 'user01', opts: { password?: string; headers?: Record<string, string>; unauthenticatedFirst?: boolean } = {}): DavClient & Captured {
  const c = capture();
  return {
    identity: { user, clientId: `client-${++clientSeq}`, clientType: 'test 0' },
    auth: new AuthSession(user, opts.password ?? user),
    headers: opts.headers ?? { 'User-Agent': 'loadsim-test' },
    unauthenticatedFirst: opts.unauthenticatedFirst,
    ...c,
  };
}

/** Fails the file if any promise rejection goes unhandled while it runs. */
export function noUnhandledRejections(): () => void {
  const seen: unknown[] = [];
  const listener = (r: unknown) => void seen.push(r);
  process.on('unhandledRejection', listener);
  return () => {
    process.off('unhandledRejection', listener);
    assert.deepEqual(seen, [], 'unhandled rejections');
  };
}

/** Read a request's body fully. */
export function bodyOf(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', () => resolve(''));
  });
}

/** A clock whose wall time can jump ahead (to age the testbed's Digest nonces). */
export class OffsetClock extends RealClock {
  offsetMs = 0;
  override now(): number {
    return super.now() + this.offsetMs;
  }
}

/**
 * A reverse proxy in front of the testbed that records each request's
 * Authorization header and each response status, and can rewrite the
 * challenges of 401s (drop some to make the client use Basic or Digest MD5
 * against the real testbed; join them into one header).
 */
export async function authProxy(target: string, challenges: (c: string[]) => string[] = (c) => c): Promise<Served & { statuses: number[]; authorizations: (string | undefined)[] }> {
  const agent = new Agent({ keepAlive: true });
  const statuses: number[] = [];
  const authorizations: (string | undefined)[] = [];
  const served = await serve((req: IncomingMessage, res: ServerResponse) => {
    authorizations.push(req.headers.authorization);
    const up = request(target + req.url, { method: req.method, headers: req.headers, agent }, (ur) => {
      statuses.push(ur.statusCode!);
      const headers: Record<string, string | string[] | undefined> = { ...ur.headers };
      // node joins repeated headers with ", "; the raw list keeps each WWW-Authenticate apart.
      const ch = ur.rawHeaders.filter((_v, i, a) => i % 2 === 1 && a[i - 1]!.toLowerCase() === 'www-authenticate');
      if (ch.length) headers['www-authenticate'] = challenges(ch);
      res.writeHead(ur.statusCode!, headers);
      ur.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  const closeServer = served.close;
  return Object.assign(served, {
    statuses,
    authorizations,
    close: async () => {
      agent.destroy();
      await closeServer();
    },
  });
}

/** A self-signed certificate for 127.0.0.1, made with openssl in a temp dir (node:crypto cannot issue X.509). */
export function selfSignedCert(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'loadsim-tls-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function serveTls(handler: RequestListener): Promise<Served> {
  return listen(createHttpsServer(selfSignedCert(), handler), 0, 'https');
}

/** A port nothing listens on (bound, then released). */
export async function freePort(): Promise<number> {
  const s = await serve(() => {});
  await s.close();
  return s.port;
}

export const PROPFIND_BODY =
  '<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/"><D:prop><D:resourcetype/><D:displayname/><CS:getctag/><D:sync-token/></D:prop></D:propfind>';

export const SYNC_BODY = (token = '') =>
  `<?xml version="1.0" encoding="utf-8"?><D:sync-collection xmlns:D="DAV:"><D:sync-token>${token}</D:sync-token><D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>`;
