import { findAttachment, type Attachment } from './attachment-store.js';
import type { Collection, Home, Store, StoredResource, User } from './store.js';

/** What a request path names. */
export type Target =
  | { kind: 'root'; path: '/' }
  | { kind: 'principals'; path: '/principals/' }
  | { kind: 'principal-users'; path: '/principals/users/' }
  | { kind: 'principal'; path: string; user: User }
  | { kind: 'calendars'; path: '/calendars/' }
  | { kind: 'calendar-users'; path: '/calendars/users/' }
  | { kind: 'home'; path: string; home: Home }
  | { kind: 'collection'; path: string; collection: Collection }
  /** A member of a collection; `resource` is undefined when it does not exist (yet). */
  | { kind: 'object'; path: string; collection: Collection; name: string; resource?: StoredResource }
  /** A managed attachment (CalendarServer's `/calendars/__uids__/<owner>/dropbox/<id>/<name>`); undefined when unknown. Access is checked by its GET. */
  | { kind: 'attachment'; path: string; attachment?: Attachment }
  /** Nothing here; `parent` is the home when the path is a new collection in it (for MKCALENDAR). */
  | { kind: 'missing'; path: string; parentHome?: Home; name?: string };

function decodeSegments(pathname: string): string[] | undefined {
  try {
    return pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

/** Resolve a request path (no query) to what it names. */
export function resolveTarget(store: Store, pathname: string): Target {
  const s = decodeSegments(pathname);
  if (!s) return { kind: 'missing', path: pathname };
  const missing: Target = { kind: 'missing', path: pathname };
  if (s.length === 0) return { kind: 'root', path: '/' };
  if (s[0] === 'principals') {
    if (s.length === 1) return { kind: 'principals', path: '/principals/' };
    if (s[1] === '__uids__') {
      // Hidden principals (quirks.ts) live only here, named by guid.
      const user = s.length === 3 && store.quirks.principals === 'hidden' ? store.userByAddress(`urn:uuid:${s[2]!}`) : undefined;
      return user ? { kind: 'principal', path: user.principalPath, user } : missing;
    }
    if (s[1] !== 'users') return missing;
    if (s.length === 2) return { kind: 'principal-users', path: '/principals/users/' };
    const user = store.quirks.principals === 'hidden' ? undefined : store.users.get(s[2]!);
    return user && s.length === 3 ? { kind: 'principal', path: user.principalPath, user } : missing;
  }
  if (s[0] === 'calendars') {
    if (s.length === 1) return { kind: 'calendars', path: '/calendars/' };
    if (s[1] === '__uids__') return s.length === 6 && s[3] === 'dropbox' ? { kind: 'attachment', path: pathname, attachment: findAttachment(store, s[2]!, s[4]!, s[5]!) } : missing;
    if (s[1] !== 'users') return missing;
    if (s.length === 2) return { kind: 'calendar-users', path: '/calendars/users/' };
    const user = store.users.get(s[2]!);
    if (!user) return missing;
    const home = user.home;
    if (s.length === 3) return { kind: 'home', path: home.path, home };
    const collection = s[3] === 'notification' && store.quirks.notifications === 'absent' ? undefined : home.collections.get(s[3]!);
    if (!collection) return s.length === 4 ? { kind: 'missing', path: pathname, parentHome: home, name: s[3]! } : missing;
    if (s.length === 4) return { kind: 'collection', path: collection.path, collection };
    if (s.length === 5) {
      const name = s[4]!;
      return { kind: 'object', path: collection.path + encodeURIComponent(name), collection, name, resource: collection.resources.get(name) };
    }
  }
  return missing;
}

/** The owner of what a target names, for access checks; undefined for shared, public places. */
export function ownerOf(t: Target): User | undefined {
  switch (t.kind) {
    case 'home':
      return t.home.owner;
    case 'collection':
    case 'object':
      return t.collection.owner;
    case 'missing':
      return t.parentHome?.owner;
    default:
      return undefined;
  }
}

/** Hrefs are written percent-encoded, segment by segment. */
export function hrefOf(t: Target): string {
  return t.path;
}
