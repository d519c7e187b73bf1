/**
 * One simulated client's credentials and what it has learned about how each
 * server wants them, behaving like Apple's clients (and the original's
 * `AuthHandlerAgent`): requests go out without credentials until the first
 * 401 from an origin; from then on every request to it carries credentials
 * pre-emptively.
 *
 * Digest (RFC 7616) is implemented here on node:crypto: it is a few hashes,
 * and doing it ourselves keeps it allocation-light (one `crypto.hash` per
 * digest, HA1 cached per realm) for thousands of clients. Supported:
 * algorithms MD5, SHA-256, SHA-512-256 and their `-sess` variants; qop `auth`
 * (preferred), `auth-int`, or none (RFC 2069); `opaque`; `userhash`; `stale`.
 * Not supported: `username*` (RFC 8187 encoded non-ASCII user names).
 */

import { hash, randomFillSync } from 'node:crypto';
import { parseChallenges, type Challenge } from './www-authenticate.js';

type Algo = 'md5' | 'sha256' | 'sha512-256';

/** RFC 7616 algorithm names → node hash, with preference rank (higher wins). */
const ALGORITHMS: Record<string, { algo: Algo; sess: boolean; rank: number }> = {
  'SHA-512-256': { algo: 'sha512-256', sess: false, rank: 6 },
  'SHA-512-256-SESS': { algo: 'sha512-256', sess: true, rank: 5 },
  'SHA-256': { algo: 'sha256', sess: false, rank: 4 },
  'SHA-256-SESS': { algo: 'sha256', sess: true, rank: 3 },
  MD5: { algo: 'md5', sess: false, rank: 2 },
  'MD5-SESS': { algo: 'md5', sess: true, rank: 1 },
};

interface DigestState {
  scheme: 'digest';
  realm: string;
  nonce: string;
  opaque?: string;
  /** As the server spelled it, echoed back. */
  algorithmName: string;
  algo: Algo;
  sess: boolean;
  qop?: 'auth' | 'auth-int';
  userhash: boolean;
  /** Requests sent with this nonce (the `nc` of the last one). */
  nc: number;
  /** H(user:realm:password), which depends only on the realm and algorithm. */
  ha1: string;
  /** The username field: the user, or H(user:realm) with userhash. */
  username: string;
}

interface BasicState {
  scheme: 'basic';
  header: string;
}

type OriginState = DigestState | BasicState;

/** What a 401 tells the caller to do. */
export type ChallengeOutcome =
  /** Send the request again with (new) credentials. */
  | 'retry'
  /** Give up: the request fails with its 401. */
  | 'fail';

const CNONCE_POOL = 4096;

/**
 * Credentials and per-origin challenge state of one simulated client. Cheap:
 * a string pair and, after the first 401, one small object per origin.
 */
export class AuthSession {
  private readonly origins = new Map<string, OriginState>();
  /** Digest's H(A1) per algorithm and realm; made at the first Digest challenge (a Basic-only server never needs it). */
  private ha1Cache: Map<string, string> | undefined;

  constructor(
    readonly user: string,
    private readonly password: string,
  ) {}

  /** The scheme in use for `origin`, or undefined before its first 401. */
  schemeFor(origin: string): 'digest' | 'basic' | undefined {
    return this.origins.get(origin)?.scheme;
  }

  /**
   * The `Authorization` value for a request, or undefined when no 401 has
   * been seen from `origin` yet (the request goes without credentials).
   * `uri` is the request target exactly as sent (path and query).
   * `body` is only needed for qop=auth-int.
   */
  authorization(origin: string, method: string, uri: string, body?: string | Buffer): string | undefined {
    const s = this.origins.get(origin);
    if (!s) return undefined;
    if (s.scheme === 'basic') return s.header;
    return this.digest(s, method, uri, body);
  }

  /**
   * Handle a 401 from `origin` carrying these `WWW-Authenticate` values.
   * `sentCredentials` says whether the request that got it had an
   * Authorization header.
   *
   * - Without credentials sent: learn the best usable challenge and retry;
   *   fail if there is none (no challenge, or only unsupported schemes).
   * - With credentials sent: retry only for a Digest `stale=true` (the nonce
   *   expired; the password was right), taking the new nonce. Anything else is
   *   a wrong password: fail. The new challenge is still remembered, so a
   *   server that merely forgot its nonces is recovered from on the next
   *   request rather than failing forever.
   *
   * The caller bounds the retries (one to learn, one for stale), so a server
   * that keeps saying 401 cannot make a loop.
   */
  challenged(origin: string, wwwAuthenticate: readonly string[], sentCredentials: boolean): ChallengeOutcome {
    const chosen = this.choose(parseChallenges(wwwAuthenticate));
    if (!chosen) return 'fail';
    this.origins.set(origin, chosen.state);
    if (!sentCredentials) return 'retry';
    return chosen.stale ? 'retry' : 'fail';
  }

  /** The most preferred usable challenge (Digest by algorithm rank, else Basic) as state, and whether it said stale=true. */
  private choose(challenges: Challenge[]): { state: OriginState; stale: boolean } | undefined {
    let best: Challenge | undefined;
    let bestRank = -1;
    for (const c of challenges) {
      let rank = -1;
      if (c.scheme === 'basic') rank = 0;
      else if (c.scheme === 'digest' && c.params.nonce !== undefined && c.params.realm !== undefined) {
        const a = ALGORITHMS[(c.params.algorithm ?? 'MD5').toUpperCase()];
        if (a && this.qopOf(c) !== null) rank = a.rank;
      }
      if (rank > bestRank) {
        best = c;
        bestRank = rank;
      }
    }
    if (!best) return undefined;
    if (best.scheme === 'basic') {
      return { state: { scheme: 'basic', header: `Basic ${Buffer.from(`${this.user}:${this.password}`, 'utf8').toString('base64')}` }, stale: false };
    }
    const p = best.params;
    const algorithmName = p.algorithm ?? 'MD5';
    const a = ALGORITHMS[algorithmName.toUpperCase()]!;
    const realm = p.realm!;
    const userhash = /^true$/i.test(p.userhash ?? '');
    const state: DigestState = {
      scheme: 'digest',
      realm,
      nonce: p.nonce!,
      opaque: p.opaque,
      algorithmName,
      algo: a.algo,
      sess: a.sess,
      qop: this.qopOf(best) ?? undefined,
      userhash,
      nc: 0,
      ha1: this.ha1(a.algo, realm),
      username: userhash ? hash(a.algo, `${this.user}:${realm}`, 'hex') : this.user,
    };
    return { state, stale: /^true$/i.test(p.stale ?? '') };
  }

  /** 'auth' when offered, else 'auth-int', undefined for no qop (RFC 2069); null when only unknown qops are offered. */
  private qopOf(c: Challenge): 'auth' | 'auth-int' | undefined | null {
    const q = c.params.qop;
    if (q === undefined) return undefined;
    const offered = q.split(',').map((x) => x.trim().toLowerCase());
    if (offered.includes('auth')) return 'auth';
    if (offered.includes('auth-int')) return 'auth-int';
    return null;
  }

  private ha1(algo: Algo, realm: string): string {
    const key = `${algo} ${realm}`;
    const cache = (this.ha1Cache ??= new Map());
    let v = cache.get(key);
    if (v === undefined) {
      v = hash(algo, `${this.user}:${realm}:${this.password}`, 'hex');
      cache.set(key, v);
    }
    return v;
  }

  private digest(s: DigestState, method: string, uri: string, body: string | Buffer | undefined): string {
    // Same nonce, next nonce-count, fresh client nonce: what RFC 7616 §3.4 asks of a client reusing a nonce.
    const nc = (++s.nc).toString(16).padStart(8, '0');
    const cnonce = freshCnonce();
    const ha1 = s.sess ? hash(s.algo, `${s.ha1}:${s.nonce}:${cnonce}`, 'hex') : s.ha1;
    const ha2 =
      s.qop === 'auth-int' ? hash(s.algo, `${method}:${uri}:${hash(s.algo, body ?? '', 'hex')}`, 'hex') : hash(s.algo, `${method}:${uri}`, 'hex');
    const response = s.qop ? hash(s.algo, `${ha1}:${s.nonce}:${nc}:${cnonce}:${s.qop}:${ha2}`, 'hex') : hash(s.algo, `${ha1}:${s.nonce}:${ha2}`, 'hex');
    let h = `Digest username=${quote(s.username)}, realm=${quote(s.realm)}, nonce=${quote(s.nonce)}, uri=${quote(uri)}, algorithm=${s.algorithmName}, response="${response}"`;
    if (s.opaque !== undefined) h += `, opaque=${quote(s.opaque)}`;
    if (s.qop) h += `, qop=${s.qop}, nc=${nc}, cnonce="${cnonce}"`;
    if (s.userhash) h += ', userhash=true';
    return h;
  }
}

function quote(v: string): string {
  return `"${v.replace(/[\\"]/g, '\\$&')}"`;
}

// Client nonces come from crypto, refilled 4 KB at a time (one syscall per 256
// requests). They are security values, not simulation randomness: they do not
// need to replay with --seed, and must not consume a seeded stream.
const pool = Buffer.alloc(CNONCE_POOL);
let poolAt = CNONCE_POOL;
function freshCnonce(): string {
  if (poolAt + 16 > CNONCE_POOL) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const s = pool.toString('hex', poolAt, poolAt + 16);
  poolAt += 16;
  return s;
}
