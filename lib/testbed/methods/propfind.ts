import { NS, clark } from '../../xml/namespaces.js';
import { child, parseXml, type XmlError, type XmlElement } from '../../xml/parse.js';
import { DavError, davCondition } from '../dav-error.js';
import { multistatus, propResponse, type PropRequest } from '../multistatus.js';
import { XML_HEADERS, header, type DavRequest, type DavResponse } from '../request.js';
import { childTargets } from '../children.js';

/** Clients send the same few bodies over and over: parse each once. */
const parsedBodies = new Map<string, PropRequest>();

export function propNamesOf(prop: XmlElement): string[] {
  return prop.children.map((c) => clark(c.ns, c.name));
}

export function parsePropRequest(body: string): PropRequest {
  const cached = parsedBodies.get(body);
  if (cached) return cached;
  let req: PropRequest;
  if (body.trim() === '') req = { type: 'allprop', include: [] };
  else {
    let root: XmlElement;
    try {
      root = parseXml(body);
    } catch (e) {
      throw new DavError(400, `malformed XML body: ${(e as XmlError).message}`);
    }
    if (root.ns !== NS.DAV || root.name !== 'propfind') throw new DavError(400, 'expected a DAV:propfind body');
    const prop = child(root, NS.DAV, 'prop');
    if (prop) req = { type: 'prop', names: propNamesOf(prop) };
    else if (child(root, NS.DAV, 'propname')) req = { type: 'propname' };
    else if (child(root, NS.DAV, 'allprop')) req = { type: 'allprop', include: propNamesOf(child(root, NS.DAV, 'include') ?? { children: [] } as unknown as XmlElement) };
    else throw new DavError(400, 'DAV:propfind needs prop, propname or allprop');
  }
  if (parsedBodies.size > 256) parsedBodies.clear();
  parsedBodies.set(body, req);
  return req;
}

/** PROPFIND (RFC 4918 §9.1), Depth 0 or 1; infinity is refused as the RFC allows. */
export function propfind(req: DavRequest): DavResponse {
  const depth = (header(req, 'depth') ?? 'infinity').trim().toLowerCase();
  if (depth !== '0' && depth !== '1') throw new DavError(403, 'Depth infinity is not supported', davCondition('propfind-finite-depth'));
  if (req.target.kind === 'missing' || (req.target.kind === 'object' && !req.target.resource)) throw new DavError(404, 'no such resource');
  const pr = parsePropRequest(req.body);
  let out = propResponse(req.target.path, req.target, pr, req.ctx);
  if (depth === '1') for (const c of childTargets(req.target, req.ctx.user, req.store.quirks)) out += propResponse(c.path, c, pr, req.ctx);
  return { status: 207, headers: { ...XML_HEADERS }, body: multistatus(out) };
}
