import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hrefsOf, MalformedResponseError, parseMultistatus, propsOk, textOf } from '../../lib/caldav/multistatus.js';
import { NS, clark } from '../../lib/xml/namespaces.js';

const SYNC = `<?xml version="1.0" encoding="utf-8" ?>
<multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <response>
    <href>/calendars/users/user01/calendar/a%20b.ics</href>
    <propstat>
      <prop><getetag>"e1"</getetag><C:calendar-data>BEGIN:VCALENDAR&#13;
END:VCALENDAR&#13;
</C:calendar-data></prop>
      <status>HTTP/1.1 200 OK</status>
    </propstat>
    <propstat>
      <prop><C:schedule-tag/></prop>
      <status>HTTP/1.1 404 Not Found</status>
    </propstat>
  </response>
  <response>
    <href>https://cal.example.com:8443/calendars/users/user01/calendar/gone.ics</href>
    <status>HTTP/1.1 404 Not Found</status>
  </response>
  <sync-token>data:,42</sync-token>
</multistatus>`;

describe('parseMultistatus', () => {
  it('reads hrefs (decoded paths), propstats by Clark name, response status and the sync-token', () => {
    const ms = parseMultistatus(SYNC);
    assert.equal(ms.syncToken, 'data:,42');
    assert.equal(ms.responses.length, 2);
    const [a, gone] = ms.responses;
    assert.equal(a!.href, '/calendars/users/user01/calendar/a b.ics');
    assert.equal(a!.status, undefined);
    assert.deepEqual(
      a!.propstats.map((p) => [p.status, [...p.props.keys()]]),
      [
        [200, [clark(NS.DAV, 'getetag'), clark(NS.CALDAV, 'calendar-data')]],
        [404, [clark(NS.CALDAV, 'schedule-tag')]],
      ],
    );
    const ok = propsOk(a!);
    assert.equal(textOf(ok.get('{DAV:}getetag')), '"e1"');
    assert.equal(ok.get(clark(NS.CALDAV, 'calendar-data'))!.text, 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n');
    assert.equal(ok.has(clark(NS.CALDAV, 'schedule-tag')), false, 'only the 200 propstat');
    assert.equal(gone!.href, '/calendars/users/user01/calendar/gone.ics');
    assert.equal(gone!.status, 404);
    assert.equal(propsOk(gone!).size, 0);
  });

  it('prefixes do not matter, namespaces do; several hrefs share one status; hrefsOf reads href properties', () => {
    const ms = parseMultistatus(
      '<D:multistatus xmlns:D="DAV:" xmlns:X="http://example.com/"><D:response><D:href>/a/</D:href><D:href>/b/</D:href><D:status>HTTP/1.1 403 Forbidden</D:status></D:response>' +
        '<D:response><D:href>/p/</D:href><D:propstat><D:prop><D:current-user-principal><D:href>/principals/users/user%2001/</D:href></D:current-user-principal><X:getetag>not DAV</X:getetag></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response></D:multistatus>',
    );
    assert.deepEqual(
      ms.responses.map((r) => [r.href, r.status]),
      [
        ['/a/', 403],
        ['/b/', 403],
        ['/p/', undefined],
      ],
    );
    const props = propsOk(ms.responses[2]!);
    assert.deepEqual(hrefsOf(props.get('{DAV:}current-user-principal')), ['/principals/users/user 01/']);
    assert.equal(props.has('{DAV:}getetag'), false);
    assert.equal(textOf(props.get('{http://example.com/}getetag')), 'not DAV');
    assert.deepEqual(hrefsOf(undefined), []);
    assert.equal(ms.syncToken, undefined);
  });

  it('an href that is not valid percent-encoding is kept as written', () => {
    const ms = parseMultistatus('<multistatus xmlns="DAV:"><response><href>/50%.ics</href><status>HTTP/1.1 200 OK</status></response></multistatus>');
    assert.equal(ms.responses[0]!.href, '/50%.ics');
  });

  it('garbage throws MalformedResponseError with a stable code', () => {
    const cases: [string, string][] = [
      ['', 'xml'],
      ['not xml at all', 'xml'],
      ['<multistatus xmlns="DAV:"><response>', 'xml'],
      ['<!DOCTYPE x [<!ENTITY a "aaaa">]><multistatus xmlns="DAV:"/>', 'xml'],
      ['<html><body>502 Bad Gateway</body></html>', 'not-multistatus'],
      ['<multistatus><response/></multistatus>', 'not-multistatus'],
      ['<multistatus xmlns="DAV:"><response><status>HTTP/1.1 200 OK</status></response></multistatus>', 'no-href'],
      ['<multistatus xmlns="DAV:"><response><href>/x</href></response></multistatus>', 'bad-status'],
      ['<multistatus xmlns="DAV:"><response><href>/x</href><propstat><prop/></propstat></response></multistatus>', 'bad-status'],
      ['<multistatus xmlns="DAV:"><response><href>/x</href><status>OK</status></response></multistatus>', 'bad-status'],
    ];
    for (const [xml, kind] of cases) {
      assert.throws(
        () => parseMultistatus(xml),
        (e: unknown) => e instanceof MalformedResponseError && e.code === 'LOADSIM_MALFORMED_RESPONSE' && e.kind === kind,
        `${kind}: ${xml}`,
      );
    }
  });

});
