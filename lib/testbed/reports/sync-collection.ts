import { NS } from '../../xml/namespaces.js';
import { child, textOf, type XmlElement } from '../../xml/parse.js';
import { escapeXml } from '../../xml/write.js';
import { DavError, davCondition } from '../dav-error.js';
import { multistatus, propResponse, statusResponse, type PropRequest } from '../multistatus.js';
import { propNamesOf } from '../methods/propfind.js';
import { XML_HEADERS, type DavRequest, type DavResponse } from '../request.js';
import { parseSyncToken, type ChangeLog } from '../store.js';
import type { Target } from '../targets.js';

/**
 * sync-collection (RFC 6578) on a calendar collection (members: resources) or
 * on a calendar home (members: its collections). Level 1 only: a calendar has
 * no sub-collections, and a home's members are what clients sync. The Depth
 * header is ignored, as clients of 2011 sent Depth 1 with no sync-level.
 */
export function syncCollection(req: DavRequest, root: XmlElement): DavResponse {
  const t = req.target;
  let log: ChangeLog;
  let id: number;
  let token: string;
  let member: (name: string) => Target | undefined;
  let memberHref: (name: string) => string;
  if (t.kind === 'collection' && t.collection.kind !== 'outbox') {
    const c = t.collection;
    log = c.log;
    id = c.id;
    token = c.syncToken;
    member = (name) => {
      const r = c.resources.get(name);
      return r ? { kind: 'object', path: c.path + encodeURIComponent(name), collection: c, name, resource: r } : undefined;
    };
    memberHref = (name) => c.path + encodeURIComponent(name);
  } else if (t.kind === 'home') {
    const h = t.home;
    log = h.log;
    id = h.id;
    token = h.syncToken;
    member = (name) => {
      const c = h.collections.get(name);
      return c ? { kind: 'collection', path: c.path, collection: c } : undefined;
    };
    memberHref = (name) => `${h.path}${encodeURIComponent(name)}/`;
  } else {
    throw new DavError(403, 'sync-collection works on calendar collections and homes', davCondition('supported-report'));
  }

  // RFC 6578 §6.1 makes sync-level required; CalendarServer took its absence for 1, a strict server refuses it (quirks.ts).
  if (!child(root, NS.DAV, 'sync-level') && req.store.quirks.syncLevel === 'required') throw new DavError(400, 'sync level missing');
  const level = textOf(child(root, NS.DAV, 'sync-level')) || '1';
  if (level !== '1' && level !== 'infinite') throw new DavError(400, `sync-level must be 1 or infinite, got "${level}"`);
  const prop = child(root, NS.DAV, 'prop');
  const pr: PropRequest = { type: 'prop', names: prop ? propNamesOf(prop) : [] };
  const given = textOf(child(root, NS.DAV, 'sync-token'));

  let out = '';
  if (given === '') {
    // Initial sync: every member, no removals.
    const all = t.kind === 'home' ? [...t.home.collections.keys()] : [...(t as { collection: { resources: Map<string, unknown> } }).collection.resources.keys()];
    for (const name of all) out += propResponse(memberHref(name), member(name)!, pr, req.ctx);
  } else {
    const parsed = parseSyncToken(given);
    const changes = parsed && parsed.collectionId === id ? log.since(parsed.rev) : undefined;
    if (!changes) throw new DavError(403, 'the sync token is not one this collection issued', davCondition('valid-sync-token'));
    for (const name of changes.changed) {
      const m = member(name);
      out += m ? propResponse(memberHref(name), m, pr, req.ctx) : statusResponse(memberHref(name), 404);
    }
    for (const name of changes.deleted) out += statusResponse(memberHref(name), 404);
  }
  return { status: 207, headers: { ...XML_HEADERS }, body: multistatus(out, `<D:sync-token>${escapeXml(token)}</D:sync-token>`) };
}
