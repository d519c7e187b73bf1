import type { ServerQuirks } from './quirks.js';
import type { User } from './store.js';
import type { Target } from './targets.js';

/** The members of a collection-like target, as Depth 1 lists them. */
export function* childTargets(t: Target, viewer: User, quirks: ServerQuirks): Iterable<Target> {
  switch (t.kind) {
    case 'root':
      yield { kind: 'principals', path: '/principals/' };
      yield { kind: 'calendars', path: '/calendars/' };
      return;
    case 'principals':
      yield { kind: 'principal-users', path: '/principals/users/' };
      return;
    case 'calendars':
      yield { kind: 'calendar-users', path: '/calendars/users/' };
      return;
    case 'calendar-users':
      // Other users' homes are private; list only the viewer's.
      yield { kind: 'home', path: viewer.home.path, home: viewer.home };
      return;
    case 'home':
      for (const c of t.home.collections.values()) {
        // A server without notifications (quirks.ts) does not list the collection.
        if (c.kind === 'notification' && quirks.notifications === 'absent') continue;
        yield { kind: 'collection', path: c.path, collection: c };
      }
      return;
    case 'collection':
      for (const r of t.collection.resources.values()) {
        yield { kind: 'object', path: t.collection.path + encodeURIComponent(r.name), collection: t.collection, name: r.name, resource: r };
      }
      return;
    default:
      return;
  }
}
