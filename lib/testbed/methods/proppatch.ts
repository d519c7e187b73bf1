import { NS, clark } from '../../xml/namespaces.js';
import { childrenNamed, parseXml, type XmlElement } from '../../xml/parse.js';
import { element, serialize } from '../../xml/write.js';
import { DavError } from '../dav-error.js';
import { multistatus } from '../multistatus.js';
import { deadPropsOf, isProtected } from '../properties.js';
import { XML_HEADERS, statusLine, type DavRequest, type DavResponse } from '../request.js';

export function parseBody(body: string, ns: string, name: string): XmlElement {
  let root: XmlElement;
  try {
    root = parseXml(body);
  } catch (e) {
    throw new DavError(400, `malformed XML body: ${(e as Error).message}`);
  }
  if (root.ns !== ns || root.name !== name) throw new DavError(400, `expected a ${clark(ns, name)} body, got ${clark(root.ns, root.name)}`);
  return root;
}

/** set/remove instructions in document order (RFC 4918 §14.19). */
export function instructions(root: XmlElement): { op: 'set' | 'remove'; prop: XmlElement }[] {
  const out: { op: 'set' | 'remove'; prop: XmlElement }[] = [];
  for (const c of root.children) {
    if (c.ns !== NS.DAV || (c.name !== 'set' && c.name !== 'remove')) continue;
    for (const p of childrenNamed(c, NS.DAV, 'prop')) for (const prop of p.children) out.push({ op: c.name, prop });
  }
  return out;
}

/**
 * PROPPATCH (RFC 4918 §9.2): all instructions or none. A protected (live)
 * property fails with 403 and every other one with 424 Failed Dependency.
 */
export function proppatch(req: DavRequest): DavResponse {
  const t = req.target;
  const dead = deadPropsOf(t);
  if (!dead) throw new DavError(403, 'properties of this resource cannot be changed');
  const list = instructions(parseBody(req.body, NS.DAV, 'propertyupdate'));
  const failed = list.filter((i) => isProtected(clark(i.prop.ns, i.prop.name)));
  const names = (xs: typeof list) => xs.map((i) => element(i.prop.ns, i.prop.name)).join('');
  let body: string;
  if (failed.length) {
    const rest = list.filter((i) => !failed.includes(i));
    body = `<D:response><D:href>${t.path}</D:href><D:propstat><D:prop>${names(failed)}</D:prop>${statusLine(403)}<D:error><D:cannot-modify-protected-property/></D:error></D:propstat>`;
    if (rest.length) body += `<D:propstat><D:prop>${names(rest)}</D:prop>${statusLine(424)}</D:propstat>`;
    body += '</D:response>';
  } else {
    for (const i of list) {
      const key = clark(i.prop.ns, i.prop.name);
      if (i.op === 'set') dead.set(key, serialize(i.prop));
      else dead.delete(key);
    }
    if (t.kind === 'collection' && list.length) t.collection.propsChanged();
    body = `<D:response><D:href>${t.path}</D:href><D:propstat><D:prop>${names(list)}</D:prop>${statusLine(200)}</D:propstat></D:response>`;
  }
  return { status: 207, headers: { ...XML_HEADERS }, body: multistatus(body) };
}
