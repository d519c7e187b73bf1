import { BoundedMemo } from '../core/bounded-memo.js';
import { ROOT_XMLNS, splitClark } from '../xml/namespaces.js';
import { escapeXml, openTag } from '../xml/write.js';
import { allPropNames, propertyValue } from './properties.js';
import { statusLine, type PropContext } from './request.js';
import type { Target } from './targets.js';

/** What a PROPFIND (or REPORT) asks for. */
export type PropRequest = { type: 'allprop'; include: string[] } | { type: 'propname' } | { type: 'prop'; names: string[] };

export function multistatus(responses: string, extra = ''): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n<D:multistatus${ROOT_XMLNS}>${responses}${extra}</D:multistatus>`;
}

/** A property's element as written: empty, and the tags around a value. */
interface PropTags {
  empty: string;
  open: string;
  close: string;
}

/**
 * Tags by Clark name, made once: every response of a multistatus names the same
 * properties, and splitting each name and building its tags anew was a tenth of
 * what the testbed allocated per answer.
 */
const TAGS = new BoundedMemo<PropTags>(2_048, (clarkName) => {
  const { ns, name } = splitClark(clarkName);
  // The tags element() writes, from the same openTag().
  const tag = openTag(ns, name);
  return { empty: `<${tag.open}/>`, open: `<${tag.open}>`, close: `</${tag.close}>` };
});

const tagsOf = (clarkName: string): PropTags => TAGS.get(clarkName);

function emptyElement(clarkName: string): string {
  return tagsOf(clarkName).empty;
}

/** A property answered differently by one REPORT (e.g. calendar-data with expand): inner XML or undefined. */
export type PropOverrides = ReadonlyMap<string, (t: Target) => string | undefined>;

/** One `<D:response>` with a propstat per status (RFC 4918 §9.1). */
export function propResponse(href: string, t: Target, req: PropRequest, ctx: PropContext, overrides?: PropOverrides): string {
  if (req.type === 'propname') {
    const names = allPropNames(t, ctx).map(emptyElement).join('');
    return `<D:response><D:href>${escapeXml(href)}</D:href><D:propstat><D:prop>${names}</D:prop>${statusLine(200)}</D:propstat></D:response>`;
  }
  const names = req.type === 'prop' ? req.names : [...new Set([...allPropNames(t, ctx), ...req.include])];
  let found = '';
  let missing = '';
  for (const n of names) {
    const o = overrides?.get(n);
    const v = o ? ((inner) => (inner === undefined ? undefined : { inner }))(o(t)) : propertyValue(t, n, ctx);
    if (!v) missing += emptyElement(n);
    else if ('xml' in v) found += v.xml;
    else if (v.inner === '') found += emptyElement(n);
    else {
      const tags = tagsOf(n);
      found += tags.open + v.inner + tags.close;
    }
  }
  let out = `<D:response><D:href>${escapeXml(href)}</D:href>`;
  if (found) out += `<D:propstat><D:prop>${found}</D:prop>${statusLine(200)}</D:propstat>`;
  if (missing) out += `<D:propstat><D:prop>${missing}</D:prop>${statusLine(404)}</D:propstat>`;
  if (!found && !missing) out += `<D:propstat><D:prop/>${statusLine(200)}</D:propstat>`;
  return `${out}</D:response>`;
}

/** A `<D:response>` carrying only a status, e.g. a multiget href that does not exist. */
export function statusResponse(href: string, code: number): string {
  return `<D:response><D:href>${escapeXml(href)}</D:href>${statusLine(code)}</D:response>`;
}
