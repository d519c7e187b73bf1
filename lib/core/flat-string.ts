import { Buffer } from 'node:buffer';

/**
 * A copy of `s` as one flat string that refers to no other string.
 *
 * V8 keeps a string cut from a larger one (`slice`, a regexp match) as a
 * reference into the larger one, and a string built by `+` or a template as a
 * tree of its parts. Stored for the whole run, by every one of thousands of
 * clients, those keep a response body alive, or cost 32 bytes a node on top of
 * the characters (a UUID made from eight pieces: seven nodes). This copy has
 * neither.
 *
 * The copy is a round trip through UTF-8 bytes, which gives a new flat string
 * of the same characters. The usual idiom, `(' ' + s).slice(1)`, is itself a
 * slice, of a new string one character longer. Strings from a parsed body or
 * made by loadsim are well-formed UTF-16, so the round trip changes nothing;
 * a string it would change (a lone surrogate becomes U+FFFD) is returned as it
 * is. Below 13 characters V8 copies rather than refers, so those are returned
 * as they are too.
 */
export function flatString(s: string): string {
  if (s.length < 13) return s;
  const copy = Buffer.from(s, 'utf8').toString('utf8');
  return copy === s ? copy : s;
}
