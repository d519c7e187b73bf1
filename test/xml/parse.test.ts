/**
 * parseXml resolves namespaces itself (saxes runs with xmlns: false, for
 * speed). These tests hold it to saxes's own namespace processing: on every
 * XML document of the original's request data, on what loadsim writes, on
 * hand-picked edge cases, and on thousands of seeded random documents mixing
 * declarations, redeclarations, undeclared defaults, unbound prefixes and
 * prefixed attributes, both must agree: the same tree, or both refuse.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SaxesParser } from 'saxes';
import seedrandom from 'seedrandom';
import * as bodies from '../../lib/caldav/bodies.js';
import { clark } from '../../lib/xml/namespaces.js';
import { parseXml, XmlError, type XmlElement } from '../../lib/xml/parse.js';
import { needsReference, referenceDir } from '../helpers/reference.js';

/** The tree saxes builds with its own namespace processing: what parseXml built before. */
function reference(text: string): XmlElement {
  const parser = new SaxesParser({ xmlns: true, position: false });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let error: string | undefined;
  parser.on('opentag', (node) => {
    const attrs: Record<string, string> = {};
    for (const key in node.attributes) {
      const a = node.attributes[key]!;
      if (a.prefix === 'xmlns' || (a.prefix === '' && a.local === 'xmlns')) continue;
      attrs[a.uri ? clark(a.uri, a.local) : a.local] = a.value;
    }
    const el: XmlElement = { ns: node.uri ?? '', name: node.local ?? node.name, attrs, children: [], text: '' };
    if (stack.length) stack[stack.length - 1]!.children.push(el);
    else root = el;
    stack.push(el);
  });
  parser.on('closetag', () => void stack.pop());
  parser.on('text', (t) => {
    if (stack.length) stack[stack.length - 1]!.text += t;
  });
  parser.on('cdata', (t) => {
    if (stack.length) stack[stack.length - 1]!.text += t;
  });
  parser.on('error', (e) => void (error ??= e.message));
  parser.write(text).close();
  if (error) throw new Error(error);
  if (!root) throw new Error('no root');
  return root;
}

/** Plain objects, so that the shared empty attribute record compares like any other. */
const plain = (el: XmlElement): unknown => ({ ns: el.ns, name: el.name, attrs: { ...el.attrs }, text: el.text, children: el.children.map(plain) });

function outcome(parse: (t: string) => XmlElement, text: string): { tree: unknown } | { refused: true } {
  try {
    return { tree: plain(parse(text)) };
  } catch {
    return { refused: true };
  }
}

function agree(text: string, what: string): void {
  assert.deepEqual(outcome(parseXml, text), outcome(reference, text), `${what}:\n${text}`);
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

describe('parseXml resolves namespaces as saxes does', () => {
  it('every XML document of the original\'s request data', needsReference(), () => {
    const docs = files(referenceDir()).filter((f) => /\.(request|xml)$/.test(f)).map((f) => [f, readFileSync(f, 'utf8')] as const).filter(([, t]) => t.trimStart().startsWith('<'));
    assert.ok(docs.length >= 50, `found ${docs.length} documents`);
    let parsed = 0;
    for (const [f, t] of docs) {
      agree(t, f);
      if ('tree' in outcome(parseXml, t)) parsed++;
    }
    // A few are fragments (a multiget's hrefs) that are refused by both.
    assert.ok(parsed >= 50, `${parsed} of ${docs.length} parsed`);
  });

  it('the bodies loadsim sends', () => {
    const made = [
      bodies.homePropfind(['D:resourcetype', 'CS:getctag']),
      bodies.syncCollection('data:,t/1', ['D:getetag'], '1'),
      bodies.multiget(['/a/1.ics', '/a/2 b.ics']),
      bodies.veventQuery('20261126T000000Z'),
      bodies.timeRangeQuery('20261126T000000Z', '20261127T000000Z'),
      bodies.principalPropertySearch('us'),
      bodies.calendarserverPrincipalSearch('us'),
      bodies.inviteReply('/principals/u/', '/calendars/h/', 'id', 'S & <T>'),
      bodies.shareCalendar('mailto:a@example.com', 'S'),
      bodies.unshareCalendar('mailto:a@example.com'),
    ];
    const texts = [...Object.values(bodies), ...made]
      .flatMap((v) => (typeof v === 'string' ? [v] : v && typeof v === 'object' ? Object.values(v) : []))
      .filter((v): v is string => typeof v === 'string' && v.trimStart().startsWith('<'));
    assert.ok(texts.length >= 20, `${texts.length} bodies`);
    for (const t of texts) agree(t, 'a body of lib/caldav/bodies.ts');
  });

  const cases: [string, string][] = [
    ['default namespace', '<multistatus xmlns="DAV:"><response><href>/a</href></response></multistatus>'],
    ['prefixed', '<D:multistatus xmlns:D="DAV:"><D:response/></D:multistatus>'],
    ['redeclared in a child', '<D:a xmlns:D="DAV:"><D:b xmlns:D="urn:x"><D:c/></D:b><D:d/></D:a>'],
    ['default undeclared', '<a xmlns="DAV:"><b xmlns=""><c/></b><d/></a>'],
    ['declared after use on the same element', '<D:a xmlns:D="DAV:"/>'],
    ['attributes: no default namespace, prefixed resolved', '<a xmlns="DAV:" xmlns:x="urn:x" b="1" x:c="2"/>'],
    ['xml:lang', '<a xml:lang="en">t</a>'],
    ['unbound element prefix', '<D:a/>'],
    ['unbound attribute prefix', '<a y:b="1"/>'],
    ['prefix undeclared (XML 1.0)', '<a xmlns:x="urn:x"><x:b xmlns:x=""/></a>'],
    ['xmlns prefix declared', '<a xmlns:xmlns="urn:x"/>'],
    ['xml prefix rebound', '<a xmlns:xml="urn:x"/>'],
    ['xml namespace to another prefix', '<a xmlns:y="http://www.w3.org/XML/1998/namespace"/>'],
    ['element with prefix xmlns', '<xmlns:a/>'],
    ['two colons', '<a:b:c xmlns:a="urn:a"/>'],
    ['empty local name', '<a: xmlns:a="urn:a"/>'],
    ['duplicate attribute after expansion', '<a xmlns:x="urn:n" xmlns:y="urn:n" x:b="1" y:b="2"/>'],
    ['attributes named like Object\'s own properties', '<a constructor="1" toString="2" hasOwnProperty="3"/>'],
    ['same local name in two namespaces', '<a xmlns:x="urn:n" xmlns:y="urn:m" x:b="1" y:b="2"/>'],
    ['whitespace around a namespace', '<a xmlns=" DAV: "><b/></a>'],
    ['CDATA and text', '<a xmlns="DAV:">x<![CDATA[<y>]]>z<b/>w</a>'],
    ['mismatched close tag', '<D:a xmlns:D="DAV:"></D:b>'],
  ];
  for (const [name, text] of cases) it(name, () => agree(text, name));

  it('4,000 random documents: declarations, redeclarations, unbound prefixes, attributes', () => {
    const random = seedrandom('parse-xml-namespaces');
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const prefixes = ['', 'D', 'C', 'x', 'xml', 'xmlns'];
    const uris = ['DAV:', 'urn:ietf:params:xml:ns:caldav', 'urn:x', '', 'http://www.w3.org/XML/1998/namespace'];
    const locals = ['a', 'href', 'prop', 'b'];
    const qname = () => {
      const p = random() < 0.7 ? pick(prefixes.slice(0, 4)) : pick(prefixes);
      return p ? `${p}:${pick(locals)}` : pick(locals);
    };
    let refused = 0;
    const element = (depth: number): string => {
      const name = qname();
      const attrs: string[] = [];
      // The root usually declares the common prefixes, as real bodies do.
      if (depth === 0) for (const p of ['D', 'C', 'x']) if (random() < 0.85) attrs.push(`xmlns:${p}="${pick(uris.slice(0, 3))}"`);
      const n = Math.floor(random() * 4);
      for (let i = 0; i < n; i++) {
        const r = random();
        if (r < 0.4) attrs.push(`xmlns${random() < 0.4 ? '' : ':' + pick(prefixes)}="${pick(uris)}"`);
        else attrs.push(`${qname()}="${i}"`);
      }
      const kids = depth < 3 ? Array.from({ length: Math.floor(random() * 3) }, () => element(depth + 1)).join(random() < 0.5 ? ' ' : '') : '';
      return `<${name}${attrs.map((a) => ' ' + a).join('')}>${kids}${random() < 0.3 ? 'text' : ''}</${name}>`;
    };
    for (let i = 0; i < 4000; i++) {
      const doc = element(0);
      const ours = outcome(parseXml, doc);
      if ('refused' in ours) refused++;
      assert.deepEqual(ours, outcome(reference, doc), doc);
    }
    // Both kinds were exercised.
    assert.ok(refused > 800 && refused < 3200, `${refused} of 4000 refused`);
  });

  it('a refusal midway leaves the next document unharmed (the parser is reused)', () => {
    assert.throws(() => parseXml('<!DOCTYPE x><x/>'), (e: unknown) => e instanceof XmlError && e.code === 'XML_DOCTYPE');
    assert.throws(() => parseXml('<a><a><a/></a></a>', { maxDepth: 2 }), (e: unknown) => e instanceof XmlError && e.code === 'XML_TOO_DEEP');
    assert.throws(() => parseXml('<a><b>'), XmlError);
    const ok = parseXml('<D:a xmlns:D="DAV:"><D:b>t</D:b></D:a>');
    assert.deepEqual(plain(ok), { ns: 'DAV:', name: 'a', attrs: {}, text: '', children: [{ ns: 'DAV:', name: 'b', attrs: {}, text: 't', children: [] }] });
    // Limits given to one call do not stick to the next.
    assert.doesNotThrow(() => parseXml('<a><a><a/></a></a>'));
  });
});
