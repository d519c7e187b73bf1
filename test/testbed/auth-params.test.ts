/**
 * The testbed's reading of Digest auth-params (RFC 7616 §3.4): quoted values
 * with escapes, tokens, keys in any case; and call after call on the one
 * expression it keeps, a longer header then a shorter one, each read whole.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAuthParams } from '../../lib/testbed/auth.js';

describe('parseAuthParams', () => {
  it('reads quoted values (escapes undone, commas kept) and tokens, keys lower-cased', () => {
    assert.deepEqual(parseAuthParams('username="user01", Realm="loadsim \\"testbed\\", here", nc=00000001, qop=auth, URI="/a%20b/"'), {
      username: 'user01',
      realm: 'loadsim "testbed", here',
      nc: '00000001',
      qop: 'auth',
      uri: '/a%20b/',
    });
  });

  it('reads each header whole, call after call', () => {
    const long = 'username="user01", realm="r", nonce="abc", uri="/calendars/users/user01/", response="0123456789abcdef", qop=auth, nc=00000002, cnonce="xyz"';
    for (let i = 0; i < 3; i++) {
      assert.equal(Object.keys(parseAuthParams(long)).length, 8);
      assert.deepEqual(parseAuthParams('nc=1'), { nc: '1' });
      assert.deepEqual(parseAuthParams(''), {});
    }
  });
});
