import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { event, http, responses } from './support.js';

let tb: Testbed;
const CAL = '/calendars/users/user01/calendar/';
const ICS = { 'Content-Type': 'text/calendar; charset=utf-8' };
before(async () => {
  tb = await startTestbed({ port: 0, users: 12 });
  await http(tb.url, 'PUT', `${CAL}single.ics`, { headers: ICS, body: event('single', { start: '20260310T100000Z', end: '20260310T110000Z' }) });
  // Weekly on Mondays from 2 March 2026, 10:00 Los Angeles time: across the DST change of 8 March.
  await http(tb.url, 'PUT', `${CAL}weekly.ics`, {
    headers: ICS,
    body: event('weekly', { start: '20260302T100000', end: '20260302T110000', extra: ['RRULE:FREQ=WEEKLY;COUNT=6'] })
      .replace('DTSTART:20260302T100000', 'DTSTART;TZID=America/Los_Angeles:20260302T100000')
      .replace('DTEND:20260302T110000', 'DTEND;TZID=America/Los_Angeles:20260302T110000'),
  });
});
after(() => tb.close());

const query = (filter: string, props = '<D:getetag/>') =>
  http(tb.url, 'REPORT', CAL, {
    headers: { Depth: '1' },
    body: `<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop>${props}</D:prop><C:filter><C:comp-filter name="VCALENDAR">${filter}</C:comp-filter></C:filter></C:calendar-query>`,
  });

describe('calendar REPORTs', () => {
  it('calendar-multiget returns data and ETags, and 404 for a missing href', async () => {
    const r = await http(tb.url, 'REPORT', CAL, {
      body: `<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/><C:calendar-data/><C:schedule-tag/></D:prop><D:href>${CAL}single.ics</D:href><D:href>${CAL}missing.ics</D:href></C:calendar-multiget>`,
    });
    assert.equal(r.status, 207);
    const rs = responses(r.body);
    assert.deepEqual(rs.map((x) => [x.href, x.status]), [[`${CAL}single.ics`, 200], [`${CAL}missing.ics`, 404]]);
    assert.match(rs[0]!.body, /<C:calendar-data>BEGIN:VCALENDAR\r\n/);
    assert.match(rs[0]!.body, /<C:schedule-tag\/><\/D:prop><D:status>HTTP\/1\.1 404/);
  });

  it('calendar-query: comp-filter VEVENT with a time-range, recurrence expanded', async () => {
    const all = await query('<C:comp-filter name="VEVENT"/>');
    assert.equal(responses(all.body).length, 2);
    // 16 March 10:00 PDT = 17:00 UTC: only the weekly event has an instance there.
    const r = await query('<C:comp-filter name="VEVENT"><C:time-range start="20260316T165000Z" end="20260316T171000Z"/></C:comp-filter>');
    assert.deepEqual(responses(r.body).map((x) => x.href), [`${CAL}weekly.ics`]);
    // Before the DST change 10:00 was 18:00 UTC; after it 17:00 UTC, so 18:00–18:30 UTC on 16 March is free.
    const none = await query('<C:comp-filter name="VEVENT"><C:time-range start="20260316T180000Z" end="20260316T183000Z"/></C:comp-filter>');
    assert.equal(responses(none.body).length, 0);
    const vtodo = await query('<C:comp-filter name="VTODO"/>');
    assert.equal(responses(vtodo.body).length, 0);
  });

  it('calendar-query with expand returns the instances in UTC', async () => {
    const r = await query(
      '<C:comp-filter name="VEVENT"><C:time-range start="20260301T000000Z" end="20260320T000000Z"/><C:prop-filter name="UID"><C:text-match>weekly</C:text-match></C:prop-filter></C:comp-filter>',
      '<C:calendar-data><C:expand start="20260301T000000Z" end="20260320T000000Z"/></C:calendar-data>',
    );
    const rs = responses(r.body);
    assert.equal(rs.length, 1);
    const starts = [...rs[0]!.body.matchAll(/DTSTART:(\d{8}T\d{6}Z)/g)].map((m) => m[1]);
    assert.deepEqual(starts, ['20260302T180000Z', '20260309T170000Z', '20260316T170000Z']);
    assert.doesNotMatch(rs[0]!.body, /RRULE/);
  });

  it('calendar-query with expand and a comp/prop subset returns only the named properties (partial retrieval)', async () => {
    const subset = '<C:comp name="VCALENDAR"><C:prop name="VERSION"/><C:comp name="VEVENT"><C:prop name="UID"/><C:prop name="DTSTART"/><C:prop name="RECURRENCE-ID"/></C:comp></C:comp>';
    const r = await query(
      '<C:comp-filter name="VEVENT"><C:time-range start="20260301T000000Z" end="20260320T000000Z"/><C:prop-filter name="UID"><C:text-match>weekly</C:text-match></C:prop-filter></C:comp-filter>',
      `<D:getetag/><C:calendar-data><C:expand start="20260301T000000Z" end="20260320T000000Z"/>${subset}</C:calendar-data>`,
    );
    assert.equal(r.status, 207);
    const rs = responses(r.body);
    assert.equal(rs.length, 1);
    const data = /<C:calendar-data>([\s\S]*)<\/C:calendar-data>/.exec(rs[0]!.body)![1]!;
    const names = [...new Set(data.split(/\r\n/).map((l) => /^([A-Z-]+)[;:]/.exec(l)?.[1]).filter(Boolean))].sort();
    assert.deepEqual(names, ['BEGIN', 'DTSTART', 'END', 'RECURRENCE-ID', 'UID', 'VERSION']);
    assert.equal([...data.matchAll(/DTSTART:/g)].length, 3);
    // Without expand, the subset of the stored data; allprop/allcomp keep everything.
    const all = await query('<C:comp-filter name="VEVENT"/>', '<C:calendar-data><C:comp name="VCALENDAR"><C:allprop/><C:allcomp/></C:comp></C:calendar-data>');
    assert.match(all.body, /SUMMARY:/);
    const limited = await query('<C:comp-filter name="VEVENT"/>', '<C:calendar-data><C:limit-recurrence-set start="20260301T000000Z" end="20260320T000000Z"/></C:calendar-data>');
    assert.equal(limited.status, 403);
    assert.match(limited.body, /supported-calendar-data/);
  });

  it('a bad time-range is refused with valid-filter; an unknown report with supported-report', async () => {
    const r = await query('<C:comp-filter name="VEVENT"><C:time-range start="yesterday"/></C:comp-filter>');
    assert.equal(r.status, 403);
    assert.match(r.body, /valid-filter/);
    const u = await http(tb.url, 'REPORT', CAL, { body: '<X:whatever xmlns:X="urn:x"/>' });
    assert.equal(u.status, 403);
    assert.match(u.body, /supported-report/);
  });
});

describe('principal REPORTs', () => {
  it('principal-search-property-set is a 200 document', async () => {
    const r = await http(tb.url, 'REPORT', '/principals/', { body: '<D:principal-search-property-set xmlns:D="DAV:"/>' });
    assert.equal(r.status, 200);
    assert.match(r.body, /<D:principal-search-property-set[^>]*><D:principal-search-property><D:prop><D:displayname\/>/);
  });

  it('principal-property-search: starts-with on displayname, anyof across properties', async () => {
    const body = `<D:principal-property-search xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/" test="anyof"><D:property-search><D:prop><D:displayname/></D:prop><D:match match-type="starts-with">User 1</D:match></D:property-search><D:property-search><D:prop><CS:email-address-set/></D:prop><D:match match-type="starts-with">user03@</D:match></D:property-search><D:prop><D:displayname/><D:principal-URL/></D:prop></D:principal-property-search>`;
    const r = await http(tb.url, 'REPORT', '/principals/', { headers: { Depth: '0' }, body });
    assert.equal(r.status, 207);
    assert.deepEqual(responses(r.body).map((x) => x.href).sort(), ['/principals/users/user03/', '/principals/users/user10/', '/principals/users/user11/', '/principals/users/user12/']);
  });

  it('calendarserver-principal-search: every token must match', async () => {
    const body = `<CS:calendarserver-principal-search xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/" context="attendee"><CS:search-token>user</CS:search-token><CS:search-token>05</CS:search-token><CS:limit><CS:nresults>10</CS:nresults></CS:limit><D:prop><D:displayname/></D:prop></CS:calendarserver-principal-search>`;
    const r = await http(tb.url, 'REPORT', '/principals/', { body });
    assert.deepEqual(responses(r.body).map((x) => x.href), ['/principals/users/user05/']);
  });

  it('expand-property of the proxy sets answers (empty) on a principal', async () => {
    const body = `<D:expand-property xmlns:D="DAV:"><D:property name="calendar-proxy-write-for" namespace="http://calendarserver.org/ns/"><D:property name="displayname"/></D:property><D:property name="principal-URL"><D:property name="displayname"/></D:property></D:expand-property>`;
    const r = await http(tb.url, 'REPORT', '/principals/users/user01/', { body });
    assert.equal(r.status, 207);
    assert.match(r.body, /<CS:calendar-proxy-write-for\/>/);
    // principal-URL's href is expanded into a nested response with the displayname.
    assert.match(r.body, /<D:principal-URL><D:response><D:href>\/principals\/users\/user01\/<\/D:href><D:propstat><D:prop><D:displayname>User 01<\/D:displayname>/);
  });
});
