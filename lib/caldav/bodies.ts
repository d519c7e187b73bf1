import { escapeXml } from '../xml/write.js';

/**
 * Request bodies of the Apple client models: the same properties the real
 * clients ask for (the original kept captures of them in request-data/;
 * these are written afresh from those property lists). Constant bodies are
 * built once, at import.
 */

const XMLNS = 'xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CS="http://calendarserver.org/ns/" xmlns:I="http://apple.com/ns/ical/" xmlns:ME="http://me.com/_namespace/"';
const HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** CardDAV's namespace, declared on the element itself: only 10.7's and iOS 5's home listing use it. */
const CARD = (name: string) => `CR:${name} xmlns:CR="urn:ietf:params:xml:ns:carddav"`;

const propfind = (props: string[]) => `${HEAD}<D:propfind ${XMLNS}><D:prop>${props.map((p) => `<${p}/>`).join('')}</D:prop></D:propfind>`;

/** Discovery: well-known and find-principal (all models). */
export const DISCOVERY_PROPFIND = propfind(['D:current-user-principal', 'D:principal-URL', 'D:resourcetype']);

export const PRINCIPAL_PROPFIND = {
  OS_X_10_6: propfind([
    'D:principal-collection-set', 'C:calendar-home-set', 'C:calendar-user-address-set', 'C:schedule-inbox-URL', 'C:schedule-outbox-URL',
    'CS:dropbox-home-URL', 'CS:xmpp-uri', 'CS:notification-URL', 'D:displayname', 'D:principal-URL', 'D:supported-report-set',
  ]),
  OS_X_10_7: propfind([
    'CS:allowed-calendar-component-set', 'C:calendar-home-set', 'C:calendar-user-address-set', 'D:current-user-principal', 'D:displayname',
    'CS:dropbox-home-URL', 'CS:email-address-set', 'CS:notification-URL', 'D:principal-collection-set', 'D:principal-URL', 'D:resource-id',
    'C:schedule-inbox-URL', 'C:schedule-outbox-URL', 'D:supported-report-set',
  ]),
  OS_X_10_11: propfind([
    'C:calendar-home-set', 'C:calendar-user-address-set', 'D:current-user-principal', 'D:displayname', 'CS:dropbox-home-URL',
    'CS:email-address-set', 'CS:notification-URL', 'D:principal-collection-set', 'D:principal-URL', 'D:resource-id',
    'C:schedule-inbox-URL', 'C:schedule-outbox-URL', 'D:supported-report-set',
  ]),
} as const;

const HOME_COMMON = [
  'D:add-member', 'D:current-user-privilege-set', 'D:displayname', 'D:owner', 'D:quota-available-bytes', 'D:quota-used-bytes', 'D:resource-id',
  'D:resourcetype', 'D:supported-report-set', 'D:sync-token', 'CS:allowed-sharing-modes', 'CS:getctag', 'CS:publish-url', 'CS:push-transports',
  'CS:pushkey', 'CS:source', 'CS:subscribed-strip-alarms', 'CS:subscribed-strip-attachments', 'CS:subscribed-strip-todos',
  'C:calendar-description', 'C:calendar-free-busy-set', 'C:calendar-timezone', 'C:schedule-calendar-transp', 'C:schedule-default-calendar-URL',
  'C:supported-calendar-component-set', 'I:calendar-color', 'I:calendar-order', 'I:refreshrate', 'ME:bulk-requests',
];

/** The props of the home listing (PROPFIND Depth 1, and for 10.11 the home sync-collection). */
export const HOME_PROPS = {
  OS_X_10_6: [
    'CS:xmpp-server', 'CS:xmpp-uri', 'CS:getctag', 'D:displayname', 'C:calendar-description', 'I:calendar-color', 'I:calendar-order',
    'C:supported-calendar-component-set', 'D:resourcetype', 'D:owner', 'C:calendar-free-busy-set', 'C:schedule-calendar-transp',
    'C:schedule-default-calendar-URL', 'D:quota-available-bytes', 'D:quota-used-bytes', 'C:calendar-timezone', 'D:current-user-privilege-set',
    'CS:source', 'CS:subscribed-strip-alarms', 'CS:subscribed-strip-attachments', 'CS:subscribed-strip-todos', 'I:refreshrate',
    'CS:push-transports', 'CS:pushkey', 'CS:publish-url',
  ],
  OS_X_10_7: [...HOME_COMMON, 'CS:me-card', 'CS:xmpp-server', 'CS:xmpp-uri', CARD('max-image-size'), CARD('max-resource-size')],
  OS_X_10_11: [
    ...HOME_COMMON, 'C:calendar-alarm', 'C:default-alarm-vevent-date', 'C:default-alarm-vevent-datetime', 'C:managed-attachments-server-URL',
    'C:supported-calendar-component-sets', 'CS:invite', 'CS:pre-publish-url', 'I:autoprovisioned', 'I:language-code', 'I:location-code',
  ],
} as const;

/** 10.11's sync-collection of the home asks the listing's props but for managed-attachments-server-URL. */
export const HOME_SYNC_PROPS_10_11: readonly string[] = HOME_PROPS.OS_X_10_11.filter((p) => p !== 'C:managed-attachments-server-URL');

export const homePropfind = (props: readonly string[]) => propfind([...props]);

const propXml = (props: readonly string[]) => `<D:prop>${props.map((p) => `<${p}/>`).join('')}</D:prop>`;

/** sync-collection (RFC 6578). Calendars are synced without sync-level (10.11 too); 10.11's home and notification syncs send level 1. */
export function syncCollection(token: string, props: readonly string[], level?: '1'): string {
  return `${HEAD}<D:sync-collection ${XMLNS}><D:sync-token>${escapeXml(token)}</D:sync-token>${level ? `<D:sync-level>${level}</D:sync-level>` : ''}${propXml(props)}</D:sync-collection>`;
}

export const CALENDAR_TOKEN_PROPFIND = propfind(['CS:getctag', 'D:sync-token']);
export const CALENDAR_LIST_PROPFIND = {
  OS_X_10_6: propfind(['D:getetag', 'D:resourcetype', 'CS:notificationtype']),
  other: propfind(['D:getcontenttype', 'D:getetag']),
} as const;
export const NOTIFICATION_ITEMS_PROPFIND = propfind(['D:getetag', 'CS:notificationtype']);

export function multiget(hrefs: readonly string[]): string {
  return `${HEAD}<C:calendar-multiget ${XMLNS}><D:prop><D:getetag/><C:calendar-data/><C:schedule-tag/></D:prop>${hrefs.map((h) => `<D:href>${escapeXml(h)}</D:href>`).join('')}</C:calendar-multiget>`;
}

/** iOS 5's calendar-query polls: events from a month back, every task. */
export function veventQuery(startUtc: string): string {
  return `${HEAD}<C:calendar-query ${XMLNS}>${propXml(['D:getetag', 'D:getcontenttype'])}<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:time-range start="${startUtc}"/></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`;
}
export const VTODO_QUERY = `${HEAD}<C:calendar-query ${XMLNS}>${propXml(['D:getetag', 'D:getcontenttype'])}<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VTODO"/></C:comp-filter></C:filter></C:calendar-query>`;

const prop = (names: string[]) => names.map((n) => `<C:prop name="${n}"/>`).join('');
/** What TimeRanger's query asks of each event: enough to draw it in a day view. */
const DAY_VIEW = `<C:comp name="VCALENDAR">${prop(['VERSION'])}<C:comp name="VEVENT">${prop(['SUMMARY', 'DTSTART', 'DTEND', 'LOCATION', 'UID', 'RECURRENCE-ID'])}</C:comp></C:comp>`;

/** TimeRanger's calendar-query: the events of a time range, expanded, with a subset of their properties. */
export function timeRangeQuery(startUtc: string, endUtc: string): string {
  return `${HEAD}<C:calendar-query ${XMLNS}><D:prop><D:getetag/><C:calendar-data><C:expand start="${startUtc}" end="${endUtc}"/>${DAY_VIEW}</C:calendar-data></D:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:time-range start="${startUtc}" end="${endUtc}"/></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`;
}

export const PSET_REPORT = `${HEAD}<D:principal-search-property-set xmlns:D="DAV:"/>`;

export const EXPAND_PROXIES = {
  OS_X_10_6: `${HEAD}<D:expand-property xmlns:D="DAV:">${['calendar-proxy-write-for', 'calendar-proxy-read-for']
    .map((p) => `<D:property name="${p}" namespace="http://calendarserver.org/ns/"><D:property name="displayname"/><D:property name="principal-URL"/><D:property name="calendar-user-address-set" namespace="urn:ietf:params:xml:ns:caldav"/></D:property>`)
    .join('')}</D:expand-property>`,
  other: `${HEAD}<D:expand-property xmlns:D="DAV:">${['calendar-proxy-read-for', 'calendar-proxy-write-for']
    .map((p) => `<D:property name="${p}" namespace="http://calendarserver.org/ns/"><D:property name="calendar-user-address-set" namespace="urn:ietf:params:xml:ns:caldav"/><D:property name="email-address-set" namespace="http://calendarserver.org/ns/"/><D:property name="displayname" namespace="DAV:"/></D:property>`)
    .join('')}</D:expand-property>`,
} as const;

const proppatch = (inner: string) => `${HEAD}<D:propertyupdate ${XMLNS}><D:set><D:prop>${inner}</D:prop></D:set></D:propertyupdate>`;

/** A VTIMEZONE for the calendar-timezone PROPPATCH of first start. */
function vtimezone(tzid: string, std: string, dst: string, stdName: string, dstName: string): string {
  return [
    'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Apple Inc.//iCal 5.0//EN', 'CALSCALE:GREGORIAN', 'BEGIN:VTIMEZONE', `TZID:${tzid}`,
    'BEGIN:DAYLIGHT', `TZOFFSETFROM:${std}`, 'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU', 'DTSTART:20070311T020000', `TZNAME:${dstName}`, `TZOFFSETTO:${dst}`, 'END:DAYLIGHT',
    'BEGIN:STANDARD', `TZOFFSETFROM:${dst}`, 'RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU', 'DTSTART:20071104T020000', `TZNAME:${stdName}`, `TZOFFSETTO:${std}`, 'END:STANDARD',
    'END:VTIMEZONE', 'END:VCALENDAR', '',
  ].join('\r\n');
}

/** First-start PROPPATCHes of each calendar, per model family (ical.py _pollFirstTime1). */
export const FIRST_TIME_PROPPATCHES = {
  OS_X_10_6: [
    proppatch('<I:calendar-color>#882F00FF</I:calendar-color>'),
    proppatch('<I:calendar-order>1</I:calendar-order>'),
    proppatch(`<C:calendar-timezone>${escapeXml(vtimezone('America/New_York', '-0500', '-0400', 'EST', 'EDT'))}</C:calendar-timezone>`),
  ],
  OS_X_10_11: [
    proppatch('<I:calendar-color symbolic-color="orange">#FD8208FF</I:calendar-color>'),
    proppatch('<I:calendar-order>1</I:calendar-order>'),
    proppatch(`<C:calendar-timezone>${escapeXml(vtimezone('America/Los_Angeles', '-0800', '-0700', 'PST', 'PDT'))}</C:calendar-timezone>`),
  ],
  iOS_5: [proppatch('<I:calendar-color>#711A76</I:calendar-color>'), proppatch('<I:calendar-order>0</I:calendar-order>')],
} as const;

/** 10.6/10.7/iOS attendee lookup: principal-property-search, starts-with on names and email. */
export function principalPropertySearch(prefix: string): string {
  const p = escapeXml(prefix);
  const search = (prop: string) => `<D:property-search><D:prop><${prop}/></D:prop><D:match match-type="starts-with">${p}</D:match></D:property-search>`;
  return `${HEAD}<D:principal-property-search ${XMLNS} test="anyof">${search('D:displayname')}${search('CS:email-address-set')}${search('CS:first-name')}${search('CS:last-name')}${propXml([
    'CS:email-address-set', 'C:calendar-user-address-set', 'C:calendar-user-type', 'D:displayname', 'CS:last-name', 'CS:first-name', 'CS:record-type', 'D:principal-URL',
  ])}</D:principal-property-search>`;
}

/** 10.11 attendee lookup: CalendarServer's principal search (one search token, no result limit). */
export function calendarserverPrincipalSearch(token: string, context = 'attendee'): string {
  return `${HEAD}<CS:calendarserver-principal-search ${XMLNS} context="${context}"><CS:search-token>${escapeXml(token)}</CS:search-token>${propXml([
    'D:displayname', 'CS:email-address-set', 'C:calendar-user-address-set', 'C:calendar-user-type', 'D:principal-URL', 'CS:first-name', 'CS:last-name', 'CS:record-type',
  ])}</CS:calendarserver-principal-search>`;
}

/** A sharee accepting a calendar share (10.11, ical.py). */
export function inviteReply(hrefOfInvitee: string, hostUrl: string, inReplyTo: string, summary: string): string {
  return `${HEAD}<CS:invite-reply ${XMLNS}><D:href>${escapeXml(hrefOfInvitee)}</D:href><CS:invite-accepted/><CS:hosturl><D:href>${escapeXml(hostUrl)}</D:href></CS:hosturl><CS:in-reply-to>${escapeXml(inReplyTo)}</CS:in-reply-to><CS:summary>${escapeXml(summary)}</CS:summary></CS:invite-reply>`;
}

export function shareCalendar(mailto: string, summary: string): string {
  return `${HEAD}<CS:share ${XMLNS}><CS:set><D:href>${escapeXml(mailto)}</D:href><CS:summary>${escapeXml(summary)}</CS:summary><CS:read-write/></CS:set></CS:share>`;
}

export function unshareCalendar(mailto: string): string {
  return `${HEAD}<CS:share ${XMLNS}><CS:remove><D:href>${escapeXml(mailto)}</D:href></CS:remove></CS:share>`;
}
