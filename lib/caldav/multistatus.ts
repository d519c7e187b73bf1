/**
 * Reading a 207 Multi-Status body (RFC 4918 §13, RFC 6578 sync-token) into
 * what a client model needs: per response its href, its status or its
 * propstats, each propstat's properties by Clark name (`{DAV:}getetag`).
 *
 * Parsing is `parseXml` (saxes: namespace-aware, conformant, DOCTYPE refused
 * so no entity expansion). Anything that is not a well-formed multistatus
 * throws `MalformedResponseError`, which the caller counts as a failure.
 * It is on the hot path of every PROPFIND and REPORT: see
 * test/caldav/multistatus.test.ts for its measured cost.
 */

import { NS } from '../xml/namespaces.js';
import { parseXml, textOf, XmlError, type XmlElement } from '../xml/parse.js';
import { MalformedResponseError } from './errors.js';

export { textOf };
export { MalformedResponseError };

export interface Propstat {
  status: number;
  /** Clark name `{ns}local` → the property element (its children and text are the value). */
  props: Map<string, XmlElement>;
}

export interface MultistatusResponse {
  /** The path, percent-decoded, as the server wrote it (a full URL is reduced to its path; no trailing-slash normalization). */
  href: string;
  /** The response's own status (a response without propstats: 404 for a deleted member in a sync report, …). */
  status?: number;
  propstats: Propstat[];
}

export interface Multistatus {
  responses: MultistatusResponse[];
  /** RFC 6578: the DAV:sync-token of a sync-collection report. */
  syncToken?: string;
}

/** Parse a multistatus body. Throws MalformedResponseError for anything else. */
export function parseMultistatus(xml: string): Multistatus {
  let root: XmlElement;
  try {
    root = parseXml(xml);
  } catch (e) {
    throw new MalformedResponseError('xml', `malformed XML: ${e instanceof XmlError ? e.message : String(e)}`, { cause: e });
  }
  if (root.ns !== NS.DAV || root.name !== 'multistatus') throw new MalformedResponseError('not-multistatus', `not a multistatus: {${root.ns}}${root.name}`);
  const out: Multistatus = { responses: [] };
  for (const el of root.children) {
    if (el.ns !== NS.DAV) continue;
    if (el.name === 'response') readResponse(el, out.responses);
    else if (el.name === 'sync-token') out.syncToken = textOf(el);
  }
  return out;
}

function readResponse(el: XmlElement, into: MultistatusResponse[]): void {
  const hrefs: string[] = [];
  let status: number | undefined;
  const propstats: Propstat[] = [];
  for (const c of el.children) {
    if (c.ns !== NS.DAV) continue;
    switch (c.name) {
      case 'href':
        hrefs.push(decodeHref(textOf(c)));
        break;
      case 'status':
        status = statusCode(c);
        break;
      case 'propstat':
        propstats.push(readPropstat(c));
        break;
    }
  }
  if (hrefs.length === 0) throw new MalformedResponseError('no-href', 'a multistatus response without href');
  if (propstats.length === 0 && status === undefined) throw new MalformedResponseError('bad-status', `response ${hrefs[0]} has neither status nor propstat`);
  // RFC 4918 allows several hrefs sharing one status: one entry each.
  for (const href of hrefs) {
    const r: MultistatusResponse = { href, propstats };
    if (status !== undefined) r.status = status;
    into.push(r);
  }
}

function readPropstat(el: XmlElement): Propstat {
  let status: number | undefined;
  const props = new Map<string, XmlElement>();
  for (const c of el.children) {
    if (c.ns !== NS.DAV) continue;
    if (c.name === 'status') status = statusCode(c);
    else if (c.name === 'prop') for (const p of c.children) props.set(clarkOf(p), p);
  }
  if (status === undefined) throw new MalformedResponseError('bad-status', 'a propstat without status');
  return { status, props };
}

/**
 * Clark names of properties, made once per name: a multistatus names the same few
 * properties in every response, and building `{ns}name` anew for each (and hashing
 * the new string for the map) was a visible share of reading one.
 */
const CLARK = new Map<string, Map<string, string>>();
const CLARK_CACHED_MAX = 10_000;
let clarkCached = 0;

function clarkOf(el: XmlElement): string {
  let names = CLARK.get(el.ns);
  let c = names?.get(el.name);
  if (c !== undefined) return c;
  c = `{${el.ns}}${el.name}`;
  // Bounded: a hostile server inventing names cannot grow it without end.
  if (clarkCached < CLARK_CACHED_MAX) {
    if (!names) CLARK.set(el.ns, (names = new Map()));
    names.set(el.name, c);
    clarkCached++;
  }
  return c;
}

const STATUS_LINE = /^\s*HTTP\/\d(?:\.\d)?\s+(\d{3})(?:\s|$)/;

function statusCode(el: XmlElement): number {
  const m = STATUS_LINE.exec(el.text);
  if (!m) throw new MalformedResponseError('bad-status', `bad status line: ${JSON.stringify(el.text.slice(0, 80))}`);
  return Number(m[1]);
}

/** `https://host/a%20b/` → `/a b/`; text that is not valid percent-encoding is kept as written. */
export function decodeHref(raw: string): string {
  let h = raw;
  if (h.charCodeAt(0) !== 47 /* / */) {
    const scheme = h.indexOf('://');
    if (scheme > 0) {
      const slash = h.indexOf('/', scheme + 3);
      h = slash < 0 ? '/' : h.slice(slash);
    }
  }
  if (h.includes('%')) {
    try {
      h = decodeURIComponent(h);
    } catch {
      // keep as written
    }
  }
  return h;
}

const NO_PROPS = new Map<string, XmlElement>();

/**
 * The properties of a response's 200 propstat(s): what a client reads. Empty
 * when none (all properties missing, or a status-only response). Do not
 * modify it: it is the propstat's own map, or a shared empty one.
 */
export function propsOk(response: MultistatusResponse): Map<string, XmlElement> {
  let found: Map<string, XmlElement> | undefined;
  for (const ps of response.propstats) {
    if (ps.status !== 200) continue;
    if (!found) found = ps.props;
    else {
      // Rare (a server splitting 200 properties over two propstats): merge into a copy.
      found = new Map([...found, ...ps.props]);
    }
  }
  return found ?? NO_PROPS;
}

/** The decoded DAV:href values directly inside `el` (e.g. a `current-user-principal` property). */
export function hrefsOf(el: XmlElement | undefined): string[] {
  if (!el) return [];
  const out: string[] = [];
  for (const c of el.children) if (c.ns === NS.DAV && c.name === 'href') out.push(decodeHref(textOf(c)));
  return out;
}
