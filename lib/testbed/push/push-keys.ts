import type { Collection, Home } from '../store.js';

/**
 * CalendarServer's push keys ("node names", calendarserver/push/notifier.py):
 * `/<prefix>/<server host name>/<notifier id>/`, where a home's notifier id is its
 * owner's uid and a calendar's is `<owner uid>/<calendar name>`. A change in a
 * calendar is announced under both the calendar's key and its home's key; the
 * pushkey property of a home and of its own calendars is the home's key, and of a
 * calendar shared to someone else the owner's calendar key (that is what a sharee
 * subscribes to). The host part is fixed: keys must not change with the address
 * the testbed listens on.
 */
export const PUSH_HOST = 'localhost';

export function homePushKey(home: Home): string {
  return `/CalDAV/${PUSH_HOST}/${home.owner.uid}/`;
}

export function collectionPushKey(c: Collection): string {
  return `/CalDAV/${PUSH_HOST}/${c.home.owner.uid}/${c.name}/`;
}

/** The CS:pushkey a client reads on a collection: the home's key for its own, the owner's calendar key for a shared one. */
export function pushKeyProperty(c: Collection): string {
  return c.source === c ? homePushKey(c.home) : collectionPushKey(c.source);
}
