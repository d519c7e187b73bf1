import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { flatString } from '../lib/core/flat-string.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const COUNT = 20_000;
const LENGTH = 40;

/** Heap bytes held per string when COUNT strings made by `make` from one large body are kept and the body is dropped. */
function heldPerString(make: (body: string, i: number) => string): number {
  let body: string | undefined = Array.from({ length: COUNT + LENGTH }, (_, i) => String.fromCharCode(97 + ((i * 7) % 26))).join('');
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept = Array.from({ length: COUNT }, (_, i) => make(body!, i));
  body = undefined;
  gc();
  const perString = (process.memoryUsage().heapUsed - before) / COUNT;
  assert.equal(kept.length, COUNT);
  return perString;
}

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

  // What it is for: a value cut from a response and kept costs its characters only. A slice keeps a
  // 32-byte reference object besides (and, uncopied, the whole body); the old `(' ' + s).slice(1)`
  // was such a slice, of its own copy. The arrays holding the strings cost the same on every side.
  it('keeps neither the body nor a reference object per string', (t) => {
    // The median of three measurements each: one of them now and then carries a few bytes a string
    // of heap growth that is no string's (seen in CI: flatString 67 bytes once, 57 otherwise).
    const median3 = (make: (body: string, i: number) => string) => [heldPerString(make), heldPerString(make), heldPerString(make)].sort((x, y) => x - y)[1]!;
    const slices = median3((body, i) => body.slice(i, i + LENGTH));
    const oldIdiom = median3((body, i) => (' ' + body.slice(i, i + LENGTH)).slice(1));
    const flat = median3((body, i) => flatString(body.slice(i, i + LENGTH)));
    t.diagnostic(`bytes a string: slices ${slices.toFixed(1)}, old idiom ${oldIdiom.toFixed(1)}, flatString ${flat.toFixed(1)}`);
    // 40 one-byte characters: a 16-byte header and 40 bytes, rounded to 8; plus 8 for the array slot.
    assert.ok(flat < 72, `flatString: ${flat.toFixed(1)} bytes a string`);
    // The old idiom's reference object is 32 bytes; how much of its parent V8 keeps varies with when
    // the collector shortcuts the concatenation (seen: 16 to 39 bytes more than flatString).
    assert.ok(oldIdiom - flat > 8, `old idiom ${oldIdiom.toFixed(1)} vs flatString ${flat.toFixed(1)} bytes a string`);
    // Plain slices cost a reference object each and keep the whole body alive; here the body is only
    // about a byte a string, so they come out cheapest. They are what a client must not keep.
    assert.ok(slices < flat, `slices ${slices.toFixed(1)} vs flatString ${flat.toFixed(1)}`);
  });
});
