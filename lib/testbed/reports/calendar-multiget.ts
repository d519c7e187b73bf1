import { NS } from '../../xml/namespaces.js';
import { child, childrenNamed, textOf, type XmlElement } from '../../xml/parse.js';
import { multistatus, propResponse, statusResponse } from '../multistatus.js';
import { XML_HEADERS, type DavRequest, type DavResponse } from '../request.js';
import { ownerOf, resolveTarget } from '../targets.js';
import { reportProps } from './calendar-data.js';

/** CALDAV:calendar-multiget (RFC 4791 §7.9): the named resources; a missing or foreign one is a 404 or 403 response. */
export function calendarMultiget(req: DavRequest, root: XmlElement): DavResponse {
  const { request, overrides } = reportProps(child(root, NS.DAV, 'prop'));
  let out = '';
  for (const h of childrenNamed(root, NS.DAV, 'href')) {
    const raw = textOf(h);
    let path = raw;
    try {
      path = raw.startsWith('http') ? new URL(raw).pathname : raw;
    } catch {
      /* keep as is: resolves to missing */
    }
    const t = resolveTarget(req.store, path);
    const owner = ownerOf(t);
    if (owner && owner !== req.user) out += statusResponse(raw, 403);
    else if (t.kind !== 'object' || !t.resource) out += statusResponse(raw, 404);
    else out += propResponse(raw, t, request, req.ctx, overrides);
  }
  return { status: 207, headers: { ...XML_HEADERS }, body: multistatus(out) };
}
