import type { Clock } from '../core/clock.js';
import type { Store, User } from './store.js';
import type { Target } from './targets.js';

/** Who asks: live properties such as current-user-principal depend on it. */
export interface PropContext {
  store: Store;
  user: User;
}

/** A request as the DAV methods see it: authenticated, body read, target resolved. */
export interface DavRequest {
  method: string;
  /** Path without query, as sent. */
  path: string;
  query: URLSearchParams;
  target: Target;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: string;
  user: User;
  store: Store;
  clock: Clock;
  ctx: PropContext;
}

export interface DavResponse {
  status: number;
  headers?: Record<string, string | string[]>;
  body?: string;
}

export const XML_HEADERS = { 'Content-Type': 'application/xml; charset=utf-8' } as const;

export function header(req: DavRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

export const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: 'OK',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  424: 'Failed Dependency',
};

export const statusLine = (code: number) => `<D:status>HTTP/1.1 ${code} ${STATUS_TEXT[code] ?? ''}</D:status>`;
