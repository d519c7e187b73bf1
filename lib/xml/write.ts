import { PREFIX } from './namespaces.js';
import type { XmlElement } from './parse.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text content: only `&`, `<` and `>` need escaping, so ETags keep their quotes readable. */
export function escapeXml(s: string): string {
  return /[&<>]/.test(s) ? s.replace(/[&<>]/g, (c) => ESCAPES[c]!) : s;
}

/** Attribute values (written in double quotes). */
export function escapeAttr(s: string): string {
  return /[&<>"']/.test(s) ? s.replace(/[&<>"']/g, (c) => ESCAPES[c]!) : s;
}

/**
 * An element name as written inside a document whose root declares PREFIX:
 * `D:href`; for a namespace without a prefix, the element declares it itself.
 */
export function openTag(ns: string, name: string): { open: string; close: string } {
  const p = PREFIX[ns];
  if (p) return { open: `${p}:${name}`, close: `${p}:${name}` };
  return { open: ns ? `${name} xmlns="${escapeAttr(ns)}"` : `${name} xmlns=""`, close: name };
}

/** `<D:name>inner</D:name>`, or `<D:name/>` when inner is empty. `inner` is XML already. */
export function element(ns: string, name: string, inner = ''): string {
  const t = openTag(ns, name);
  return inner === '' ? `<${t.open}/>` : `<${t.open}>${inner}</${t.close}>`;
}

/** Write a parsed element back out (dead properties are stored this way). */
export function serialize(el: XmlElement, parentNs?: string): string {
  const known = PREFIX[el.ns];
  const attrs = Object.entries(el.attrs)
    .map(([k, v]) => ` ${k.startsWith('{') ? k.slice(k.indexOf('}') + 1) : k}="${escapeAttr(v)}"`)
    .join('');
  let tag: string;
  if (known) tag = `${known}:${el.name}`;
  else tag = el.name;
  const decl = known || el.ns === parentNs ? '' : ` xmlns="${escapeAttr(el.ns)}"`;
  const inner = escapeXml(el.text) + el.children.map((c) => serialize(c, known ? parentNs : el.ns)).join('');
  return inner === '' ? `<${tag}${decl}${attrs}/>` : `<${tag}${decl}${attrs}>${inner}</${tag}>`;
}
