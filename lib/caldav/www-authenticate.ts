/**
 * Parse `WWW-Authenticate` header values (RFC 9110 §11.6.1) into challenges.
 *
 * A 401 may carry several headers, and each header may hold several
 * challenges separated by commas (`Digest realm="a", nonce="b", Basic
 * realm="c"`), so splitting on commas is wrong: a new challenge starts at a
 * token that is not followed by `=`. Parameter values are tokens or quoted
 * strings with `\` escapes. A scheme may instead carry one token68
 * (`Negotiate YIIG…==`), kept as `token68` so such schemes are skipped cleanly.
 */

export interface Challenge {
  /** Lower-cased: `digest`, `basic`, `negotiate`, … */
  scheme: string;
  /** Parameter names lower-cased; values unquoted. */
  params: Record<string, string>;
  token68?: string;
}

const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]+/y;
const TOKEN68 = /[A-Za-z0-9\-._~+/]+=*(?=\s*(,|$))/y;
const OWS = /[ \t]*/y;

function skip(re: RegExp, s: string, i: number): number {
  re.lastIndex = i;
  return re.exec(s) ? re.lastIndex : i;
}

function token(s: string, i: number): string | undefined {
  TOKEN.lastIndex = i;
  const m = TOKEN.exec(s);
  return m ? m[0] : undefined;
}

/** Every challenge of every header value, in order; unparsable tails are dropped. */
export function parseChallenges(values: readonly string[]): Challenge[] {
  const out: Challenge[] = [];
  for (const v of values) parseOne(v, out);
  return out;
}

function parseOne(s: string, out: Challenge[]): void {
  let i = 0;
  const n = s.length;
  let current: Challenge | undefined;
  while (i < n) {
    // Separators between elements: whitespace and (possibly empty) list commas.
    while (i < n && (s[i] === ',' || s[i] === ' ' || s[i] === '\t')) i++;
    if (i >= n) break;
    const name = token(s, i);
    if (!name) return; // garbage: keep what was parsed so far
    let j = skip(OWS, s, i + name.length);
    if (current && s[j] === '=') {
      // An auth-param of the current challenge.
      j = skip(OWS, s, j + 1);
      let value: string;
      if (s[j] === '"') {
        let k = j + 1;
        value = '';
        while (k < n && s[k] !== '"') {
          if (s[k] === '\\' && k + 1 < n) k++;
          value += s[k];
          k++;
        }
        if (k >= n) return; // unterminated quoted string
        i = k + 1;
      } else {
        const t = token(s, j);
        value = t ?? '';
        i = j + value.length;
      }
      current.params[name.toLowerCase()] = value;
      continue;
    }
    // A new challenge: the scheme, then optionally a token68 or the first auth-param.
    current = { scheme: name.toLowerCase(), params: {} };
    out.push(current);
    i = j;
    if (j < n && s[j] !== ',') {
      // `abc==` followed by a comma or the end is a token68 (the lookahead); `abc="x"` or `abc=x` is a param.
      TOKEN68.lastIndex = j;
      const t68 = TOKEN68.exec(s);
      if (t68) {
        current.token68 = t68[0];
        i = TOKEN68.lastIndex;
      }
    }
  }
}
