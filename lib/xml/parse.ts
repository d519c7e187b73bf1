import { SaxesParser } from 'saxes';
import { clark } from './namespaces.js';

/** An element of a parsed document, with its namespace resolved. */
export interface XmlElement {
  ns: string;
  name: string;
  attrs: Readonly<Record<string, string>>;
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

/**
 * Parse a whole document with saxes, a conformant, namespace-aware XML parser.
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
  const o = { ...parseXmlDefaults, ...options };
  // No line/column tracking: it costs on every character, and a bad body is reported by what is wrong, not where.
  const parser = new SaxesParser({ xmlns: true, position: false });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let count = 0;
  let failure: XmlError | undefined;
  const fail = (m: string, code: XmlErrorCode = 'XML_MALFORMED') => {
    failure ??= new XmlError(m, code);
  };
  // Refusals stop the parse at once: nothing after a DOCTYPE, or past a limit, is read.
  const refuse = (m: string, code: XmlErrorCode): never => {
    fail(m, code);
    throw new Refused(m);
  };
  parser.on('doctype', () => refuse('DOCTYPE is not allowed', 'XML_DOCTYPE'));
  parser.on('opentag', (node) => {
    if (++count > o.maxElements) refuse(`more than ${o.maxElements} elements`, 'XML_TOO_MANY_ELEMENTS');
    if (stack.length >= o.maxDepth) refuse(`nested deeper than ${o.maxDepth}`, 'XML_TOO_DEEP');
    // Most DAV elements have no attributes but namespace declarations: share one empty record then.
    let attrs: Record<string, string> = NO_ATTRIBUTES;
    for (const key in node.attributes) {
      const attr = node.attributes[key] as unknown as { local: string; uri: string; value: string; prefix: string };
      if (attr.prefix === 'xmlns' || (attr.prefix === '' && attr.local === 'xmlns')) continue;
      if (attrs === NO_ATTRIBUTES) attrs = {};
      attrs[attr.uri ? clark(attr.uri, attr.local) : attr.local] = attr.value;
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
  parser.on('error', (e) => fail(e.message));
  try {
    parser.write(text).close();
  } catch (e) {
    if (!(e instanceof Refused)) fail((e as Error).message);
  }
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
