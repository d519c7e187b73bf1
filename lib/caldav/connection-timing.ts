/**
 * Which request opened a connection, how long connecting took, and the exact
 * size of the request head undici wrote: undici's handler API tells a request
 * none of these, so we learn them from two places.
 *
 * 1. The pool's `connect` function is ours (`timedConnector`): it wraps
 *    undici's `buildConnector`, times TCP + TLS with the injected clock, and
 *    tags the new socket with the time.
 * 2. undici publishes `undici:client:sendHeaders` ({ request, headers, socket })
 *    synchronously while writing a request, right after calling that
 *    request's handler `onRequestStart` (client-h1.js `writeH1`, undici 7).
 *    An exchange registers itself in `onRequestStart`; the subscriber takes
 *    it, reads the socket's tag (present only on a socket's first request)
 *    and the head's length. Nothing can run in between (same call stack), and
 *    the method and path are checked so that messages from another undici
 *    (Node's own fetch publishes on the same channel) are never misattributed.
 *
 * test/caldav covers both: connectMs only on a connection's first response,
 * and bytesOut equal to what the server read.
 */

import { subscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { buildConnector } from 'undici';
import type { Clock } from '../core/clock.js';

/** What an exchange wants to learn when its request is written. */
export interface SendWatcher {
  readonly method: string;
  readonly path: string;
  /** `headBytes`: request line and headers as written (without content-length and the final CRLF). */
  onSend(headBytes: number, connectMs: number | undefined, socket: Socket): void;
}

const kConnectMs = Symbol('loadsim.connectMs');
type TaggedSocket = Socket & { [kConnectMs]?: number };

let waiting: SendWatcher | null = null;
let subscribed = false;

interface SendHeadersMessage {
  request: { method: string; path: string };
  headers: string;
  socket: TaggedSocket;
}

function onSendHeaders(message: unknown): void {
  const w = waiting;
  if (!w) return;
  waiting = null;
  const m = message as SendHeadersMessage;
  if (m.request.method !== w.method || m.request.path !== w.path) return;
  const ms = m.socket[kConnectMs];
  if (ms !== undefined) m.socket[kConnectMs] = undefined;
  w.onSend(m.headers.length, ms, m.socket);
}

/** Subscribe once per process (idempotent). */
export function watchSends(): void {
  if (subscribed) return;
  subscribed = true;
  subscribe('undici:client:sendHeaders', onSendHeaders);
}

/** Call from the handler's `onRequestStart`: the next sendHeaders message is this request's. */
export function expectSend(w: SendWatcher): void {
  waiting = w;
}

/** Forget `w` if its sendHeaders never came (aborted in onRequestStart). */
export function cancelSend(w: SendWatcher): void {
  if (waiting === w) waiting = null;
}

/** The pool's connector: undici's own, timed. */
export function timedConnector(options: buildConnector.BuildOptions, clock: Clock): buildConnector.connector {
  const base = buildConnector(options);
  return (opts, callback) => {
    const started = clock.monotonic();
    base(opts, (...args: Parameters<buildConnector.Callback>) => {
      if (args[1]) (args[1] as TaggedSocket)[kConnectMs] = clock.monotonic() - started;
      callback(...args);
    });
  };
}
