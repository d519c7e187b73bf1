import { header, type DavRequest, type DavResponse } from './request.js';
import type { Store } from './store.js';

/**
 * CalendarServer's APNS subscription resource (calendarserver/push/applepush.py,
 * APNSubscriptionResource): an authenticated POST of `token=<device token>&key=<push
 * key>` (form-encoded body, or the query) records that the device wants pushes for
 * that key; 200 with an empty text/html body, 400 when either is missing or the token
 * is not hex. The testbed records the subscription and sends nothing: there is no
 * Apple push gateway here.
 */
export const APNS_PATH = '/apns/';

export interface ApnsSubscription {
  token: string;
  key: string;
  uid: string;
  userAgent: string;
  /** Epoch seconds of the latest (re)subscription. */
  subscribedAt: number;
}

/** At most this many subscriptions are kept; the oldest go first (a long run re-subscribes every minute). */
const MAX_SUBSCRIPTIONS = 100_000;

const subscriptions = new WeakMap<Store, Map<string, ApnsSubscription>>();

/** The recorded subscriptions, by `<token> <key>`, oldest first. */
export function apnsSubscriptionsOf(store: Store): ReadonlyMap<string, ApnsSubscription> {
  return subscriptions.get(store) ?? new Map();
}

/**
 * What the home's CS:push-transports advertises, as CalendarServer does when APNS is on
 * (calendarserver/push/notifier.py getPubSubAPSConfiguration): one transport of type APSD whose
 * subscription URL is this server's APNS resource, with the push topic (bundle id), the
 * environment and how often a device should re-subscribe, CalendarServer's defaults.
 */
export interface ApnsTransport {
  subscriptionUrl: string;
  bundleId: string;
  environment: string;
  refreshIntervalSeconds: number;
}

const transports = new WeakMap<Store, ApnsTransport>();

/** The APSD transport of the testbed serving this store, set while it listens (none: no push-transports). */
export function apnsTransportOf(store: Store): ApnsTransport | undefined {
  return transports.get(store);
}

/**
 * Advertise the APNS resource of a testbed listening at `origin` (e.g. http://127.0.0.1:8008).
 * CalendarServer's URL is `<scheme>://<ServerHostName>:<port>/apns`; `undefined` stops advertising.
 */
export function advertiseApns(store: Store, origin: string | undefined): void {
  if (origin === undefined) transports.delete(store);
  else transports.set(store, { subscriptionUrl: `${origin}/apns`, bundleId: 'com.apple.calendar.XServer.loadsim-testbed', environment: 'PRODUCTION', refreshIntervalSeconds: 2 * 24 * 60 * 60 });
}

export function isApnsPath(path: string): boolean {
  return path === APNS_PATH || path === '/apns';
}

/** CalendarServer's validToken: non-empty hex that decodes to bytes (an even number of digits). */
function validToken(token: string): boolean {
  return token.length > 0 && token.length % 2 === 0 && /^[0-9a-f]+$/.test(token);
}

export function apnsSubscribe(req: DavRequest): DavResponse {
  const form = new URLSearchParams(req.body);
  const token = (form.get('token') ?? req.query.get('token') ?? '').replace(/ /g, '').toLowerCase();
  const key = form.get('key') ?? req.query.get('key') ?? '';
  const html = { 'Content-Type': 'text/html' };
  if (!token || !key) return { status: 400, headers: html, body: "Invalid request: both 'token' and 'key' must be provided" };
  if (!validToken(token)) return { status: 400, headers: html, body: `Invalid request: bad 'token' ${token}` };
  let m = subscriptions.get(req.store);
  if (!m) subscriptions.set(req.store, (m = new Map()));
  const id = `${token} ${key}`;
  m.delete(id); // re-inserted last: Map order is then age order
  m.set(id, { token, key, uid: req.user.uid, userAgent: header(req, 'user-agent') ?? '-', subscribedAt: Math.floor(req.clock.now() / 1000) });
  if (m.size > MAX_SUBSCRIPTIONS) m.delete(m.keys().next().value!);
  return { status: 200, headers: html };
}
