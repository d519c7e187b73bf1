import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Pool } from 'undici';
import { Random } from '../../lib/core/random.js';

/**
 * A misbehaving server on demand: an HTTP proxy in front of the testbed (or
 * any CalDAV server) that passes requests through, except those a rule
 * picks, which get a fault instead. Tests use it to prove that loadsim keeps
 * measuring through what a failing server does, and that every request it
 * started is counted once.
 *
 * Faults, per request (a rule picks requests by method, path and a seeded
 * rate, up to a limit):
 * - `latency`          forwarded after `latencyMs`;
 * - `stall`            never answered (the client's timeout must end it);
 * - `reset`            the connection is reset (TCP RST) before any answer;
 * - `close-mid-body`   the real answer's headers and half its body, then the connection is closed;
 * - `status-404`, `status-500`, `status-503` an error page (503 with `Retry-After: 1`);
 * - `garbage`          a 207 whose body is not XML at all;
 * - `truncated-xml`    the real answer cut in half, as a complete HTTP message;
 * - `huge-multistatus` the real 207 with 10 MB of well-formed padding inside its first prop;
 * - `malformed-ical`   the real answer with its iCalendar data broken (only answers that carry some).
 * And for the whole server: `refuse(ms)` stops listening (connections are
 * refused) and drops every open connection, for a while or until `accept()`.
 *
 * The last three need the real answer, so they are injected only when it
 * has what they change; `counts.injected` says how many of each kind were
 * (and `log` which requests, by method and path). Requests the
 * proxy answered itself never reached the server: `counts.forwarded` is
 * what the server saw, to reconcile with its own count.
 */
export type FaultKind = 'latency' | 'stall' | 'reset' | 'close-mid-body' | 'status-404' | 'status-500' | 'status-503' | 'garbage' | 'truncated-xml' | 'huge-multistatus' | 'malformed-ical';

export const FAULT_KINDS: readonly FaultKind[] = ['latency', 'stall', 'reset', 'close-mid-body', 'status-404', 'status-500', 'status-503', 'garbage', 'truncated-xml', 'huge-multistatus', 'malformed-ical'];

export interface FaultRule {
  kind: FaultKind;
  /** Fraction of matching requests, 0–1 (default 1). */
  rate?: number;
  /** Only requests of this method. */
  method?: string;
  /** Only requests whose path matches. */
  path?: RegExp;
  /** At most this many injections (default: no limit). */
  limit?: number;
  /** At most this many per client (per User-Agent, which names the client and its instance). */
  limitPerClient?: number;
  /**
   * Only the first request on its connection. A client cannot take a reset of
   * such a request for a keep-alive connection the server closed while idle,
   * so it does not retry it: each such reset is one failed request.
   */
  firstOnConnection?: boolean;
  /** For `latency`: how long, ms (default 200). */
  latencyMs?: number;
}

export interface FaultProxyOptions {
  /** The server behind, e.g. http://127.0.0.1:8008 */
  target: string;
  rules?: FaultRule[];
  /** Seeds which requests a rate picks (default "faults"). */
  seed?: string;
  /** Port to listen on (default 0: any free one). */
  port?: number;
}

/** A fault the proxy injected, for the test to look at. */
export interface InjectedFault {
  kind: FaultKind;
  method: string;
  path: string;
  userAgent: string;
}

export interface FaultCounts {
  /** Requests the proxy read from clients. */
  received: number;
  /** Requests passed on to the server (all of them reached it). */
  forwarded: number;
  /** Faults injected, by kind. */
  injected: Record<FaultKind, number>;
  /** Connections dropped by `refuse`. */
  dropped: number;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade', 'proxy-connection', 'te', 'trailer']);
const PADDING_BYTES = 10 * 1024 * 1024;

export class FaultProxy {
  readonly counts: FaultCounts = { received: 0, forwarded: 0, injected: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>, dropped: 0 };
  /** Every fault injected, in order (tests are short; this stays small). */
  readonly log: InjectedFault[] = [];
  private rules: { rule: FaultRule; used: number; byAgent: Map<string, number> }[] = [];
  private readonly random: Random;
  private readonly pool: Pool;
  private readonly sockets = new Set<Socket>();
  /** Requests read on each connection so far. */
  private readonly requestsOn = new WeakMap<Socket, number>();
  private readonly server: Server;
  private listening = false;
  private refuseTimer: NodeJS.Timeout | undefined;
  port = 0;

  private constructor(o: FaultProxyOptions) {
    this.random = Random.create(o.seed ?? 'faults');
    this.pool = new Pool(o.target, { connections: 64, keepAliveTimeout: 10_000 });
    this.setRules(o.rules ?? []);
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 30_000;
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  static async start(o: FaultProxyOptions): Promise<FaultProxy> {
    const p = new FaultProxy(o);
    await p.listen(o.port ?? 0);
    return p;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Replace the rules (their limits start again). */
  setRules(rules: FaultRule[]): void {
    this.rules = rules.map((rule) => ({ rule, used: 0, byAgent: new Map() }));
  }

  /** Stop listening and drop every connection: a server that is down. `ms` = for that long, else until `accept()`. */
  async refuse(ms?: number): Promise<void> {
    clearTimeout(this.refuseTimer);
    if (this.listening) {
      this.listening = false;
      const closed = new Promise<void>((r) => this.server.close(() => r()));
      for (const s of this.sockets) {
        this.counts.dropped++;
        s.destroy();
      }
      await closed;
    }
    if (ms !== undefined) this.refuseTimer = setTimeout(() => void this.accept(), ms);
  }

  /** Listen again on the same port. */
  async accept(): Promise<void> {
    clearTimeout(this.refuseTimer);
    if (!this.listening) await this.listen(this.port);
  }

  async close(): Promise<void> {
    clearTimeout(this.refuseTimer);
    for (const s of this.sockets) s.destroy();
    if (this.listening) await new Promise<void>((r) => this.server.close(() => r()));
    this.listening = false;
    await this.pool.destroy();
  }

  private async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.listening = true;
  }

  /** The fault for this request, if a rule picks it (first matching rule wins). */
  private pick(method: string, path: string, agent: string, firstOnConnection: boolean): FaultRule | undefined {
    for (const r of this.rules) {
      const { rule } = r;
      if (rule.firstOnConnection && !firstOnConnection) continue;
      if (rule.method && rule.method !== method) continue;
      if (rule.path && !rule.path.test(path)) continue;
      if (rule.limit !== undefined && r.used >= rule.limit) continue;
      if (rule.limitPerClient !== undefined && (r.byAgent.get(agent) ?? 0) >= rule.limitPerClient) continue;
      if (this.random.next() >= (rule.rate ?? 1)) continue;
      return rule;
    }
    return undefined;
  }

  /** A fault was injected: it counts against its rule's limits. */
  private note(kind: FaultKind, req: IncomingMessage): void {
    const agent = String(req.headers['user-agent'] ?? '');
    const r = this.rules.find((x) => x.rule.kind === kind);
    if (r) {
      r.used++;
      r.byAgent.set(agent, (r.byAgent.get(agent) ?? 0) + 1);
    }
    this.counts.injected[kind]++;
    this.log.push({ kind, method: req.method ?? '', path: req.url ?? '', userAgent: agent });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    this.counts.received++;
    const body = Buffer.concat(chunks);
    const method = req.method ?? 'GET';
    const socket = req.socket;
    const nth = (this.requestsOn.get(socket) ?? 0) + 1;
    this.requestsOn.set(socket, nth);
    const rule = this.pick(method, req.url ?? '/', String(req.headers['user-agent'] ?? ''), nth === 1);
    switch (rule?.kind) {
      case 'stall':
        this.note('stall', req);
        return; // the socket stays open and silent until the client gives up
      case 'reset':
        this.note('reset', req);
        socket.resetAndDestroy();
        return;
      case 'status-404':
        this.note('status-404', req);
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found (injected)');
        return;
      case 'status-500':
        this.note('status-500', req);
        res.writeHead(500, { 'Content-Type': 'text/plain' }).end('Internal Server Error (injected)');
        return;
      case 'status-503':
        this.note('status-503', req);
        res.writeHead(503, { 'Content-Type': 'text/plain', 'Retry-After': '1' }).end('Service Unavailable (injected)');
        return;
      case 'garbage': {
        this.note('garbage', req);
        const noise = Buffer.from(Array.from({ length: 512 }, () => this.random.integer(0, 256)));
        res.writeHead(207, { 'Content-Type': 'application/xml; charset=utf-8' }).end(Buffer.concat([Buffer.from('\u00ff\u00fe<<<not xml '), noise]));
        return;
      }
      case 'latency':
        this.note('latency', req);
        await new Promise((r) => setTimeout(r, rule.latencyMs ?? 200));
        break;
    }
    if (socket.destroyed) return;

    let answer: { status: number; headers: Record<string, string | string[]>; body: Buffer };
    try {
      answer = await this.forward(req, body);
    } catch {
      if (!socket.destroyed) res.writeHead(502, { 'Content-Type': 'text/plain' }).end('Bad Gateway (the proxy could not reach the server)');
      return;
    }
    if (socket.destroyed) return;
    let out = answer.body;
    const isMultistatus = answer.status === 207 && /<([A-Za-z][\w.-]*:)?multistatus[\s>]/.test(out.toString('utf8', 0, Math.min(out.length, 4096)));
    switch (rule?.kind) {
      case 'close-mid-body':
        if (out.length >= 2) {
          this.note('close-mid-body', req);
          res.writeHead(answer.status, { ...answer.headers, 'Content-Length': String(out.length) });
          res.write(out.subarray(0, out.length >> 1), () => socket.destroy());
          return;
        }
        break;
      case 'truncated-xml':
        if (isMultistatus) {
          this.note('truncated-xml', req);
          out = out.subarray(0, out.length >> 1);
        }
        break;
      case 'huge-multistatus': {
        const text = isMultistatus ? out.toString('utf8') : '';
        const prop = /<([A-Za-z][\w.-]*:)?prop>/.exec(text);
        if (prop) {
          this.note('huge-multistatus', req);
          const at = prop.index + prop[0].length;
          const pad = `<pad xmlns="urn:loadsim:test:padding">${'x'.repeat(PADDING_BYTES)}</pad>`;
          out = Buffer.from(text.slice(0, at) + pad + text.slice(at));
        }
        break;
      }
      case 'malformed-ical': {
        const text = out.toString('utf8');
        if (text.includes('BEGIN:VCALENDAR')) {
          this.note('malformed-ical', req);
          // Unbalanced components and a property line without a colon: no iCalendar parser can take it.
          out = Buffer.from(text.replace(/END:VCALENDAR/g, '').replace(/BEGIN:VEVENT/g, 'BEGIN:VEVENT\nDTSTART;BROKEN\nBEGIN:VALARM'));
        }
        break;
      }
    }
    res.writeHead(answer.status, { ...answer.headers, 'Content-Length': String(out.length) }).end(out);
  }

  private async forward(req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: Record<string, string | string[]>; body: Buffer }> {
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP_BY_HOP.has(k) && k !== 'host') headers[k] = v;
    // Uncompressed, so that faults can change the body; clients take either.
    headers['accept-encoding'] = 'identity';
    this.counts.forwarded++;
    const r = await this.pool.request({ path: req.url ?? '/', method: (req.method ?? 'GET') as 'GET', headers, body: body.length ? body : null, reset: false });
    const data = Buffer.from(await r.body.arrayBuffer());
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(r.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
    return { status: r.statusCode, headers: out, body: data };
  }
}
