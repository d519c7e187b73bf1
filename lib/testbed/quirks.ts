/**
 * How the testbed can behave like the CalDAV servers people run rather than
 * like CalendarServer: the discovery answers and missing features that real
 * servers show, each on a switch (`loadsim serve --well-known 404`), so the
 * clients' fallbacks are exercised in tests and can be tried by hand.
 */

/**
 * The answer to `PROPFIND /.well-known/caldav`: `redirect` (301 to `/`, as
 * CalendarServer), or what other servers answer: 404, 500, or `html` (200
 * with a web page, as a server whose root serves a web UI).
 */
export type WellKnownQuirk = 'redirect' | 404 | 500 | 'html';

/**
 * Where principals are: `per-user` at `/principals/users/<uid>/` (the path the
 * original's principalPathTemplate names), or `hidden`: each principal only at
 * `/principals/__uids__/<guid>/`, found through DAV:current-user-principal
 * (the per-uid path answers 404), as a server whose principal URLs cannot be
 * guessed from the user name.
 */
export type PrincipalsQuirk = 'per-user' | 'hidden';

/**
 * CalendarServer's notification collection: `collection` (named by the
 * principal's CS:notification-URL and listed in the home), `absent` (neither),
 * or named but answering every request with 403 or 404.
 */
export type NotificationsQuirk = 'collection' | 'absent' | 403 | 404;

/**
 * A sync-collection REPORT without DAV:sync-level (as OS X 10.7 and the
 * original send it for calendars): taken for level 1 (`optional`, as
 * CalendarServer), or refused with 400 (`required`, as RFC 6578 §6.1 reads
 * and Xandikos does).
 */
export type SyncLevelQuirk = 'optional' | 'required';

export interface ServerQuirks {
  wellKnown: WellKnownQuirk;
  principals: PrincipalsQuirk;
  notifications: NotificationsQuirk;
  syncLevel: SyncLevelQuirk;
}

export const serverQuirksDefaults: ServerQuirks = { wellKnown: 'redirect', principals: 'per-user', notifications: 'collection', syncLevel: 'optional' };

/** The value of `--well-known`, `--principals` or `--notifications`; undefined when it is not one. */
export function parseQuirk<K extends keyof ServerQuirks>(key: K, text: string): ServerQuirks[K] | undefined {
  const allowed: Record<keyof ServerQuirks, readonly (string | number)[]> = {
    wellKnown: ['redirect', 404, 500, 'html'],
    principals: ['per-user', 'hidden'],
    notifications: ['collection', 'absent', 403, 404],
    syncLevel: ['optional', 'required'],
  };
  const value = /^\d+$/.test(text) ? Number(text) : text;
  return allowed[key].includes(value) ? (value as ServerQuirks[K]) : undefined;
}

/** The words each switch takes, for usage and error messages. */
export const QUIRK_CHOICES: Record<keyof ServerQuirks, string> = {
  wellKnown: 'redirect, 404, 500 or html',
  principals: 'per-user or hidden',
  notifications: 'collection, absent, 403 or 404',
  syncLevel: 'optional or required',
};

/** The page a server with a web UI answers at `/.well-known/caldav` (quirk `html`). */
export const WEB_PAGE = '<!DOCTYPE html>\n<html><head><title>Calendar</title></head><body><p>Sign in to use your calendar.</p></body></html>\n';
