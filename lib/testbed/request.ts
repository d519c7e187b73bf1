import type { Clock } from '../clock.js';
import type { PropContext } from './properties.js';
import type { Store, User } from './store.js';
import type { Target } from './targets.js';

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
