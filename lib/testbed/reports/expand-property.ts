import { NS, clark } from '../../xml/namespaces.js';
import { childrenNamed, type XmlElement } from '../../xml/parse.js';
import { element, escapeXml } from '../../xml/write.js';
import { multistatus } from '../multistatus.js';
import { propertyValue } from '../properties.js';
import { XML_HEADERS, statusLine, type DavRequest, type DavResponse } from '../request.js';
import { resolveTarget, type Target } from '../targets.js';

const HREF = /<D:href>([^<]*)<\/D:href>/g;

function unescapeXml(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

/**
 * DAV:expand-property (RFC 3253 §3.8): each requested property whose value is
 * hrefs has every href replaced by a response for that resource carrying the
 * nested properties. Used by OS X for the calendar-proxy-*-for delegates.
 */
function expandResponse(req: DavRequest, t: Target, props: XmlElement[], depth: number): string {
  let found = '';
  let missing = '';
  for (const p of props) {
    const ns = p.attrs.namespace ?? NS.DAV;
    const name = p.attrs.name ?? '';
    const v = propertyValue(t, clark(ns, name), req.ctx);
    if (!v) {
      missing += element(ns, name);
      continue;
    }
    const nested = childrenNamed(p, NS.DAV, 'property');
    if ('inner' in v && nested.length && depth < 4) {
      const inner = v.inner.replace(HREF, (_m, h: string) => {
        const target = resolveTarget(req.store, unescapeXml(h));
        return target.kind === 'missing' ? `<D:response><D:href>${h}</D:href>${statusLine(404)}</D:response>` : expandResponse(req, target, nested, depth + 1);
      });
      found += element(ns, name, inner);
    } else found += 'xml' in v ? v.xml : element(ns, name, v.inner);
  }
  let out = `<D:response><D:href>${escapeXml(t.path)}</D:href>`;
  if (found) out += `<D:propstat><D:prop>${found}</D:prop>${statusLine(200)}</D:propstat>`;
  if (missing) out += `<D:propstat><D:prop>${missing}</D:prop>${statusLine(404)}</D:propstat>`;
  return `${out}</D:response>`;
}

export function expandProperty(req: DavRequest, root: XmlElement): DavResponse {
  const body = expandResponse(req, req.target, childrenNamed(root, NS.DAV, 'property'), 0);
  return { status: 207, headers: { ...XML_HEADERS }, body: multistatus(body) };
}
