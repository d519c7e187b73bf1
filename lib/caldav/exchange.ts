/**
 * One HTTP request/response on the shared undici pool, as an undici dispatch
 * handler: the cheapest way to use undici (no stream objects, no promise per
 * body), and the one that lets us count bytes, cap and decompress the body as
 * it arrives, and time out on our own clock.
 *
 * An exchange always settles exactly once, through `resolve`, never rejects:
 * every way undici or the network can fail becomes an `ExchangeResult` with a
 * `failure`.
 */

import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { Clock, Timer } from '../core/clock.js';
import { BodyReader, contentCoding, type BodySink } from './body-reader.js';
import { cancelSend, expectSend, type SendWatcher } from './connection-timing.js';
import { classifyNetworkError, type DavFailure } from './errors.js';

export interface ExchangeResult {
  /** 0 when no response head arrived. */
  status: number;
  headers: IncomingHttpHeaders;
  /** Decompressed; empty when failed or not kept. */
  body: Buffer;
  failure?: DavFailure;
  /** Request line, headers and body as written. */
  bytesOut: number;
  /** Status line, headers and body as received (compressed; chunked framing not counted). */
  bytesIn: number;
  /** Set when this request was the first on a new connection: TCP + TLS time. */
  connectMs?: number;
  /** Sent on a connection that had carried earlier requests. */
  reusedConnection: boolean;
  /** Monotonic time the exchange settled (last body byte, or failure). */
  endedAt: number;
  /** Monotonic time the response head arrived; absent when none did. */
  headersAt?: number;
}

/** Per-exchange settings that are the same for every exchange of a DavHttp. */
export interface ExchangeLimits {
  timeoutMs: number;
  maxBodyBytes: number;
  clock: Clock;
}

const EMPTY = Buffer.alloc(0);
const NO_HEADERS: IncomingHttpHeaders = Object.freeze({}) as IncomingHttpHeaders;
// Methods for which undici writes `content-length: 0` when there is no body (client-h1.js).
const PAYLOAD_METHODS = new Set(['PUT', 'POST', 'PATCH', 'QUERY', 'PROPFIND', 'PROPPATCH']);

class AbortedByUs extends Error {}

export class Exchange implements Dispatcher.DispatchHandler, SendWatcher, BodySink {
  private controller: Dispatcher.DispatchController | undefined;
  private timer: Timer | undefined;
  private reader: BodyReader | undefined;
  private settled = false;
  private responseEnded = false;
  private status = 0;
  private headers: IncomingHttpHeaders = NO_HEADERS;
  private headersAt: number | undefined;
  private headBytesIn = 0;
  private bytesOut = 0;
  private connectMs: number | undefined;
  private reused = false;

  /**
   * @param keepBody false to read and drop the body (the unauthenticated pre-request)
   */
  constructor(
    readonly method: string,
    readonly path: string,
    private readonly bodyBytes: number,
    private readonly keepBody: boolean,
    private readonly limits: ExchangeLimits,
    private readonly resolve: (r: ExchangeResult) => void,
  ) {}

  // The request is being written to a socket now (after any wait for a free connection).
  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    expectSend(this);
    // The timeout covers the server's part: from writing the request to the last body byte.
    // Time spent waiting for one of the pool's connections is not limited (it is in durationMs);
    // connecting is limited by the connector's own timeout.
    this.timer = this.limits.clock.setTimer(this.limits.timeoutMs, () => this.fail({ code: 'TIMEOUT', reason: 'timeout' }));
  }

  onSend(headBytes: number, connectMs: number | undefined): void {
    const tail = this.bodyBytes > 0 ? `content-length: ${this.bodyBytes}\r\n`.length : PAYLOAD_METHODS.has(this.method) ? 19 : 0;
    this.bytesOut = headBytes + tail + 2 + this.bodyBytes;
    this.connectMs = connectMs;
    this.reused = connectMs === undefined;
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    if (this.settled || statusCode < 200) return;
    this.status = statusCode;
    this.headers = headers;
    this.headersAt = this.limits.clock.monotonic();
    // Wire size of the head: "HTTP/1.1 200 OK\r\n", each "name: value\r\n", then "\r\n".
    let n = 17 + (statusMessage?.length ?? 0);
    const raw = controller.rawHeaders;
    if (Array.isArray(raw)) for (let i = 0; i < raw.length; i++) n += raw[i]!.length + 2;
    this.headBytesIn = n;
    const max = this.limits.maxBodyBytes;
    const declared = headers['content-length'];
    if (declared !== undefined && Number(declared) > max) {
      // Declared too big: fail now rather than read it (the connection is closed).
      this.fail({ code: 'BODY_TOO_LARGE', reason: `body larger than ${max} bytes` });
      return;
    }
    const coding = contentCoding(headers['content-encoding']);
    if (coding === undefined) {
      this.fail({ code: 'MALFORMED_RESPONSE', reason: `malformed response (unsupported content-encoding ${String(headers['content-encoding'])})` });
      return;
    }
    this.reader = new BodyReader(max, coding, this.keepBody, this);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled || !this.reader) return;
    if (!this.reader.write(chunk)) controller.pause();
  }

  onResponseEnd(): void {
    this.responseEnded = true;
    if (this.settled) return;
    if (!this.reader) {
      this.fail({ code: 'MALFORMED_RESPONSE', reason: 'malformed response (no status)' });
      return;
    }
    this.reader.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    cancelSend(this);
    this.responseEnded = true; // undici is done with this request: nothing to abort
    if (this.settled) return;
    this.fail(classifyNetworkError(err));
  }

  bodyDone(body: Buffer): void {
    this.settle(body, undefined);
  }

  bodyFailed(failure: DavFailure): void {
    this.fail(failure);
  }

  bodyDrained(): void {
    this.controller?.resume();
  }

  private fail(failure: DavFailure): void {
    if (this.settled) return;
    this.reader?.destroy();
    this.settle(EMPTY, failure);
    // Stop the transfer; undici then closes the connection (its state is unknown) and the next
    // request gets a fresh one. Re-entrant: undici calls onResponseError, which sees `settled`.
    if (!this.responseEnded && this.controller && !this.controller.aborted) this.controller.abort(new AbortedByUs(failure.reason));
  }

  private settle(body: Buffer, failure: DavFailure | undefined): void {
    this.settled = true;
    this.timer?.cancel();
    this.timer = undefined;
    const r: ExchangeResult = {
      status: this.status,
      headers: this.headers,
      body,
      bytesOut: this.bytesOut,
      bytesIn: this.status ? this.headBytesIn + (this.reader?.wireBytes ?? 0) : 0,
      reusedConnection: this.reused,
      endedAt: this.limits.clock.monotonic(),
    };
    if (failure) r.failure = failure;
    if (this.connectMs !== undefined) r.connectMs = this.connectMs;
    if (this.headersAt !== undefined && this.status) r.headersAt = this.headersAt;
    // Hand the result over only after undici has made the connection reusable. With pipelining 1,
    // undici resumes a keep-alive connection in a setImmediate it schedules right after this
    // callback returns (client-h1.js onMessageComplete); until then the pool counts it busy, and a
    // caller sending its next request at once (a 401 retry, a client's next step) would make the
    // pool open a second connection for a strictly sequential client. The microtask runs after
    // undici's callback returns, so our immediate is queued behind undici's. Timing is already
    // taken above: this is an event-loop yield, not a timer.
    const resolve = this.resolve;
    queueMicrotask(() => setImmediate(resolve, r));
  }
}
