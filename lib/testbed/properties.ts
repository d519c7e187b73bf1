import { NS, clark } from '../xml/namespaces.js';
import { element, escapeXml } from '../xml/write.js';
import { apnsTransportOf } from './apns.js';
import { homePushKey, pushKeyProperty } from './push/push-keys.js';
import { inviteProperty, sharedResourceType, sharedUrlProperty } from './sharing.js';
import type { PropContext } from './request.js';
import type { Collection, User } from './store.js';
import type { Target } from './targets.js';

const href = (h: string) => `<D:href>${escapeXml(h)}</D:href>`;
const report = (ns: string, name: string) => `<D:supported-report><D:report>${element(ns, name)}</D:report></D:supported-report>`;

const REPORTS_COLLECTION = [
  report(NS.CALDAV, 'calendar-multiget'),
  report(NS.CALDAV, 'calendar-query'),
  report(NS.CALDAV, 'free-busy-query'),
  report(NS.DAV, 'sync-collection'),
  report(NS.DAV, 'expand-property'),
].join('');
const REPORTS_HOME = [report(NS.DAV, 'sync-collection'), report(NS.DAV, 'expand-property')].join('');
const REPORTS_PRINCIPALS = [
  report(NS.DAV, 'principal-property-search'),
  report(NS.DAV, 'principal-search-property-set'),
  report(NS.DAV, 'expand-property'),
  report(NS.CS, 'calendarserver-principal-search'),
].join('');

const PRIVILEGES_ALL = '<D:privilege><D:all/></D:privilege><D:privilege><D:read/></D:privilege><D:privilege><D:write/></D:privilege><D:privilege><D:write-properties/></D:privilege><D:privilege><D:write-content/></D:privilege><D:privilege><D:bind/></D:privilege><D:privilege><D:unbind/></D:privilege><D:privilege><C:schedule-deliver/></D:privilege><D:privilege><C:schedule-send/></D:privilege>';
const PRIVILEGES_READ = '<D:privilege><D:read/></D:privilege><D:privilege><C:read-free-busy/></D:privilege>';

type Getter = (t: Target, ctx: PropContext) => string | undefined;

function collectionOf(t: Target): Collection | undefined {
  return t.kind === 'collection' ? t.collection : undefined;
}

function resourcetype(t: Target): string {
  switch (t.kind) {
    case 'principal':
      return '<D:collection/><D:principal/>';
    case 'collection': {
      const k = t.collection.kind;
      if (k === 'calendar') return `<D:collection/><C:calendar/>${sharedResourceType(t.collection)}`;
      if (k === 'inbox') return '<D:collection/><C:schedule-inbox/>';
      if (k === 'outbox') return '<D:collection/><C:schedule-outbox/>';
      return '<D:collection/><CS:notification/>';
    }
    case 'object':
    case 'attachment':
      return '';
    default:
      return '<D:collection/>';
  }
}

/** The user a target belongs to, if any. */
function ownerUser(t: Target): User | undefined {
  if (t.kind === 'principal') return t.user;
  if (t.kind === 'home') return t.home.owner;
  if (t.kind === 'collection' || t.kind === 'object') return t.collection.owner;
  return undefined;
}

/**
 * Live properties, by Clark name: a getter answers the value (inner XML) or
 * undefined when the property does not apply to that target (→ 404 propstat).
 */
const LIVE: ReadonlyMap<string, Getter> = new Map<string, Getter>([
  [clark(NS.DAV, 'resourcetype'), (t) => resourcetype(t)],
  [
    clark(NS.DAV, 'displayname'),
    (t) => {
      if (t.kind === 'principal') return escapeXml(t.user.record.commonName);
      if (t.kind === 'home') return escapeXml(t.home.owner.record.commonName);
      if (t.kind === 'collection') return escapeXml(t.collection.displayName);
      if (t.kind === 'principals') return 'principals';
      if (t.kind === 'principal-users') return 'users';
      return undefined;
    },
  ],
  [clark(NS.DAV, 'current-user-principal'), (_t, ctx) => href(ctx.user.principalPath)],
  [clark(NS.DAV, 'principal-collection-set'), () => href('/principals/')],
  [clark(NS.DAV, 'principal-URL'), (t) => (t.kind === 'principal' ? href(t.user.principalPath) : undefined)],
  [clark(NS.DAV, 'owner'), (t) => (ownerUser(t) ? href(ownerUser(t)!.principalPath) : undefined)],
  [
    clark(NS.DAV, 'current-user-privilege-set'),
    (t, ctx) => {
      const owner = ownerUser(t);
      // A calendar shared read-only lives in the sharee's home, yet the sharee may only read it.
      if ((t.kind === 'collection' || t.kind === 'object') && !t.collection.writable) return PRIVILEGES_READ;
      return owner === ctx.user || (owner === undefined && t.kind !== 'principal') ? PRIVILEGES_ALL : PRIVILEGES_READ;
    },
  ],
  [clark(NS.DAV, 'resource-id'), (t) => (ownerUser(t) && (t.kind === 'principal' || t.kind === 'home') ? href(`urn:uuid:${ownerUser(t)!.record.guid}`) : undefined)],
  [
    clark(NS.DAV, 'supported-report-set'),
    (t) => {
      if (t.kind === 'collection') return REPORTS_COLLECTION;
      if (t.kind === 'home') return REPORTS_HOME;
      if (t.kind === 'principal' || t.kind === 'principals' || t.kind === 'principal-users') return REPORTS_PRINCIPALS;
      return undefined;
    },
  ],
  [
    clark(NS.DAV, 'sync-token'),
    (t) => (t.kind === 'home' ? escapeXml(t.home.syncToken) : t.kind === 'collection' && t.collection.kind !== 'outbox' ? escapeXml(t.collection.syncToken) : undefined),
  ],
  [clark(NS.CS, 'getctag'), (t) => (t.kind === 'home' ? escapeXml(t.home.ctag) : t.kind === 'collection' ? escapeXml(t.collection.ctag) : undefined)],
  [clark(NS.DAV, 'getetag'), (t) => (t.kind === 'object' && t.resource ? escapeXml(t.resource.etag) : undefined)],
  [clark(NS.DAV, 'getcontenttype'), (t) => (t.kind === 'object' && t.resource ? escapeXml(t.resource.contentType) : t.kind === 'collection' ? 'httpd/unix-directory' : undefined)],
  [clark(NS.DAV, 'getcontentlength'), (t) => (t.kind === 'object' && t.resource ? String(Buffer.byteLength(t.resource.text)) : undefined)],
  [clark(NS.DAV, 'getlastmodified'), (t) => (t.kind === 'object' && t.resource ? new Date(t.resource.lastModified).toUTCString() : undefined)],
  [clark(NS.CALDAV, 'calendar-data'), (t) => (t.kind === 'object' && t.resource ? escapeXml(t.resource.text) : undefined)],
  [clark(NS.CALDAV, 'schedule-tag'), (t) => (t.kind === 'object' && t.resource?.scheduleTag ? escapeXml(t.resource.scheduleTag) : undefined)],
  [clark(NS.CS, 'notificationtype'), (t) => (t.kind === 'object' && t.resource?.notificationType ? t.resource.notificationType : undefined)],
  // Principal properties (RFC 4791 §6, RFC 6638 §2, CalendarServer extensions).
  [clark(NS.CALDAV, 'calendar-home-set'), (t) => (t.kind === 'principal' ? href(t.user.home.path) : undefined)],
  [clark(NS.CALDAV, 'calendar-user-address-set'), (t) => (t.kind === 'principal' ? t.user.addresses.map(href).join('') : undefined)],
  [clark(NS.CALDAV, 'schedule-inbox-URL'), (t) => (t.kind === 'principal' ? href(`${t.user.home.path}inbox/`) : undefined)],
  [clark(NS.CALDAV, 'schedule-outbox-URL'), (t) => (t.kind === 'principal' ? href(`${t.user.home.path}outbox/`) : undefined)],
  [clark(NS.CALDAV, 'calendar-user-type'), (t) => (t.kind === 'principal' ? 'INDIVIDUAL' : undefined)],
  [clark(NS.CS, 'notification-URL'), (t, ctx) => (t.kind === 'principal' && ctx.store.quirks.notifications !== 'absent' ? href(`${t.user.home.path}notification/`) : undefined)],
  [clark(NS.CS, 'email-address-set'), (t) => (t.kind === 'principal' ? `<CS:email-address>${escapeXml(t.user.record.email)}</CS:email-address>` : undefined)],
  [clark(NS.CS, 'first-name'), (t) => (t.kind === 'principal' ? escapeXml(t.user.record.commonName.split(' ')[0] ?? '') : undefined)],
  [clark(NS.CS, 'last-name'), (t) => (t.kind === 'principal' ? escapeXml(t.user.record.commonName.split(' ').slice(1).join(' ')) : undefined)],
  [clark(NS.DAV, 'alternate-URI-set'), (t) => (t.kind === 'principal' ? href(t.user.mailto) : undefined)],
  [clark(NS.DAV, 'group-membership'), (t) => (t.kind === 'principal' ? '' : undefined)],
  [clark(NS.CS, 'calendar-proxy-read-for'), (t) => (t.kind === 'principal' ? '' : undefined)],
  [clark(NS.CS, 'calendar-proxy-write-for'), (t) => (t.kind === 'principal' ? '' : undefined)],
  // Collection properties.
  [
    clark(NS.CALDAV, 'supported-calendar-component-set'),
    (t) => {
      const c = collectionOf(t);
      return c?.kind === 'calendar' ? c.components.map((n) => `<C:comp name="${n}"/>`).join('') : c?.kind === 'inbox' ? '<C:comp name="VEVENT"/><C:comp name="VTODO"/>' : undefined;
    },
  ],
  [clark(NS.CALDAV, 'supported-calendar-component-sets'), (t) => (t.kind === 'home' ? '<C:supported-calendar-component-set><C:comp name="VEVENT"/></C:supported-calendar-component-set><C:supported-calendar-component-set><C:comp name="VTODO"/></C:supported-calendar-component-set>' : undefined)],
  [clark(NS.CALDAV, 'supported-calendar-data'), (t) => (collectionOf(t)?.kind === 'calendar' ? '<C:calendar-data content-type="text/calendar" version="2.0"/>' : undefined)],
  [clark(NS.CALDAV, 'max-resource-size'), (t, ctx) => (collectionOf(t)?.kind === 'calendar' ? String(ctx.store.limits.maxResourceSize) : undefined)],
  [clark(NS.CALDAV, 'schedule-default-calendar-URL'), (t) => (collectionOf(t)?.kind === 'inbox' ? href(collectionOf(t)!.home.defaultCalendar?.path ?? '') : undefined)],
  [clark(NS.CALDAV, 'schedule-calendar-transp'), (t) => (collectionOf(t)?.kind === 'calendar' ? '<C:opaque/>' : undefined)],
  // Push, as CalendarServer's CommonHomeResource.readProperty (twistedcaldav/resource.py) answers
  // it with APNS on (the testbed always serves POST /apns/): the pushkey, and in push-transports
  // only the APSD transport. CalendarServer never lists AMP there, even with its AMP service on;
  // clients subscribe over AMP on the pushkey alone (when the AMP service is off, their
  // subscription fails and they poll).
  [
    clark(NS.CS, 'pushkey'),
    (t) => (t.kind === 'home' ? escapeXml(homePushKey(t.home)) : collectionOf(t)?.kind === 'calendar' ? escapeXml(pushKeyProperty(collectionOf(t)!)) : undefined),
  ],
  [
    clark(NS.CS, 'push-transports'),
    (t, ctx) => {
      const aps = t.kind === 'home' ? apnsTransportOf(ctx.store) : undefined;
      return aps
        ? `<CS:transport type="APSD"><CS:subscription-url>${href(aps.subscriptionUrl)}</CS:subscription-url><CS:apsbundleid>${escapeXml(aps.bundleId)}</CS:apsbundleid><CS:env>${escapeXml(aps.environment)}</CS:env><CS:refresh-interval>${aps.refreshIntervalSeconds}</CS:refresh-interval></CS:transport>`
        : undefined;
    },
  ],
  // Managed attachments: CalendarServer answers an empty href, which tells clients to use the server they talk to.
  [clark(NS.CALDAV, 'managed-attachments-server-URL'), (t) => (t.kind === 'home' ? href('') : undefined)],
  // Sharing (twistedcaldav/sharing.py).
  [clark(NS.CS, 'invite'), (t) => (collectionOf(t) ? inviteProperty(collectionOf(t)!) : undefined)],
  [clark(NS.CS, 'shared-url'), (t) => (collectionOf(t) ? sharedUrlProperty(collectionOf(t)!) : undefined)],
  [clark(NS.CS, 'allowed-sharing-modes'), (t) => (collectionOf(t)?.kind === 'calendar' ? '<CS:can-be-shared/>' : undefined)],
  [clark(NS.DAV, 'quota-available-bytes'), (t) => (t.kind === 'home' || t.kind === 'collection' ? '104857600' : undefined)],
  [
    clark(NS.DAV, 'quota-used-bytes'),
    (t) => {
      const c = collectionOf(t);
      if (c) return String(c.bytesUsed);
      return t.kind === 'home' ? '0' : undefined;
    },
  ],
]);

/** Properties loadsim stores as given (PROPPATCH), never live. */
export function deadPropsOf(t: Target): Map<string, string> | undefined {
  if (t.kind === 'collection') return t.collection.deadProps;
  if (t.kind === 'home') return t.home.deadProps;
  return undefined;
}

/** Live properties a client may not set (RFC 4918 §15, RFC 4791 §5.2). */
export function isProtected(clarkName: string): boolean {
  return LIVE.has(clarkName) && clarkName !== clark(NS.DAV, 'displayname') && clarkName !== clark(NS.CALDAV, 'schedule-calendar-transp');
}

/**
 * The value of a property on a target: `<prefix:name>value</prefix:name>` for
 * a dead property (stored whole), the inner XML of a live one, or undefined.
 */
export function propertyValue(t: Target, clarkName: string, ctx: PropContext): { xml: string } | { inner: string } | undefined {
  const dead = deadPropsOf(t)?.get(clarkName);
  if (dead !== undefined) return { xml: dead };
  const getter = LIVE.get(clarkName);
  const inner = getter?.(t, ctx);
  return inner === undefined ? undefined : { inner };
}

/** Names answered by allprop (RFC 4918 §9.1: live properties that are cheap, plus dead ones). */
export function allPropNames(t: Target, ctx: PropContext): string[] {
  const names: string[] = [];
  for (const [name, getter] of LIVE) {
    if (name === clark(NS.CALDAV, 'calendar-data')) continue; // not in allprop (RFC 4791 §9.6)
    if (getter(t, ctx) !== undefined) names.push(name);
  }
  for (const name of deadPropsOf(t)?.keys() ?? []) if (!names.includes(name)) names.push(name);
  return names;
}
