/**
 * The fixed request mix of the efficiency benchmark, as data, so that every
 * tool (loadsim's client layer, wrk, Locust, Tsung) sends byte for byte the
 * same requests: per user, in this order, a home PROPFIND Depth 1, a
 * sync-collection REPORT on the calendar, a calendar-multiget of the user's
 * benchmark events, and a PUT of one of them (overwritten in turn, so the
 * store does not grow). `prepareMix` PUTs those events first, so the
 * multiget finds them.
 *
 * Basic auth with the testbed's credentials (password = uid) on every
 * request: the peers cannot do Digest's challenge round trip the same way,
 * and a second exchange per request would not be the same mix.
 */
import { Buffer } from 'node:buffer';

export interface MixRequest {
  label: 'PROPFIND{home}' | 'REPORT{sync}' | 'REPORT{multiget}' | 'PUT{event}';
  method: 'PROPFIND' | 'REPORT' | 'PUT';
  path: string;
  headers: Record<string, string>;
  body: string;
  /** The status a correct answer has. */
  expect: number;
}

export const EVENTS_PER_USER = 4;

export const uidOf = (n: number) => `user${String(n).padStart(2, '0')}`;

const HOME_PROPFIND = `<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CS="http://calendarserver.org/ns/" xmlns:I="http://apple.com/ns/ical/">
<D:prop><D:resourcetype/><D:displayname/><CS:getctag/><D:sync-token/><C:supported-calendar-component-set/>
<I:calendar-color/><I:calendar-order/><D:owner/><D:current-user-privilege-set/><C:calendar-timezone/>
<CS:pushkey/><D:quota-available-bytes/><D:quota-used-bytes/>
<C:schedule-calendar-transp/><C:schedule-default-calendar-URL/><D:supported-report-set/></D:prop></D:propfind>`;

const SYNC = `<?xml version="1.0" encoding="utf-8"?>
<D:sync-collection xmlns:D="DAV:"><D:sync-token/><D:sync-level>1</D:sync-level><D:prop><D:getetag/><D:getcontenttype/></D:prop></D:sync-collection>`;

const multiget = (hrefs: string[]) => `<?xml version="1.0" encoding="utf-8"?>
<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/><C:calendar-data/></D:prop>
${hrefs.map((h) => `<D:href>${h}</D:href>`).join('\n')}
</C:calendar-multiget>`;

export function eventHref(n: number, k: number): string {
  return `/calendars/users/${uidOf(n)}/calendar/bench-${k}.ics`;
}

export function eventBody(n: number, k: number): string {
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//loadsim//bench//EN',
    'BEGIN:VEVENT',
    `UID:bench-${uidOf(n)}-${k}`,
    'DTSTAMP:20261125T090000Z',
    `DTSTART:202612${String(1 + k).padStart(2, '0')}T100000Z`,
    'DURATION:PT1H',
    `SUMMARY:Benchmark event ${k} of ${uidOf(n)}`,
    'DESCRIPTION:The same bytes from every tool.',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

const basic = (uid: string) => `Basic ${Buffer.from(`${uid}:${uid}`).toString('base64')}`;

/** The four requests of user n (1-based), in the order each tool sends them. */
export function userMix(n: number, round = 0): MixRequest[] {
  const uid = uidOf(n);
  const home = `/calendars/users/${uid}/`;
  const auth = { Authorization: basic(uid) };
  const xml = { ...auth, 'Content-Type': 'text/xml; charset=utf-8' };
  const k = round % EVENTS_PER_USER;
  return [
    { label: 'PROPFIND{home}', method: 'PROPFIND', path: home, headers: { ...xml, Depth: '1' }, body: HOME_PROPFIND, expect: 207 },
    { label: 'REPORT{sync}', method: 'REPORT', path: `${home}calendar/`, headers: { ...xml, Depth: '1' }, body: SYNC, expect: 207 },
    {
      label: 'REPORT{multiget}',
      method: 'REPORT',
      path: `${home}calendar/`,
      headers: { ...xml, Depth: '1' },
      body: multiget(Array.from({ length: EVENTS_PER_USER }, (_, i) => eventHref(n, i))),
      expect: 207,
    },
    { label: 'PUT{event}', method: 'PUT', path: eventHref(n, k), headers: { ...auth, 'Content-Type': 'text/calendar; charset=utf-8' }, body: eventBody(n, k), expect: 204 },
  ];
}

/** Every user's mix, users 1..users: what the peers' scripts are generated from. */
export function fullMix(users: number): MixRequest[][] {
  return Array.from({ length: users }, (_, i) => userMix(i + 1));
}

/** PUT every user's benchmark events, so that the multiget finds them and every later PUT overwrites (204). */
export async function prepareMix(url: string, users: number): Promise<void> {
  for (let n = 1; n <= users; n++) {
    await Promise.all(
      Array.from({ length: EVENTS_PER_USER }, async (_, k) => {
        const r = await fetch(`${url}${eventHref(n, k)}`, { method: 'PUT', headers: { Authorization: basic(uidOf(n)), 'Content-Type': 'text/calendar; charset=utf-8' }, body: eventBody(n, k) });
        await r.arrayBuffer();
        if (r.status !== 201 && r.status !== 204) throw new Error(`prepareMix: PUT ${eventHref(n, k)} answered ${r.status}`);
      }),
    );
  }
}
