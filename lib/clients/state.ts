import { flatString } from '../core/flat-string.js';
import { EventCache } from './event-cache.js';

/**
 * What one simulated client remembers, kept small: 10,000 clients share a
 * process. Strings are the only payload; calendar data is kept because the
 * profiles read and edit it (the Accepter, the updaters).
 */
export interface CalendarState {
  href: string;
  /** displayname, else the last path segment. */
  name: string;
  kind: 'calendar' | 'inbox';
  /** Upper-cased component names this calendar holds (shared between calendars: see componentList). */
  components: readonly string[];
  /** sync-token (sync clients) or getctag; empty until first synced. */
  token: string;
  shared: boolean;
  sharedByMe: boolean;
}

export interface EventState {
  etag: string;
  scheduleTag?: string;
  /** The iCalendar text, once fetched. */
  data?: string;
}

export class ClientState {
  principalURL = '';
  homeHref = '';
  outboxHref = '';
  inboxHref = '';
  notificationHref = '';
  notificationToken = '';
  /** The user's `mailto:` calendar address. */
  email = '';
  /** urn:x-uid: / urn:uuid: address. */
  uuid = '';
  principalCollection = '';
  homeToken = '';
  pushKey = '';
  attachmentsUrl = '';
  /** The server lists sync-collection for the home (else sync clients fall back to ctag polling). */
  syncSupported = true;
  /** The server refused a calendar's sync REPORT: this client lists calendars instead, as when sync is not offered. */
  syncRefused = false;
  /** The server refused the notification collection (403, 404, 405, 501): this client stops asking for it. */
  notificationsRefused = false;
  readonly calendars = new Map<string, CalendarState>();
  /** Cached events by href; it keeps their calendar data's size as they change (cachedDataChars). */
  readonly events = new EventCache<EventState>();
  /** Managed attachments fetched or uploaded, by MANAGED-ID; made at the first (most clients never have one). */
  attachments: Map<string, string> | undefined;

  /**
   * Characters of calendar data this client holds (about its bytes: iCalendar
   * is ASCII, one byte a character in V8). It grows with the server's data:
   * a real client caches every event of its calendars, and so does this one.
   */
  cachedDataChars(): number {
    return this.events.dataChars;
  }

  /** The calendar collection an event href is in. */
  calendarOf(href: string): CalendarState | undefined {
    return this.calendars.get(href.slice(0, href.lastIndexOf('/') + 1));
  }

  /** Hrefs of the events cached for one calendar. */
  eventsIn(calendarHref: string): string[] {
    const out: string[] = [];
    for (const href of this.events.keys()) if (href.startsWith(calendarHref) && href.indexOf('/', calendarHref.length) < 0) out.push(href);
    return out;
  }

  clear(): void {
    this.principalURL = this.homeHref = this.outboxHref = this.inboxHref = this.notificationHref = '';
    this.notificationToken = this.email = this.uuid = this.principalCollection = this.homeToken = this.pushKey = this.attachmentsUrl = '';
    this.syncSupported = true;
    this.syncRefused = this.notificationsRefused = false;
    this.calendars.clear();
    this.events.clear();
    this.attachments = undefined;
  }
}


/**
 * `current` when `next` has the same characters, else a detached copy of
 * `next`: for values a client reads again at every poll (push key, home
 * token), most often unchanged, so that each poll does not copy them anew.
 */
export function keptOr(current: string, next: string): string {
  return current === next ? current : flatString(next);
}

/**
 * One frozen array per distinct list of component names (`['VEVENT']`,
 * `['VEVENT', 'VTODO']`, …), shared by every calendar that has it: a handful of
 * lists for a whole population, instead of an array per calendar. Bounded, so
 * a server inventing lists cannot grow it without end.
 */
const COMPONENT_LISTS = new Map<string, readonly string[]>();

export function componentList(names: readonly string[]): readonly string[] {
  const key = JSON.stringify(names);
  let list = COMPONENT_LISTS.get(key);
  if (list === undefined) {
    list = Object.freeze(names.map(flatString));
    if (COMPONENT_LISTS.size < 1_000) COMPONENT_LISTS.set(key, list);
  }
  return list;
}
