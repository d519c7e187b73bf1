import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { flatString } from '../lib/core/flat-string.js';

describe('flatString', () => {
  it('returns the same characters', () => {
    for (const s of ['', 'short', 'exactly-13-ch', '/calendars/users/user01/calendar/', 'é ü 日本語 and 🙂 emoji', 'x'.repeat(100_000)]) {
      assert.equal(flatString(s), s);
    }
  });

  it('returns a string with a lone surrogate as it is, not with U+FFFD', () => {
    const lone = 'abcdefghijklmnop\uD800qrstuvwxyz';
    assert.equal(flatString(lone), lone);
  });

  // What it costs in heap (and that it keeps no reference to the body) is measured by `npm run bench` (test/bench/micro.ts).
});
