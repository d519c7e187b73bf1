/**
 * The DAV request layer the simulated clients use: one `DavHttp` per target
 * origin, shared by every client of that origin. Which TCP connections a
 * request travels on is the origin's `connectionModel` (connection-model.ts):
 *
 * - `per-client` (the default): each simulated client has connections of its
 *   own (`connectionsPerClient`, one by default), opened at its first request
 *   and kept alive, as a real Mac or iPhone keeps its own. A server sees one
 *   connection per client, and one client's requests never wait behind
 *   another's. The client's handle is a `DavChannel` (`DavHttp.channel()`).
 * - `per-request`: a new connection for every HTTP exchange, closed after it
 *   (`Connection: close`): the original simulator's behaviour (its HTTP agent
 *   kept no connections), for reproducing its results.
 * - `shared-pool`: every client of the origin shares one undici `Pool` of
 *   `connections` keep-alive connections. A request due while all are busy
 *   waits inside the generator, and that wait is inside its recorded latency:
 *   for pure throughput tests only.
 *
 * What it does for a caller, per request (as the original's ical.py
 * `_request`): emit a `request` event; optionally send the request once
 * without credentials first (the original's `unauthenticatedPercentage`);
 * send it with the client's credentials, doing the 401 challenge round trip
 * transparently inside the same timed request; read the whole body
 * (decompressed, capped); emit exactly one `response` event; resolve a
 * `DavResult`. It never rejects for anything the server or the network does.
 *
 * Every request of the keep-alive models is sent with `reset: false`: undici
 * otherwise closes the connection after any request whose method it does not
 * know to be idempotent (REPORT, MKCALENDAR), which would put a TCP/TLS
 * handshake per sync on the server and triple our CPU per request.
 */

import type { IncomingHttpHeaders } from 'node:http';
import { Client, Pool, type Dispatcher } from 'undici';
import { RealClock, type Clock } from '../core/clock.js';
import type { ClientIdentity, EmitEvent, RequestEvent, ResponseEvent } from '../core/events.js';
import type { AuthSession } from './auth.js';
import { timedConnector, watchSends } from './connection-timing.js';
import { CONNECTION_MODELS, type ConnectionModel } from './connection-model.js';
import { MalformedResponseError, type DavErrorCode, type DavFailure } from './errors.js';
import { Exchange, type ExchangeLimits, type ExchangeResult } from './exchange.js';
import { parseMultistatus, type Multistatus } from './multistatus.js';

export interface DavHttpOptions {
  /** The server, `https://host:port` or `http://host:port`; a path is ignored. */
  origin: string;
  /** How requests map onto connections. */
  connectionModel: ConnectionModel;
  /** `per-client`: the most connections one client opens to this origin (a second only while the first is busy). */
  connectionsPerClient: number;
  /** `shared-pool`: most connections open at once to this origin, shared by all its clients. Requests beyond wait for one. */
  connections: number;
  /** false accepts any certificate (self-signed test servers), as the original did. */
  rejectUnauthorized: boolean;
  /**
   * Limit for one HTTP exchange, from writing the request to the last body byte
   * (headers and body together), and separately for opening a connection.
   */
  timeoutMs: number;
  /** Largest body accepted, on the wire and decompressed alike. */
  maxBodyBytes: number;
  /** An idle connection is closed after this long (or sooner, if the server's Keep-Alive header says so). */
  keepAliveTimeoutMs: number;
  /** All timing: durations, timeouts, connect times, event timestamps. */
  clock: Clock;
}

export const davHttpDefaults: Omit<DavHttpOptions, 'origin' | 'clock'> = {
  connectionModel: 'per-client',
  connectionsPerClient: 1,
  connections: 64,
  rejectUnauthorized: true,
  timeoutMs: 60_000,
  maxBodyBytes: 50_000_000,
  keepAliveTimeoutMs: 30_000,
};

/** One request, as a client model describes it. */
export interface DavRequestSpec {
  /** Report label, e.g. `PROPFIND{home}`. */
  label: string;
  method: string;
  /** Absolute path (`/calendars/…`), or a full URL on this origin. Characters not allowed in a URL path are percent-encoded. */
  path: string;
  /** Request headers (Depth, Content-Type, If-Match, …); added to, and overriding, the client's. */
  headers?: Record<string, string>;
  body?: string;
  /** Statuses that count as success. */
  expect: readonly number[];
  /** Monotonic ms (the clock's) at which the caller meant to send; default now. Durations start here. */
  intendedAt?: number;
  /**
   * Parse a 207 body with `parseMultistatus` into `DavResult.multistatus`. A body that is not a
   * well-formed multistatus then makes this a failed request (`malformed multistatus (<kind>)`,
   * code MALFORMED_RESPONSE) in the result and in its response event. The parse is not part
   * of `durationMs` (the server's time ends at its last byte).
   */
  multistatus?: boolean;
}

/**
 * One client's own connections to one origin (`per-client`): an opaque
 * handle from `DavHttp.channel()`. Nothing is opened until its first request.
 */
export interface DavChannel {
  /** @internal */
  dispatcher: Dispatcher | undefined;
}

/** Who sends it. */
export interface DavClient {
  identity: ClientIdentity;
  /**
   * `per-client`: the client's own connections. Without one, requests share the DavHttp's own
   * channel, as if they came from one client.
   */
  channel?: DavChannel;
  auth: AuthSession;
  /** The model's own headers (User-Agent, Accept, Accept-Encoding, …), sent on every request. */
  headers: Record<string, string>;
  emit: EmitEvent;
  /** Send the request once without credentials first (reported as `UNAUTHENTICATED{<method>}`, expecting 401 or what the request expects). */
  unauthenticatedFirst?: boolean;
}

export interface DavResult {
  /** Final HTTP status; 0 when no response arrived. */
  status: number;
  /** The status was expected and the body was read in full. */
  ok: boolean;
  /** Lower-case names; repeated headers as arrays. Empty when no response arrived. */
  headers: IncomingHttpHeaders;
  /** The whole body, decompressed, as UTF-8; empty when the request failed. */
  body: string;
  /** From `intendedAt` to the last body byte (or the failure), ms. */
  durationMs: number;
  /** The reason reported in the response event, when not ok. */
  error?: string;
  /** Stable code of `error`. */
  errorCode?: DavErrorCode;
  bytesOut: number;
  bytesIn: number;
  connectMs?: number;
  /** The parsed body, when the spec asked for `multistatus` and a well-formed 207 arrived. */
  multistatus?: Multistatus;
}

// Methods not retried after a reused connection dies before answering: they may not be idempotent.
const NOT_RETRIED = new Set(['POST', 'PATCH', 'MKCALENDAR', 'MKCOL', 'LOCK']);
// Characters that cannot appear raw in a request target (undici rejects them); '%' is left alone.
const NEEDS_ENCODING = /[^A-Za-z0-9\-._~!$&'()*+,;=:@/%?]/;
const NEEDS_ENCODING_G = /[^A-Za-z0-9\-._~!$&'()*+,;=:@/%?]+/g;
const BAD_PERCENT = /%(?![0-9A-Fa-f]{2})/g;

export class DavHttp {
  readonly options: Readonly<DavHttpOptions>;
  /** `https://host:port`, normalized. */
  readonly origin: string;
  /** `shared-pool` and `per-request`: the one pool every request goes through. */
  private readonly pool: Pool | undefined;
  /** `per-client`: every client's dispatcher opened so far, to close them all at the end. */
  private readonly own = new Set<Client | Pool>();
  /** `per-client`: requests that came without a channel of their own. */
  private readonly defaultChannel: DavChannel = { dispatcher: undefined };
  /** A destroyed client every request goes to once this DavHttp is closed: each fails as `client closed`. */
  private dead: Client | undefined;
  private readonly connector: ReturnType<typeof timedConnector>;
  /** `per-request`: every exchange asks undici to close its connection after it. */
  private readonly reset: boolean;
  private readonly clock: Clock;
  private readonly limits: ExchangeLimits;

  constructor(options: Partial<DavHttpOptions> & { origin: string }) {
    const clock = options.clock ?? new RealClock();
    this.options = { ...davHttpDefaults, ...options, clock };
    const o = this.options;
    const url = new URL(o.origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`DavHttp: origin must be http or https: ${o.origin}`);
    if (!CONNECTION_MODELS.includes(o.connectionModel)) throw new TypeError(`DavHttp: connectionModel must be one of ${CONNECTION_MODELS.join(', ')}: ${String(o.connectionModel)}`);
    if (!(o.connections >= 1) || !(o.connectionsPerClient >= 1) || !(o.timeoutMs > 0) || !(o.maxBodyBytes > 0)) throw new TypeError('DavHttp: connections, connectionsPerClient, timeoutMs and maxBodyBytes must be positive');
    this.origin = url.origin;
    this.clock = clock;
    this.limits = { timeoutMs: o.timeoutMs, maxBodyBytes: o.maxBodyBytes, clock };
    this.reset = o.connectionModel === 'per-request';
    watchSends();
    this.connector = timedConnector({ rejectUnauthorized: o.rejectUnauthorized, timeout: o.timeoutMs }, clock);
    if (o.connectionModel !== 'per-client') {
      // per-request: no limit, as the original's agent had none; each exchange opens its own connection.
      this.pool = new Pool(this.origin, { ...this.dispatcherOptions(this.connector), connections: o.connectionModel === 'shared-pool' ? o.connections : null });
    }
  }

  /** A new client's handle on its own connections (`per-client`); nothing is opened until it sends. */
  channel(): DavChannel {
    return { dispatcher: undefined };
  }

  /** Clients' channels that have opened their connections (`per-client`). */
  get channelsOpened(): number {
    return this.own.size;
  }

  private dispatcherOptions(connect: ReturnType<typeof timedConnector>): Client.Options {
    const o = this.options;
    return {
      pipelining: 1,
      keepAliveTimeout: o.keepAliveTimeoutMs,
      keepAliveMaxTimeout: Math.max(o.keepAliveTimeoutMs, 600_000),
      // Our own clock-driven timeout ends every exchange first; undici's are a backstop for a clock
      // whose timers never fire (a virtual clock that is not advanced).
      headersTimeout: o.timeoutMs + 1_000,
      bodyTimeout: o.timeoutMs + 1_000,
      connect,
    };
  }

  /** The dispatcher a request of `channel` goes through, opened on first use. */
  private dispatcherFor(channel: DavChannel | undefined): Dispatcher {
    if (this.closing || this.destroying) return this.deadClient();
    if (this.pool) return this.pool;
    const c = channel ?? this.defaultChannel;
    if (c.dispatcher) return c.dispatcher;
    const o = this.options;
    // A TLS session cache per client: a real client resumes its own sessions, never another
    // machine's, so clients must not share the DavHttp's cache (every client after the first
    // would then make an abbreviated handshake). Plain HTTP has nothing to cache.
    const connect = this.origin.startsWith('https:') ? timedConnector({ rejectUnauthorized: o.rejectUnauthorized, timeout: o.timeoutMs, maxCachedSessions: 1 }, this.clock) : this.connector;
    const d = o.connectionsPerClient === 1 ? new Client(this.origin, this.dispatcherOptions(connect)) : new Pool(this.origin, { ...this.dispatcherOptions(connect), connections: o.connectionsPerClient });
    c.dispatcher = d;
    this.own.add(d);
    return d;
  }

  private deadClient(): Client {
    if (!this.dead) {
      this.dead = new Client(this.origin);
      void this.dead.destroy();
    }
    return this.dead;
  }

  /**
   * Send one request for `client` and read its whole response. Resolves for
   * every server or network outcome (with `ok` false on failure); rejects only
   * on a programmer error (a path on another origin, a relative path).
   */
  async request(spec: DavRequestSpec, client: DavClient): Promise<DavResult> {
    const path = this.targetOf(spec.path);
    const body = spec.body === undefined ? undefined : Buffer.from(spec.body, 'utf8');
    let startedAt = spec.intendedAt ?? this.clock.monotonic();
    if (client.unauthenticatedFirst) {
      // As the original: sent without credentials, body read and dropped; its 401 does not teach the
      // client's auth session. The real request is timed from when this one ends.
      // One label per method, not per request label: the original did not report these at all, and
      // doubling every row of the report would bury the real figures. A server may answer without
      // asking for credentials (a redirect, say): what the real request expects is fine too.
      await this.perform(spec, path, body, client, `UNAUTHENTICATED{${spec.method}}`, [...UNAUTHENTICATED_EXPECT, ...spec.expect], false, startedAt);
      startedAt = this.clock.monotonic();
    }
    return this.perform(spec, path, body, client, spec.label, spec.expect, true, startedAt);
  }

  /** Wait for requests in flight, then close every connection. Idempotent. */
  close(): Promise<void> {
    this.closing ??= Promise.all(this.dispatchers().map((d) => (d.closed || d.destroyed ? undefined : d.close()))).then(() => undefined);
    return this.closing;
  }

  /** Close every connection now; requests in flight resolve as failed (`client closed`). Idempotent. */
  destroy(): Promise<void> {
    this.destroying ??= Promise.all(this.dispatchers().map((d) => (d.destroyed ? undefined : d.destroy()))).then(() => undefined);
    return this.destroying;
  }

  private dispatchers(): (Client | Pool)[] {
    return this.pool ? [this.pool, ...this.own] : [...this.own];
  }

  private closing: Promise<void> | undefined;
  private destroying: Promise<void> | undefined;

  private async perform(
    spec: DavRequestSpec,
    path: string,
    body: Buffer | undefined,
    client: DavClient,
    label: string,
    expect: readonly number[],
    useAuth: boolean,
    startedAt: number,
  ): Promise<DavResult> {
    const { identity, auth } = client;
    const clock = this.clock;
    const method = spec.method;
    const url = this.origin + path;
    const requestEvent: RequestEvent = {
      type: 'request',
      user: identity.user,
      clientId: identity.clientId,
      clientType: identity.clientType,
      label,
      method,
      url,
      at: clock.now() - (clock.monotonic() - startedAt),
    };
    client.emit(requestEvent);

    let bytesOut = 0;
    let bytesIn = 0;
    let connectMs: number | undefined;
    let learned = false;
    let staleRetried = false;
    let resetRetried = false;
    let x: ExchangeResult;
    // At most four exchanges: learn the challenge, a stale nonce, one dead keep-alive connection.
    let exchanges = 0;
    for (;;) {
      const authorization = useAuth ? auth.authorization(this.origin, method, path, body) : undefined;
      exchanges++;
      x = await this.exchange(client.channel, method, path, this.headersFor(client, spec, authorization), body, useAuth);
      bytesOut += x.bytesOut;
      bytesIn += x.bytesIn;
      if (x.connectMs !== undefined) connectMs = (connectMs ?? 0) + x.connectMs;
      if (x.status === 401 && useAuth && !x.failure) {
        const challenges = x.headers['www-authenticate'];
        const values = challenges === undefined ? [] : Array.isArray(challenges) ? challenges : [challenges];
        const sent = authorization !== undefined;
        if (auth.challenged(this.origin, values, sent) === 'retry') {
          if (!sent && !learned) {
            learned = true;
            continue;
          }
          if (sent && !staleRetried) {
            staleRetried = true;
            continue;
          }
        }
      } else if (x.failure?.code === 'CONNECTION_RESET' && x.reusedConnection && x.status === 0 && !resetRetried && !NOT_RETRIED.has(method)) {
        // The server closed an idle keep-alive connection just as we reused it: the request never
        // reached it. Apple's clients (CFNetwork) retry such requests on a new connection, so do we.
        resetRetried = true;
        continue;
      }
      break;
    }

    const durationMs = x.endedAt - startedAt;
    let failure: DavFailure | undefined = x.failure ?? (expect.includes(x.status) ? undefined : { code: 'UNEXPECTED_STATUS', reason: `unexpected status ${x.status}` });
    const text = x.failure ? '' : x.body.toString('utf8');
    let multistatus: Multistatus | undefined;
    if (!failure && useAuth && spec.multistatus && x.status === 207) {
      try {
        multistatus = parseMultistatus(text);
      } catch (e) {
        if (!(e instanceof MalformedResponseError)) throw e;
        // A stable reason (the kind, not the parser's message with its line and column), so
        // reports group these failures together.
        failure = { code: 'MALFORMED_RESPONSE', reason: `malformed multistatus (${e.kind})` };
      }
    }
    const ok = failure === undefined;
    const result: DavResult = {
      status: x.status,
      ok,
      headers: x.headers,
      body: text,
      durationMs,
      bytesOut,
      bytesIn,
    };
    const responseEvent: ResponseEvent = {
      type: 'response',
      user: identity.user,
      clientId: identity.clientId,
      clientType: identity.clientType,
      label,
      method,
      url,
      status: x.status,
      success: ok,
      durationMs,
      bytesOut,
      bytesIn,
      exchanges,
      at: clock.now(),
    };
    if (connectMs !== undefined) result.connectMs = responseEvent.connectMs = connectMs;
    // Time to the final response's head (JMeter's "Latency"): includes any 401 round trips before it.
    if (x.headersAt !== undefined) responseEvent.firstByteMs = x.headersAt - startedAt;
    if (multistatus) result.multistatus = multistatus;
    if (failure) {
      result.error = responseEvent.error = failure.reason;
      result.errorCode = failure.code;
    }
    client.emit(responseEvent);
    return result;
  }

  private headersFor(client: DavClient, spec: DavRequestSpec, authorization: string | undefined): Record<string, string> {
    const h: Record<string, string> = spec.headers ? { ...client.headers, ...spec.headers } : { ...client.headers };
    if (authorization !== undefined) h.authorization = authorization;
    return h;
  }

  private exchange(channel: DavChannel | undefined, method: string, path: string, headers: Record<string, string>, body: Buffer | undefined, keepBody: boolean): Promise<ExchangeResult> {
    return new Promise<ExchangeResult>((resolve) => {
      const ex = new Exchange(method, path, body?.length ?? 0, keepBody, this.limits, resolve);
      // dispatch reports its own errors (closed pool, invalid header) through the handler.
      this.dispatcherFor(channel).dispatch({ origin: this.origin, method, path, headers, body, reset: this.reset }, ex);
    });
  }

  /** The request target for `p`: an absolute path, or a URL on this origin. */
  private targetOf(p: string): string {
    if (p.charCodeAt(0) === 47 /* / */) {
      // Hrefs from parseMultistatus are decoded: re-encode what cannot be sent raw, and a '%' that starts no escape.
      let t = NEEDS_ENCODING.test(p) ? p.replace(NEEDS_ENCODING_G, encodeURIComponent) : p;
      if (t.includes('%')) t = t.replace(BAD_PERCENT, '%25');
      return t;
    }
    if (/^https?:\/\//i.test(p)) {
      const u = new URL(p);
      if (u.origin !== this.origin) throw new TypeError(`DavHttp(${this.origin}): URL on another origin: ${p}`);
      return u.pathname + u.search;
    }
    throw new TypeError(`DavHttp(${this.origin}): path must be absolute or a URL: ${p}`);
  }
}

const UNAUTHENTICATED_EXPECT: readonly number[] = [401];
