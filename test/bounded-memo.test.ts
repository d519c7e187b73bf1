/**
 * BoundedMemo (lib/core/bounded-memo.ts): a value is made once per key while
 * fewer than `max` keys are kept; past the bound, values are made on every
 * ask and nothing more is kept.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BoundedMemo } from '../lib/core/bounded-memo.js';

describe('BoundedMemo', () => {
  it('makes a value once per key, up to the bound, then makes without keeping', () => {
    const made: string[] = [];
    const memo = new BoundedMemo<{ key: string }>(2, (key) => {
      made.push(key);
      return { key };
    });
    const a = memo.get('a');
    assert.equal(memo.get('a'), a, 'the same object for a kept key');
    memo.get('b');
    memo.get('b');
    assert.deepEqual(made, ['a', 'b']);
    assert.equal(memo.size, 2);
    const c1 = memo.get('c');
    const c2 = memo.get('c');
    assert.notEqual(c1, c2, 'past the bound a value is made on every ask');
    assert.deepEqual(c1, { key: 'c' });
    assert.deepEqual(made, ['a', 'b', 'c', 'c']);
    assert.equal(memo.size, 2, 'nothing more is kept');
    assert.equal(memo.get('a'), a, 'the kept keys stay kept');
  });
});
