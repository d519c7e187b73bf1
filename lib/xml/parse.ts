import { SaxesParser } from 'saxes';
import { BoundedMemo } from '../core/bounded-memo.js';
import { clark } from './namespaces.js';

/** An element of a parsed document, with its namespace resolved. */
export interface XmlElement {
  ns: string;
  name: string;
  attrs: Readonly<Record<string, string>>;
  /** Read only: an element without children shares one frozen empty array. */
  children: XmlElement[];
  /** Text directly inside this element (not in children), as written. */
  text: string;
}

/** Why a document was refused; stable, for tests and callers to branch on. */
export type XmlErrorCode = 'XML_DOCTYPE' | 'XML_TOO_DEEP' | 'XML_TOO_MANY_ELEMENTS' | 'XML_MALFORMED' | 'XML_NO_ROOT';

export class XmlError extends Error {
  readonly code: XmlErrorCode;
  constructor(message: string, code: XmlErrorCode = 'XML_MALFORMED') {
    super(message);
    this.name = 'XmlError';
    this.code = code;
  }
}

/** Thrown from inside saxes' handlers to stop reading a document already refused. */
class Refused extends Error {}

const NO_ATTRIBUTES: Readonly<Record<string, string>> = Object.freeze({});

export interface ParseXmlOptions {
  /** Deepest nesting accepted. */
  maxDepth: number;
  /** Most elements accepted. */
  maxElements: number;
}

export const parseXmlDefaults: ParseXmlOptions = { maxDepth: 64, maxElements: 100_000 };

const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

/** Prefix → namespace in scope; '' is the default namespace. Shared down the tree until an element declares. */
type Bindings = ReadonlyMap<string, string>;
const DOCUMENT_BINDINGS: Bindings = new Map([['', ''], ['xml', XML_NS]]);

/** What one parse builds; the parser's handlers write here. */
interface ParseState {
  o: ParseXmlOptions;
  stack: XmlElement[];
  /** The bindings in scope inside each open element, parallel to `stack`. */
  scopes: Bindings[];
  /**
   * `kids[d + 1]`: the children gathered so far of the open element at depth d, reused from
   * element to element. A closing element takes an array of exactly its children's length:
   * pushing onto a fresh array gave every parent a 17-slot backing store, the largest part of
   * the ~265 bytes loadsim's tree allocated per element (the testbed's 10 KB home PROPFIND:
   * 358 elements; allocation is most of the generator's garbage-collection cost).
   */
  kids: (XmlElement | undefined)[][];
  /**
   * How many of `kids[d]` are gathered. Kept apart from the arrays' lengths: setting an
   * array's length to 0 gives its backing store back, and the next push allocates a new one.
   */
  kidCount: number[];
  root: XmlElement | undefined;
  count: number;
  failure: XmlError | undefined;
  /** saxes reported an attribute of the tag being opened (most DAV elements have none, and a for-in over none still costs). */
  attributes: boolean;
}

/**
 * One saxes parser, reused: a document is parsed in one synchronous call, and
 * saxes resets itself at the end of each. Making one per document, with its
 * handlers, was a measurable part of a client's CPU per response.
 */
let reusable: { parser: SaxesParser; state: ParseState } | undefined;

function fail(state: ParseState, m: string, code: XmlErrorCode = 'XML_MALFORMED'): void {
  state.failure ??= new XmlError(m, code);
}

// Refusals stop the parse at once: nothing after a DOCTYPE, or past a limit, is read.
function refuse(state: ParseState, m: string, code: XmlErrorCode): never {
  fail(state, m, code);
  throw new Refused(m);
}

interface QName {
  prefix: string;
  local: string;
  /** An empty part or a second colon: not a namespace-well-formed name. */
  malformed: boolean;
}

/**
 * Qualified names already split: a DAV body repeats a few dozen names, and splitting each
 * anew made an array and two strings per element.
 */
const QNAMES = new BoundedMemo<QName>(4_096, (name) => {
  const colon = name.indexOf(':');
  if (colon === -1) return { prefix: '', local: name, malformed: false };
  const prefix = name.slice(0, colon);
  const local = name.slice(colon + 1);
  return { prefix, local, malformed: prefix === '' || local === '' || local.includes(':') };
});

/** Splits `p:local`, failing the document for a name that is not namespace-well-formed. */
function splitQName(state: ParseState, name: string): QName {
  const q = QNAMES.get(name);
  if (q.malformed) fail(state, `malformed name: ${name}`);
  return q;
}

/** The children of every element that has none: one shared, frozen array. */
const NO_CHILDREN: XmlElement[] = Object.freeze([]) as unknown as XmlElement[];

/** A declaration (`xmlns="…"` or `xmlns:p="…"`) checked as Namespaces in XML 1.0 §3 requires. */
function checkDeclaration(state: ParseState, prefix: string, uri: string): void {
  if (prefix === 'xmlns') fail(state, 'the prefix xmlns may not be declared');
  else if (prefix === 'xml' && uri !== XML_NS) fail(state, `the prefix xml may only be bound to ${XML_NS}`);
  else if (prefix !== 'xml' && uri === XML_NS) fail(state, `${XML_NS} may only be bound to the prefix xml`);
  else if (uri === XMLNS_NS) fail(state, `${XMLNS_NS} may not be bound to a prefix`);
  else if (prefix !== '' && uri === '') fail(state, `xmlns:${prefix}="": a prefix cannot be undeclared in XML 1.0`);
}

function makeParser(state: ParseState): SaxesParser {
  // No line/column tracking: it costs on every character, and a bad body is reported by what is wrong, not where.
  // Namespaces are resolved below rather than by saxes (xmlns: true): the same rules, with
  // the bindings shared down the tree instead of looked up tag by tag (with the parser reused,
  // 0.77× the time on the testbed's 10 KB home PROPFIND, 0.87× on a sync-collection answer).
  // test/xml/parse.test.ts checks both give the same trees and errors.
  const parser = new SaxesParser({ xmlns: false, position: false });
  parser.on('doctype', () => refuse(state, 'DOCTYPE is not allowed', 'XML_DOCTYPE'));
  parser.on('opentag', (node) => {
    const { o, stack, scopes } = state;
    if (++state.count > o.maxElements) refuse(state, `more than ${o.maxElements} elements`, 'XML_TOO_MANY_ELEMENTS');
    if (stack.length >= o.maxDepth) refuse(state, `nested deeper than ${o.maxDepth}`, 'XML_TOO_DEEP');
    const attributes = node.attributes as Record<string, string>;
    let bindings = scopes.length ? scopes[scopes.length - 1]! : DOCUMENT_BINDINGS;
    let declared = false;
    let others = false;
    const hasAttributes = state.attributes;
    state.attributes = false;
    if (hasAttributes) for (const key in attributes) {
      let prefix: string;
      if (key === 'xmlns') prefix = '';
      else if (key.startsWith('xmlns:')) prefix = splitQName(state, key).local;
      else {
        others = true;
        continue;
      }
      const uri = attributes[key]!.trim();
      checkDeclaration(state, prefix, uri);
      if (!declared) bindings = new Map(bindings);
      declared = true;
      (bindings as Map<string, string>).set(prefix, uri);
    }
    const { prefix, local } = splitQName(state, node.name);
    const ns = bindings.get(prefix);
    if (prefix === 'xmlns') fail(state, 'an element may not have the prefix xmlns');
    else if (ns === undefined) fail(state, `unbound namespace prefix: ${JSON.stringify(prefix)}`);
    // Most DAV elements have no attributes but namespace declarations: share one empty record then.
    let attrs: Record<string, string> = NO_ATTRIBUTES;
    if (others) {
      attrs = {};
      for (const key in attributes) {
        if (key === 'xmlns' || key.startsWith('xmlns:')) continue;
        const { prefix: p, local: l } = splitQName(state, key);
        let name = l;
        // The default namespace does not apply to attributes (Namespaces in XML §6.2).
        if (p !== '') {
          const uri = bindings.get(p);
          if (uri === undefined) fail(state, `unbound namespace prefix: ${JSON.stringify(p)}`);
          name = clark(uri ?? p, l);
        }
        // hasOwn, not `in`: an attribute named `constructor` is not a duplicate of Object's.
        if (Object.hasOwn(attrs, name)) fail(state, `duplicate attribute: ${name}`);
        attrs[name] = attributes[key]!;
      }
    }
    const el: XmlElement = { ns: ns ?? prefix, name: local, attrs, children: NO_CHILDREN, text: '' };
    const depth = stack.length;
    const { kids, kidCount } = state;
    if (depth) kids[depth]![kidCount[depth]!++] = el;
    else state.root = el;
    while (kids.length <= depth + 1) {
      kids.push([]);
      kidCount.push(0);
    }
    kidCount[depth + 1] = 0;
    stack.push(el);
    scopes.push(bindings);
  });
  parser.on('attribute', () => void (state.attributes = true));
  parser.on('closetag', () => {
    const el = state.stack.pop();
    state.scopes.pop();
    const d = state.stack.length + 1;
    const n = state.kidCount[d];
    if (el && n) {
      const gathered = state.kids[d]!;
      el.children = gathered.slice(0, n) as XmlElement[];
      // Not kept alive by the scratch array after this document.
      gathered.fill(undefined, 0, n);
      state.kidCount[d] = 0;
    }
  });
  parser.on('text', (t) => {
    const { stack } = state;
    if (stack.length) stack[stack.length - 1]!.text += t;
  });
  parser.on('cdata', (t) => {
    const { stack } = state;
    if (stack.length) stack[stack.length - 1]!.text += t;
  });
  parser.on('error', (e) => fail(state, e.message));
  return parser;
}

/**
 * Parse a whole document with saxes, a conformant XML parser, resolving
 * namespaces as Namespaces in XML 1.0 says.
 *
 * `D:href` and `href` under `xmlns="DAV:"` come out the same, which servers and
 * clients both rely on. A DOCTYPE is refused outright (XML_DOCTYPE), and
 * reading stops there: WebDAV and CalDAV bodies never carry one (RFC 4918
 * §20.6 warns against DTD processing), so with no DTD there can be no entity
 * expansion (billion laughs) and no external entity (XXE, a server making us
 * read /etc/passwd). saxes itself knows only the five predefined entities and
 * character references; any other `&name;` is an error. Depth and element
 * count are bounded so a hostile body cannot exhaust memory.
 */
export function parseXml(text: string, options: Partial<ParseXmlOptions> = {}): XmlElement {
  const o = options.maxDepth === undefined && options.maxElements === undefined ? parseXmlDefaults : { ...parseXmlDefaults, ...options };
  if (!reusable) {
    const state: ParseState = { o, stack: [], scopes: [], kids: [], kidCount: [], root: undefined, count: 0, failure: undefined, attributes: false };
    reusable = { parser: makeParser(state), state };
  }
  const { parser, state } = reusable;
  state.o = o;
  state.root = undefined;
  state.count = 0;
  state.failure = undefined;
  state.attributes = false;
  try {
    parser.write(text).close();
  } catch (e) {
    // A refusal (or a throw inside saxes) leaves the parser mid-document: the next parse gets a new one.
    reusable = undefined;
    if (!(e instanceof Refused)) fail(state, (e as Error).message);
  }
  const { failure, root } = state;
  state.stack = [];
  state.scopes = [];
  // A document refused mid-way leaves elements gathered: let them go with it.
  for (let d = 0; d < state.kids.length; d++) {
    state.kids[d]!.fill(undefined, 0, state.kidCount[d]);
    state.kidCount[d] = 0;
  }
  state.root = undefined;
  if (failure) throw failure;
  if (!root) throw new XmlError('no root element', 'XML_NO_ROOT');
  return root;
}

export function is(el: XmlElement | undefined, ns: string, name: string): boolean {
  return !!el && el.ns === ns && el.name === name;
}

export function child(el: XmlElement | undefined, ns: string, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.ns === ns && c.name === name);
}

export function childrenNamed(el: XmlElement | undefined, ns: string, name: string): XmlElement[] {
  return el ? el.children.filter((c) => c.ns === ns && c.name === name) : [];
}

/** All text inside, children included, trimmed. */
export function textOf(el: XmlElement | undefined): string {
  if (!el) return '';
  if (el.children.length === 0) return el.text.trim();
  return (el.text + el.children.map(textOf).join('')).trim();
}
