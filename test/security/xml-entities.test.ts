import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { DavHttp } from '../../lib/caldav/http.js';
import { MalformedResponseError, parseMultistatus } from '../../lib/caldav/multistatus.js';
import { RealClock } from '../../lib/core/clock.js';
import { parseXml, XmlError } from '../../lib/xml/parse.js';
import { client, serve, type Served } from '../caldav/support.js';

/**
 * Issue #11: WebDAV XML parsing expands no entity. parseXml refuses any
 * DOCTYPE (WebDAV never needs one), so a billion-laughs body and an external
 * entity are both refused, at the parser and as a failed response of a
 * PROPFIND, without the memory an expansion would take, and without the
 * contents of the file the entity names appearing anywhere.
 */

const MS = (inner: string) => `<D:multistatus xmlns:D="DAV:"><D:response><D:href>/calendars/x/</D:href><D:propstat><D:prop><D:displayname>${inner}</D:displayname></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response></D:multistatus>`;

/** Ten levels of ten: 10^9 "lol"s (3 GB) if expanded. */
const BILLION_LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE D:multistatus [
  <!ENTITY lol "lol">
${Array.from({ length: 9 }, (_, i) => `  <!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('\n')}
]>
${MS('&lol9;')}`;

const PASSWD = '/etc/passwd';
const XXE = `<?xml version="1.0"?>
<!DOCTYPE D:multistatus [ <!ENTITY xxe SYSTEM "file://${PASSWD}"> ]>
${MS('&xxe;')}`;

/** A parameter entity pulled from a URL: the other XXE form. */
const XXE_PARAMETER = `<?xml version="1.0"?>
<!DOCTYPE D:multistatus [ <!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote; ]>
${MS('&exfil;')}`;

/** What /etc/passwd says, if this machine has one: it must never show up. */
const passwdLines = existsSync(PASSWD)
  ? readFileSync(PASSWD, 'utf8')
      .split('\n')
      .filter((l) => l.length > 8)
      .slice(0, 3)
  : ['root:x:0:0:'];

const BODIES = { 'billion laughs': BILLION_LAUGHS, 'an external entity': XXE, 'an external parameter entity': XXE_PARAMETER } as const;

describe('XML entities at the parser', () => {
  for (const [name, body] of Object.entries(BODIES)) {
    it(`${name}: refused as a DOCTYPE, nothing expanded`, () => {
      const heap = process.memoryUsage().heapUsed;
      assert.throws(
        () => parseXml(body),
        (e: unknown) => e instanceof XmlError && e.code === 'XML_DOCTYPE' && /DOCTYPE is not allowed/.test(e.message),
      );
      assert.throws(
        () => parseMultistatus(body),
        (e: unknown) => e instanceof MalformedResponseError && e.kind === 'xml' && !passwdLines.some((l) => e.message.includes(l)),
      );
      // An expansion would need gigabytes; the refusal, nothing to speak of.
      assert.ok(process.memoryUsage().heapUsed - heap < 64 * 1024 * 1024);
    });
  }

  it('an entity reference with no DOCTYPE is not expanded either: undefined entity, refused', () => {
    assert.throws(() => parseXml(MS('&xxe;')), (e: unknown) => e instanceof XmlError && e.code === 'XML_MALFORMED');
    // The five predefined entities and character references are ordinary XML, and still work.
    const ok = parseMultistatus(MS('a &amp; b &lt;c&gt; &#x41;'));
    const prop = ok.responses[0]!.propstats[0]!.props.get('{DAV:}displayname')!;
    assert.equal(prop.text, 'a & b <c> A');
  });

  it('a DOCTYPE with no entities at all is refused the same: the policy is "no DTD", not "no bad DTD"', () => {
    assert.throws(() => parseXml(`<!DOCTYPE D:multistatus>${MS('x')}`), (e: unknown) => e instanceof XmlError && e.code === 'XML_DOCTYPE');
  });
});

describe('XML entities in a response to a PROPFIND', () => {
  let server: Served;
  let http: DavHttp;
  before(async () => {
    server = await serve((req, res) => {
      const name = decodeURIComponent(req.url!.slice(1)) as keyof typeof BODIES;
      req.resume();
      req.on('end', () => res.writeHead(207, { 'Content-Type': 'application/xml; charset=utf-8' }).end(BODIES[name]));
    });
    http = new DavHttp({ origin: server.url, clock: new RealClock() });
  });
  after(async () => {
    await http.destroy();
    await server.close();
  });

  for (const name of Object.keys(BODIES) as (keyof typeof BODIES)[]) {
    it(`${name}: a failed response (malformed multistatus), memory unchanged, no file contents`, async () => {
      const c = client();
      const heap = process.memoryUsage().heapUsed;
      const r = await http.request({ label: 'PROPFIND{home}', method: 'PROPFIND', path: `/${encodeURIComponent(name)}`, headers: { Depth: '1' }, body: '<D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>', expect: [207], multistatus: true }, c);
      assert.equal(r.status, 207);
      assert.equal(r.ok, false);
      assert.equal(r.errorCode, 'MALFORMED_RESPONSE');
      assert.equal(r.error, 'malformed multistatus (xml)');
      assert.equal(r.multistatus, undefined);
      const [response] = c.responses();
      assert.equal(response!.success, false, 'counted as a failed response');
      assert.equal(response!.error, 'malformed multistatus (xml)');
      assert.ok(process.memoryUsage().heapUsed - heap < 64 * 1024 * 1024);
      const everything = JSON.stringify({ r, events: c.events });
      for (const line of passwdLines) assert.ok(!everything.includes(line), `${PASSWD} leaked: ${line}`);
    });
  }
});
