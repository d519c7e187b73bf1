import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import type { Store, User } from './store.js';

export interface AuthOptions {
  realm: string;
  /** How long a Digest nonce stays valid; after that the client is told `stale=true`. */
  nonceLifetimeMs: number;
}

export const authDefaults: AuthOptions = { realm: 'loadsim testbed', nonceLifetimeMs: 5 * 60_000 };

export type AuthResult = { user: User } | { failure: 'missing' | 'invalid' | 'stale' };

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const AUTH_PARAM = /([a-zA-Z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g;

/** `key="quoted, value", key=token` → map (RFC 7616 §3.4 / RFC 7235 auth-params). */
export function parseAuthParams(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  // One expression for every request (reset, since it is global): this runs on every Digest request.
  const re = AUTH_PARAM;
  re.lastIndex = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    const quoted = m[2];
    out[m[1]!.toLowerCase()] = quoted === undefined ? m[3]! : quoted.includes('\\') ? quoted.replace(/\\(.)/g, '$1') : quoted;
  }
  return out;
}

/**
 * HTTP Basic (RFC 7617) and Digest (RFC 7616, MD5 and SHA-256, qop=auth).
 * The testbed offers both so that both client paths are exercised. Digest
 * nonces are stateless: a timestamp signed with a per-process secret, so no
 * table grows with the number of clients.
 */
export class Authenticator {
  readonly options: AuthOptions;
  private readonly secret = randomBytes(32);
  /** Accepted Basic credentials, so a keep-alive client costs one map lookup per request. */
  private readonly basicCache = new Map<string, User>();
  /**
   * Digest, likewise: nonces whose signature checked (nonce → its time, for the staleness
   * check, which is made at every request), and H(A1) per algorithm and user. A client
   * answers each challenge with one nonce for many requests, so checking its signature
   * (an HMAC) and hashing the password once per request were most of the testbed's
   * authentication cost (docs/performance-notes.md).
   */
  private readonly signedNonces = new Map<string, number>();
  private readonly ha1Cache = new Map<string, string>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    options: Partial<AuthOptions> = {},
  ) {
    this.options = { ...authDefaults, ...options };
  }

  private nonce(): string {
    const ts = String(this.clock.now());
    const mac = createHmac('sha256', this.secret).update(ts).digest('base64url');
    return Buffer.from(`${ts}:${mac}`).toString('base64url');
  }

  /** 'ok', 'stale' (ours but too old) or 'invalid'. */
  private checkNonce(nonce: string): 'ok' | 'stale' | 'invalid' {
    let issued = this.signedNonces.get(nonce);
    if (issued === undefined) {
      const [ts, mac] = Buffer.from(nonce, 'base64url').toString().split(':');
      if (!ts || !mac) return 'invalid';
      const expected = createHmac('sha256', this.secret).update(ts).digest('base64url');
      if (!safeEqual(mac, expected)) return 'invalid';
      issued = Number(ts);
      if (this.signedNonces.size > 100_000) this.signedNonces.clear();
      this.signedNonces.set(nonce, issued);
    }
    return this.clock.now() - issued > this.options.nonceLifetimeMs ? 'stale' : 'ok';
  }

  /** The WWW-Authenticate header values of a 401: Digest (preferred by clients) and Basic. */
  challenges(stale = false): string[] {
    const realm = this.options.realm.replace(/"/g, '');
    const nonce = this.nonce();
    return [
      `Digest realm="${realm}", qop="auth", algorithm=SHA-256, nonce="${nonce}"${stale ? ', stale=true' : ''}`,
      `Digest realm="${realm}", qop="auth", algorithm=MD5, nonce="${nonce}"${stale ? ', stale=true' : ''}`,
      `Basic realm="${realm}", charset="UTF-8"`,
    ];
  }

  authenticate(method: string, header: string | undefined): AuthResult {
    if (!header) return { failure: 'missing' };
    const space = header.indexOf(' ');
    const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
    const rest = space < 0 ? '' : header.slice(space + 1).trim();
    if (scheme === 'basic') return this.basic(rest);
    if (scheme === 'digest') return this.digest(method, rest);
    return { failure: 'invalid' };
  }

  private basic(token: string): AuthResult {
    const cached = this.basicCache.get(token);
    if (cached) return { user: cached };
    const decoded = Buffer.from(token, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { failure: 'invalid' };
    const user = this.store.users.get(decoded.slice(0, colon));
    if (!user || !safeEqual(decoded.slice(colon + 1), user.record.password)) return { failure: 'invalid' };
    if (this.basicCache.size > 100_000) this.basicCache.clear();
    this.basicCache.set(token, user);
    return { user };
  }

  private digest(method: string, params: string): AuthResult {
    const p = parseAuthParams(params);
    const user = p.username ? this.store.users.get(p.username) : undefined;
    if (!user || !p.nonce || !p.response || !p.uri) return { failure: 'invalid' };
    if (p.realm !== this.options.realm.replace(/"/g, '')) return { failure: 'invalid' };
    const nonceState = this.checkNonce(p.nonce);
    if (nonceState === 'invalid') return { failure: 'invalid' };
    const algorithm = (p.algorithm ?? 'MD5').toUpperCase();
    const h = algorithm === 'SHA-256' ? sha256 : algorithm === 'MD5' ? md5 : undefined;
    if (!h) return { failure: 'invalid' };
    // The realm was checked above to be ours, so the algorithm and the user's name and password name H(A1).
    const ha1Key = `${algorithm}:${user.uid}:${user.record.password}`;
    let ha1 = this.ha1Cache.get(ha1Key);
    if (ha1 === undefined) {
      ha1 = h(`${user.uid}:${p.realm}:${user.record.password}`);
      if (this.ha1Cache.size > 100_000) this.ha1Cache.clear();
      this.ha1Cache.set(ha1Key, ha1);
    }
    const ha2 = h(`${method}:${p.uri}`);
    const expected = p.qop ? h(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`) : h(`${ha1}:${p.nonce}:${ha2}`);
    if (!safeEqual(expected, p.response.toLowerCase())) return { failure: 'invalid' };
    // A right answer to an old nonce: ask again with stale=true, so the client retries without prompting.
    return nonceState === 'stale' ? { failure: 'stale' } : { user };
  }
}
