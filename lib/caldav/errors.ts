/**
 * How a DAV request can fail, as stable codes (for programs and tests) and the
 * short human reasons that go into `ResponseEvent.error` (for reports and logs).
 *
 * The request layer never throws for these: it resolves a failed `DavResult`
 * carrying one of them, so a simulated client counts the failure and goes on.
 */

export type DavErrorCode =
  /** No complete response within `timeoutMs` (or connecting took longer than that). */
  | 'TIMEOUT'
  /** The server closed or reset the connection before the response was complete. */
  | 'CONNECTION_RESET'
  | 'CONNECTION_REFUSED'
  /** Other failures to reach the server: DNS, unreachable host, … */
  | 'CONNECTION_FAILED'
  /** TLS handshake or certificate verification failed. */
  | 'TLS'
  /** The body (on the wire, or once decompressed) is larger than `maxBodyBytes`. */
  | 'BODY_TOO_LARGE'
  /** Not HTTP, a bad chunked encoding, a bad gzip stream, an unknown content-encoding, … */
  | 'MALFORMED_RESPONSE'
  /** A complete response whose status the caller did not expect (401 after credentials included). */
  | 'UNEXPECTED_STATUS'
  /** The DavHttp was closed or destroyed. */
  | 'CLOSED'
  /**
   * undici refused to send the request as given (a bad header name or value, an `Expect`
   * header): a caller's mistake, reported as a failure so it is counted and seen, not thrown.
   */
  | 'INVALID_REQUEST';

/** A failure of one HTTP exchange: a code and the reason string reported in events. */
export interface DavFailure {
  code: DavErrorCode;
  reason: string;
}

const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_|CERT_|HOSTNAME_MISMATCH|ERR_OSSL_)/;

/** Map what undici or node:net throws to a stable code and a short reason. */
export function classifyNetworkError(err: unknown): DavFailure {
  const e = err as { code?: unknown; errors?: unknown[]; message?: unknown } | null;
  let code = typeof e?.code === 'string' ? e.code : undefined;
  // Happy-eyeballs connects (autoSelectFamily) fail with an AggregateError of per-address errors.
  if (!code && Array.isArray(e?.errors)) {
    const first = e.errors.find((x) => typeof (x as { code?: unknown })?.code === 'string') as { code: string } | undefined;
    code = first?.code;
  }
  switch (code) {
    case 'ECONNREFUSED':
      return { code: 'CONNECTION_REFUSED', reason: 'connection refused' };
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
    case 'UND_ERR_SOCKET': // "other side closed"
      return { code: 'CONNECTION_RESET', reason: 'connection reset' };
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return { code: 'TIMEOUT', reason: 'timeout' };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return { code: 'CONNECTION_FAILED', reason: 'dns lookup failed' };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
    case 'EADDRNOTAVAIL':
      return { code: 'CONNECTION_FAILED', reason: 'host unreachable' };
    case 'UND_ERR_CLOSED':
    case 'UND_ERR_DESTROYED':
      return { code: 'CLOSED', reason: 'client closed' };
    case 'UND_ERR_INVALID_ARG':
    case 'UND_ERR_NOT_SUPPORTED':
    case 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH':
      return { code: 'INVALID_REQUEST', reason: `invalid request (${typeof e?.message === 'string' ? e.message : code})` };
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
    case 'UND_ERR_HEADERS_OVERFLOW':
      return { code: 'MALFORMED_RESPONSE', reason: `malformed response (${code})` };
  }
  if (code?.startsWith('HPE_')) return { code: 'MALFORMED_RESPONSE', reason: `malformed response (${code})` };
  // llhttp's errors do not always carry an HPE_ code (undici leaves it undefined for some).
  if ((err as Error | null)?.name === 'HTTPParserError') return { code: 'MALFORMED_RESPONSE', reason: 'malformed response (not HTTP/1.1)' };
  if (code && TLS_CODE.test(code)) return { code: 'TLS', reason: `tls: ${code}` };
  const what = code ?? (typeof e?.message === 'string' ? e.message : String(err));
  return { code: 'CONNECTION_FAILED', reason: `network error (${what})` };
}

export type MalformedKind = 'xml' | 'not-multistatus' | 'no-href' | 'bad-status';

/**
 * A response body that is not what a DAV server must send (garbage, not a
 * multistatus, a response without href, a status line that is not one). The
 * caller counts it as a failed request.
 */
export class MalformedResponseError extends Error {
  /** Stable: branch on this, not on the message. */
  readonly code = 'LOADSIM_MALFORMED_RESPONSE' as const;
  readonly kind: MalformedKind;
  constructor(kind: MalformedKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.name = 'MalformedResponseError';
  }
}
