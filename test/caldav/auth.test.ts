import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AuthSession } from '../../lib/caldav/auth.js';
import { DavHttp } from '../../lib/caldav/http.js';
import { parseChallenges } from '../../lib/caldav/www-authenticate.js';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { authProxy, client, noUnhandledRejections, OffsetClock, PROPFIND_BODY, serve } from './support.js';

const checkRejections = noUnhandledRejections();
after(checkRejections);

const H = (algo: string, s: string) => createHash(algo).update(s).digest('hex');

/** Split `Digest a="b", c=d` into its params (test-side, independent of the code under test). */
function digestParams(h: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of h.slice(7).matchAll(/(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]+))/g)) out[m[1]!] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!;
  return out;
}

describe('WWW-Authenticate parsing', () => {
  it('reads several challenges in one header, quoted commas and escapes, and several headers', () => {
    const c = parseChallenges([
      'Negotiate YIIGhgYJKoZIhvcSAQICAQBuggZ1MIIGcaADAgEFoQMCAQ6iBwMFACAAAACjggSFYYIEgTCCBH2gAwIBBaEOGwxFWEFNUExFLkNPTaIfMB2gAwIBAKEWMBQbBGh0dHAbDGV4YW1wbGUuY29t==, Basic realm="a, \\"quoted\\" realm"',
      'Digest realm="r", qop="auth,auth-int", algorithm=SHA-256, nonce="n1", opaque="o", Digest realm="r", nonce="n2"',
    ]);
    assert.deepEqual(
      c.map((x) => x.scheme),
      ['negotiate', 'basic', 'digest', 'digest'],
    );
    assert.ok(c[0]!.token68?.endsWith('=='));
    assert.equal(c[1]!.params.realm, 'a, "quoted" realm');
    assert.deepEqual(c[2]!.params, { realm: 'r', qop: 'auth,auth-int', algorithm: 'SHA-256', nonce: 'n1', opaque: 'o' });
    assert.deepEqual(c[3]!.params, { realm: 'r', nonce: 'n2' });
  });

  it('survives garbage without throwing', () => {
    for (const g of ['', ',,,', '"', 'Digest realm="unterminated', '=x', 'Basic ===, ,']) assert.doesNotThrow(() => parseChallenges([g]));
  });
});

describe('AuthSession', () => {
  const O = 'https://cal.example.com:8443';

  it('sends nothing before the first 401, then Basic pre-emptively', () => {
    const a = new AuthSession('user01', 'pässword');
    assert.equal(a.authorization(O, 'GET', '/'), undefined);
    assert.equal(a.challenged(O, ['Basic realm="x"'], false), 'retry');
    assert.equal(a.authorization(O, 'GET', '/'), `Basic ${Buffer.from('user01:pässword').toString('base64')}`);
    assert.equal(a.authorization('https://other.example.com', 'GET', '/'), undefined, 'per origin');
  });

  it('prefers Digest SHA-256 over MD5 over Basic, whatever the order; ignores unknown schemes and algorithms', () => {
    const a = new AuthSession('u', 'p');
    a.challenged(O, ['Basic realm="r"', 'Digest realm="r", nonce="m", algorithm=MD5, qop="auth"', 'Negotiate', 'Digest realm="r", nonce="s", algorithm=SHA-256, qop="auth"', 'Digest realm="r", nonce="x", algorithm=SHA-1, qop="auth"'], false);
    const p = digestParams(a.authorization(O, 'PROPFIND', '/p/')!);
    assert.equal(p.algorithm, 'SHA-256');
    assert.equal(p.nonce, 's');
    const b = new AuthSession('u', 'p');
    b.challenged(O, ['Basic realm="r", Digest realm="r", nonce="m", qop="auth"'], false);
    assert.equal(digestParams(b.authorization(O, 'GET', '/')!).algorithm, 'MD5', 'MD5 is the default algorithm');
  });

  it('a 401 with no usable challenge is a failure, not a retry', () => {
    const a = new AuthSession('u', 'p');
    assert.equal(a.challenged(O, [], false), 'fail');
    assert.equal(a.challenged(O, ['Negotiate abc==', 'Bearer realm="x"', 'Digest realm="r", nonce="n", qop="auth-conf"'], false), 'fail');
    assert.equal(a.authorization(O, 'GET', '/'), undefined);
  });

  for (const algo of ['MD5', 'SHA-256', 'SHA-256-sess'] as const) {
    it(`Digest ${algo}: RFC 7616 response, incrementing nc, fresh cnonce, opaque echoed`, () => {
      const a = new AuthSession('Mufasa', 'Circle of Life');
      a.challenged(O, [`Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=${algo}, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`], false);
      const seen = new Set<string>();
      for (let i = 1; i <= 3; i++) {
        const p = digestParams(a.authorization(O, 'GET', '/dir/index.html')!);
        const h = algo.startsWith('MD5') ? 'md5' : 'sha256';
        let ha1 = H(h, 'Mufasa:http-auth@example.org:Circle of Life');
        if (algo.endsWith('-sess')) ha1 = H(h, `${ha1}:${p.nonce}:${p.cnonce}`);
        const expected = H(h, `${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:auth:${H(h, 'GET:/dir/index.html')}`);
        assert.equal(p.response, expected);
        assert.equal(p.nc, String(i).padStart(8, '0'));
        assert.equal(p.qop, 'auth');
        assert.equal(p.uri, '/dir/index.html');
        assert.equal(p.algorithm, algo);
        assert.equal(p.opaque, 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS');
        assert.match(p.cnonce!, /^[0-9a-f]{32}$/);
        seen.add(p.cnonce!);
      }
      assert.equal(seen.size, 3);
    });
  }

  it('Digest without qop (RFC 2069), auth-int, and userhash', () => {
    const a = new AuthSession('u', 'p');
    a.challenged(O, ['Digest realm="r", nonce="n"'], false);
    const p = digestParams(a.authorization(O, 'GET', '/x')!);
    assert.equal(p.response, H('md5', `${H('md5', 'u:r:p')}:n:${H('md5', 'GET:/x')}`));
    assert.equal(p.qop, undefined);
    assert.equal(p.nc, undefined);

    const b = new AuthSession('u', 'p');
    b.challenged(O, ['Digest realm="r", nonce="n", qop="auth-int", algorithm=SHA-256, userhash=true'], false);
    const q = digestParams(b.authorization(O, 'PUT', '/x', 'BODY')!);
    assert.equal(q.qop, 'auth-int');
    assert.equal(q.username, H('sha256', 'u:r'));
    assert.equal(q.userhash, 'true');
    const ha2 = H('sha256', `PUT:/x:${H('sha256', 'BODY')}`);
    assert.equal(q.response, H('sha256', `${H('sha256', 'u:r:p')}:n:${q.nc}:${q.cnonce}:auth-int:${ha2}`));
  });

  it('after credentials: stale=true retries with the new nonce; anything else fails (but the new nonce is kept)', () => {
    const a = new AuthSession('u', 'p');
    a.challenged(O, ['Digest realm="r", nonce="n1", qop="auth"'], false);
    a.authorization(O, 'GET', '/');
    assert.equal(a.challenged(O, ['Digest realm="r", nonce="n2", qop="auth", stale=true'], true), 'retry');
    const p = digestParams(a.authorization(O, 'GET', '/')!);
    assert.equal(p.nonce, 'n2');
    assert.equal(p.nc, '00000001', 'nc restarts with a new nonce');
    assert.equal(a.challenged(O, ['Digest realm="r", nonce="n3", qop="auth"'], true), 'fail');
    assert.equal(digestParams(a.authorization(O, 'GET', '/')!).nonce, 'n3');
    const b = new AuthSession('u', 'wrong');
    b.challenged(O, ['Basic realm="r"'], false);
    assert.equal(b.challenged(O, ['Basic realm="r"'], true), 'fail');
  });
});

describe('against the testbed', () => {
  let tb: Testbed;
  const clock = new OffsetClock();
  before(async () => {
    tb = await startTestbed({ port: 0, users: 3, clock });
  });
  after(() => tb.close());

  const propfind = (path: string) => ({ label: 'PROPFIND{principal}', method: 'PROPFIND', path, headers: { Depth: '0', 'Content-Type': 'text/xml' }, body: PROPFIND_BODY, expect: [207] });

  const cases: [string, (c: string[]) => string[], RegExp][] = [
    ['Digest SHA-256 (preferred)', (c) => c, /^Digest .*algorithm=SHA-256/],
    ['Digest MD5', (c) => c.filter((x) => x.includes('MD5')), /^Digest .*algorithm=MD5/],
    ['Basic', (c) => c.filter((x) => x.startsWith('Basic')), /^Basic /],
    ['all challenges in one header', (c) => [c.reverse().join(', ')], /^Digest .*algorithm=SHA-256/],
  ];
  for (const [name, rewrite, expected] of cases) {
    it(`${name}: one 401 round trip, then credentials on every request`, async () => {
      const proxy = await authProxy(tb.url, rewrite);
      const http = new DavHttp({ origin: proxy.url });
      try {
        const c = client('user02');
        for (let i = 0; i < 5; i++) {
          const r = await http.request(propfind('/principals/users/user02/'), c);
          assert.equal(r.status, 207, r.error);
          assert.ok(r.ok);
        }
        assert.deepEqual(proxy.statuses, [401, 207, 207, 207, 207, 207]);
        assert.equal(proxy.authorizations[0], undefined);
        for (const a of proxy.authorizations.slice(1)) assert.match(a!, expected);
        if (expected.source.includes('Digest')) assert.deepEqual(proxy.authorizations.slice(1).map((a) => digestParams(a!).nc), ['00000001', '00000002', '00000003', '00000004', '00000005']);
        assert.equal(c.responses().length, 5);
        assert.equal(c.requests().length, 5);
        assert.ok(c.responses().every((e) => e.success && e.status === 207));
      } finally {
        await http.close();
        await proxy.close();
      }
    });
  }

  it('a stale nonce is renewed transparently: one retry, inside the same request', async () => {
    const proxy = await authProxy(tb.url);
    const http = new DavHttp({ origin: proxy.url });
    try {
      const c = client('user03');
      assert.ok((await http.request(propfind('/principals/users/user03/'), c)).ok);
      clock.offsetMs += 6 * 60_000; // the testbed's nonces live 5 minutes
      const r = await http.request(propfind('/principals/users/user03/'), c);
      assert.ok(r.ok, r.error);
      assert.ok((await http.request(propfind('/principals/users/user03/'), c)).ok);
      assert.deepEqual(proxy.statuses, [401, 207, 401, 207, 207]);
      const nonces = proxy.authorizations.slice(1).map((a) => digestParams(a!).nonce);
      assert.notEqual(nonces[1], nonces[2], 'the retry uses the new nonce');
      assert.equal(nonces[2], nonces[3]);
      assert.equal(c.responses().length, 3);
    } finally {
      await http.close();
      await proxy.close();
    }
  });

  it('a wrong password is one failed response with status 401, not a loop', async () => {
    const proxy = await authProxy(tb.url);
    const http = new DavHttp({ origin: proxy.url });
    try {
      const c = client('user01', { password: 'nope' });
      const r = await http.request(propfind('/principals/users/user01/'), c);
      assert.equal(r.status, 401);
      assert.equal(r.ok, false);
      assert.equal(r.error, 'unexpected status 401');
      assert.equal(r.errorCode, 'UNEXPECTED_STATUS');
      assert.deepEqual(proxy.statuses, [401, 401]);
      const again = await http.request(propfind('/principals/users/user01/'), c);
      assert.equal(again.status, 401);
      assert.deepEqual(proxy.statuses, [401, 401, 401], 'credentials sent pre-emptively, failed once');
      assert.deepEqual(
        c.responses().map((e) => [e.status, e.success, e.error]),
        [
          [401, false, 'unexpected status 401'],
          [401, false, 'unexpected status 401'],
        ],
      );
    } finally {
      await http.close();
      await proxy.close();
    }
  });

  it('unauthenticatedFirst: a reported pre-request expecting 401, then the real one', async () => {
    const proxy = await authProxy(tb.url);
    const http = new DavHttp({ origin: proxy.url });
    try {
      const c = client('user02', { unauthenticatedFirst: true });
      const r1 = await http.request(propfind('/principals/users/user02/'), c);
      const r2 = await http.request(propfind('/principals/users/user02/'), c);
      assert.ok(r1.ok && r2.ok);
      // pre-request 401 · real request's own challenge round trip (401, 207) · pre-request 401 · 207 pre-emptive
      assert.deepEqual(proxy.statuses, [401, 401, 207, 401, 207]);
      assert.deepEqual(
        c.events.map((e) => `${e.type} ${'label' in e ? e.label : ''} ${'status' in e ? `${e.status} ${e.success}` : ''}`.trim()),
        [
          'request UNAUTHENTICATED{PROPFIND}',
          'response UNAUTHENTICATED{PROPFIND} 401 true',
          'request PROPFIND{principal}',
          'response PROPFIND{principal} 207 true',
          'request UNAUTHENTICATED{PROPFIND}',
          'response UNAUTHENTICATED{PROPFIND} 401 true',
          'request PROPFIND{principal}',
          'response PROPFIND{principal} 207 true',
        ],
      );
    } finally {
      await http.close();
      await proxy.close();
    }
  });
});

describe('401 without a usable challenge', () => {
  it('fails at once, with one request to the server', async () => {
    let hits = 0;
    const s = await serve((req, res) => {
      hits++;
      if (req.url === '/none') res.writeHead(401).end();
      else res.writeHead(401, { 'WWW-Authenticate': ['Negotiate', 'Bearer realm="x"'] }).end('no');
    });
    const http = new DavHttp({ origin: s.url });
    try {
      for (const path of ['/none', '/negotiate']) {
        const c = client();
        const r = await http.request({ label: 'GET', method: 'GET', path, expect: [200] }, c);
        assert.equal(r.status, 401);
        assert.equal(r.ok, false);
        assert.equal(c.responses().length, 1);
      }
      assert.equal(hits, 2);
    } finally {
      await http.close();
      await s.close();
    }
  });
});
