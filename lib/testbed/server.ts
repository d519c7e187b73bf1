import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { RealClock, type Clock } from '../core/clock.js';
import type { AccountRecord } from '../core/account-record.js';
import type { BinaryDavRequest, BinaryDavResponse } from './attachments.js';
import { generateRecords } from '../population/accounts.js';
import { Authenticator } from './auth.js';
import { DavError, davCondition } from './dav-error.js';
import { mkcalendar } from './methods/mkcalendar.js';
import { del, get, put } from './methods/objects.js';
import { post } from './methods/post.js';
import { AmpPushService } from './push/amp-push.js';
import { PUSH_HOST } from './push/push-keys.js';
import { advertiseApns } from './apns.js';
import { propfind } from './methods/propfind.js';
import { proppatch } from './methods/proppatch.js';
import { report } from './methods/report.js';
import type { DavRequest, DavResponse } from './request.js';
import { Scheduler } from './scheduling.js';
import { ServerStats } from './stats/server-stats.js';
import { startStatsSocket } from './stats/stats-socket.js';
import { Store, type StoreLimits } from './store.js';
import { ownerOf, resolveTarget, type Target } from './targets.js';
import { WEB_PAGE, type ServerQuirks } from './quirks.js';

export interface TestbedOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The accounts; default: `users` generated users user01…userNN, password = uid. */
  accounts?: readonly AccountRecord[];
  users: number;
  realm: string;
  limits: Partial<StoreLimits>;
  /** Largest request body read; bigger ones get 413 without being stored. */
  maxBodyBytes: number;
  /** The stats socket's port; null for none, 0 for any free port. */
  statsPort: number | null;
  /** Write the 2013 stats document at connect (the older server generation). */
  statsLegacy: boolean;
  /** The AMP push service's port (CalendarServer's amppush); null for none (clients then poll), 0 for any free port. */
  ampPort: number | null;
  /** Hold every response this long before sending it, ms: a slow server on demand (`serve --delay`), for comparisons and timeout tests. */
  responseDelayMs: number;
  /** An idle client connection is closed after this long, s (`serve --keep-alive`). */
  keepAliveSeconds: number;
  /** How it differs from CalendarServer, as other servers do (`serve --well-known`, `--principals`, `--notifications`). */
  quirks?: Partial<ServerQuirks>;
  clock?: Clock;
}

export const testbedDefaults: TestbedOptions = {
  host: '127.0.0.1',
  port: 8008,
  users: 20,
  realm: 'loadsim testbed',
  limits: {},
  maxBodyBytes: 4_000_000,
  statsPort: null,
  statsLegacy: false,
  ampPort: null,
  responseDelayMs: 0,
  keepAliveSeconds: 120,
};

/**
 * The testbed's users: user01…userNN, password = uid, email userNN@example.com.
 * Two digits at least, as the original's `user%02d`: user99 is followed by
 * user100, so the same pattern names them in loadsim's configs.
 */
export function testbedUsers(n: number): AccountRecord[] {
  const p = 'user%02d';
  return generateRecords(n, { uidPattern: p, passwordPattern: p, namePattern: 'User %02d', emailPattern: `${p}@example.com`, guidPattern: p }).map((r, i) => ({
    ...r,
    guid: `10000000-0000-0000-0000-${String(i + 1).padStart(12, '0')}`,
  }));
}

export interface Testbed {
  /** e.g. http://127.0.0.1:8008 */
  url: string;
  port: number;
  statsPort: number | null;
  /** The AMP push service's port, or null when it is off. */
  ampPort: number | null;
  store: Store;
  stats: ServerStats;
  /** TCP connections accepted so far: a client that reconnects per request shows here. */
  readonly connectionsAccepted: number;
  /** TCP connections open now: one per client whose connection is kept alive. */
  readonly openConnections: number;
  close(): Promise<void>;
}

const ALLOW = 'OPTIONS, GET, HEAD, PUT, DELETE, POST, PROPFIND, PROPPATCH, REPORT, MKCALENDAR';
const DAV_HEADER = '1, 3, access-control, calendar-access, calendar-schedule, calendar-auto-schedule, extended-mkcol, calendarserver-principal-property-search, calendarserver-principal-search';

/** The target is the notification collection or one of its members. */
function isInNotifications(t: Target): boolean {
  return (t.kind === 'collection' || t.kind === 'object') && t.collection.kind === 'notification';
}

/** The body as bytes (attachments need them; everything else decodes them as UTF-8). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > limit) {
      // Do not read it: answer 413 and close, so the unread body cannot be taken for the next request.
      resolve(undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners('data');
        resolve(undefined);
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(size > limit ? undefined : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * The embedded CalDAV testbed: in memory, speaking RFC 4918, 4791, 6578 and
 * 6638, with Basic and Digest auth and CalendarServer's stats socket. No
 * per-request logging: it must never be what limits a benchmark.
 */
export async function startTestbed(options: Partial<TestbedOptions> = {}): Promise<Testbed> {
  const o = { ...testbedDefaults, ...options };
  const clock = o.clock ?? new RealClock();
  const store = new Store(o.accounts ?? testbedUsers(o.users), o.limits, o.quirks);
  const auth = new Authenticator(store, clock, { realm: o.realm });
  const scheduler = new Scheduler(store, clock);
  const stats = new ServerStats({ clock });
  let connectionsAccepted = 0;
  const sockets = new Set<Socket>();

  const dispatch = (r: DavRequest): DavResponse => {
    switch (r.method) {
      case 'OPTIONS':
        return { status: 200, headers: { Allow: ALLOW, DAV: DAV_HEADER } };
      case 'PROPFIND':
        return propfind(r);
      case 'PROPPATCH':
        return proppatch(r);
      case 'MKCALENDAR':
        return mkcalendar(r);
      case 'REPORT':
        return report(r);
      case 'GET':
      case 'HEAD':
        return get(r, r.method === 'HEAD');
      case 'PUT':
        return put(r, scheduler);
      case 'DELETE':
        return del(r, scheduler);
      case 'POST':
        return post(r, scheduler);
      default:
        throw new DavError(405, `${r.method} is not supported`, undefined, { Allow: ALLOW });
    }
  };

  const send = (res: ServerResponse, out: DavResponse | BinaryDavResponse, close = false) => {
    const body = 'bytes' in out ? out.bytes : (out.body ?? '');
    const headers: Record<string, string | string[] | number> = { ...out.headers, 'Content-Length': Buffer.byteLength(body) };
    if (close) headers.Connection = 'close';
    res.writeHead(out.status, headers);
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const token = stats.requestStarted();
    const method = req.method ?? 'GET';
    let status = 500;
    let uid: string | undefined;
    try {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
      if (path === '/.well-known/caldav' || path === '/.well-known/caldav/') {
        const wk = store.quirks.wellKnown;
        status = wk === 'redirect' ? 301 : wk === 'html' ? 200 : wk;
        if (wk === 'redirect') send(res, { status, headers: { Location: '/' } });
        else if (wk === 'html') send(res, { status, headers: { 'Content-Type': 'text/html; charset=utf-8' }, body: WEB_PAGE });
        else send(res, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: wk === 404 ? 'not found' : 'internal error' });
        return;
      }
      const rawBody = await readBody(req, o.maxBodyBytes);
      if (o.responseDelayMs > 0) await new Promise<void>((resolve) => clock.setTimer(o.responseDelayMs, () => resolve()));
      if (rawBody === undefined) {
        status = 413;
        send(res, { status, body: `request body larger than ${o.maxBodyBytes} bytes` }, true);
        return;
      }
      const who = auth.authenticate(method, req.headers.authorization);
      if (!('user' in who)) {
        status = 401;
        send(res, { status, headers: { 'WWW-Authenticate': auth.challenges(who.failure === 'stale') }, body: 'authentication required' });
        return;
      }
      uid = who.user.uid;
      const target = resolveTarget(store, path);
      const owner = ownerOf(target);
      if (owner && owner !== who.user) throw new DavError(403, 'this belongs to another user', davCondition('need-privileges'));
      const refused = store.quirks.notifications;
      if (typeof refused === 'number' && isInNotifications(target)) throw new DavError(refused, refused === 404 ? 'no such resource' : 'notifications are not available');
      const r: BinaryDavRequest = { method, path, query, target, headers: req.headers, body: rawBody.toString('utf8'), rawBody, user: who.user, store, clock, ctx: { store, user: who.user } };
      const out = dispatch(r);
      status = out.status;
      send(res, out);
    } catch (e) {
      // A bad request is the client's problem; anything else is counted as a 500, never a crash.
      const err = e instanceof DavError ? e : new DavError(500, `internal error: ${(e as Error).message}`);
      status = err.status;
      const body = err.body();
      send(res, { status, headers: { ...err.headers, ...(body ? { 'Content-Type': 'application/xml; charset=utf-8' } : {}) }, body: body || err.message });
    } finally {
      // Counted when the response has been handed to the socket, as CalendarServer counts at its access-log line.
      stats.responseWritten(token);
      const done = () => stats.requestFinished(token, { method, status, uid: uid ?? '-', userAgent: req.headers['user-agent'] ?? '-' });
      if (res.writableFinished) done();
      else res.once('finish', done).once('close', done);
    }
  };

  const server: Server = createServer({ keepAliveTimeout: o.keepAliveSeconds * 1000, headersTimeout: 130_000, requestTimeout: 300_000 }, (req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.maxRequestsPerSocket = 0;
  server.on('connection', (s: Socket) => {
    connectionsAccepted++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('clientError', (_e, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const statsSocket = o.statsPort === null ? null : await startStatsSocket({ host: o.host, port: o.statsPort, stats, legacy: o.statsLegacy });
  const amp = o.ampPort === null ? null : await AmpPushService.start({ host: o.host, port: o.ampPort, store, clock });
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  // The APNS subscription URL names a host clients can reach: not a wildcard address.
  const wildcard = o.host === '0.0.0.0' || o.host === '::' || o.host === '';
  advertiseApns(store, `http://${wildcard ? PUSH_HOST : host}:${port}`);
  return {
    url: `http://${host}:${port}`,
    port,
    statsPort: statsSocket?.port ?? null,
    ampPort: amp?.port ?? null,
    store,
    stats,
    get connectionsAccepted() {
      return connectionsAccepted;
    },
    get openConnections() {
      return sockets.size;
    },
    async close() {
      await statsSocket?.close();
      await amp?.close();
      advertiseApns(store, undefined);
      stats.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

