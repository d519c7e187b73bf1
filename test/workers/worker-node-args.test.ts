import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { workerNodeArgs, YOUNG_GENERATION_FLAG } from '../../lib/workers/worker-node-args.js';

describe('the node flags of local workers', () => {
  it('a larger young generation, unless the user gave a size', () => {
    assert.deepEqual(workerNodeArgs([], ''), [YOUNG_GENERATION_FLAG]);
    assert.deepEqual(workerNodeArgs(['--max-semi-space-size=32'], ''), []);
    assert.deepEqual(workerNodeArgs([], '--max-old-space-size=4096 --max-semi-space-size=8'), []);
    // Another flag that merely starts alike is not a size.
    assert.deepEqual(workerNodeArgs(['--max-semi-space-sizes'], ''), [YOUNG_GENERATION_FLAG]);
  });
});
