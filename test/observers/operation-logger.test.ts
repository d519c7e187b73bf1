import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { liveLines, OperationLogger } from '../../lib/observers/operation-logger.js';
import { needsReference, referenceFile } from '../helpers/reference.js';
import { lines, observerContext, operation, reportContext } from './support.js';

/** `n` operations of `label` that ended after `seconds`, the first `failed` of them unsuccessfully. */
function ends(logger: OperationLogger, label: string, n: number, seconds: number, failed = 0): void {
  for (let i = 0; i < n; i++) logger.observe(operation('end', label, { durationMs: seconds * 1000, success: i >= failed, ...(i < failed ? { reason: 'boom' } : {}) }));
}

describe('OperationLogger live lines', () => {
  it('prints the original’s BEGIN, END and FAILED lines', () => {
    assert.deepEqual(liveLines(operation('start', 'create', { lagMs: 12.5 })), ['user01 - - - - - - - - - - -   create BEGIN {lag 12.50 ms}']);
    assert.deepEqual(liveLines(operation('start', 'poll')), ['user01 - - - - - - - - - - -     poll BEGIN']);
    assert.deepEqual(liveLines(operation('end', 'reply done', { durationMs: 1234, success: true })), ['user01 - - - - - - - - - - - reply done END [ 1.23 s]']);
    assert.deepEqual(liveLines(operation('failed', 'invite', { reason: 'Cannot add attendee' })), ['user01 x x x x x x x x x x x   invite FAILED Cannot add attendee']);
    // Our clients report a failure as an unsuccessful end: the FAILED line comes first, as in the original.
    assert.deepEqual(liveLines(operation('end', 'startup', { durationMs: 50, success: false, reason: 'unexpected status 500' })), [
      'user01 x x x x x x x x x x x  startup FAILED unexpected status 500',
      'user01 - - - - - - - - - - -  startup END [ 0.05 s]',
    ]);
  });

  it('writes them to ctx.out, or to outfile', async () => {
    const { out, lines: text } = lines();
    const toCtx = OperationLogger.fromParams({}, observerContext(out));
    toCtx.observe(operation('start', 'poll'));
    assert.deepEqual(text, ['user01 - - - - - - - - - - -     poll BEGIN']);

    const dir = mkdtempSync(path.join(tmpdir(), 'loadsim-oplog-'));
    try {
      const file = path.join(dir, 'sub', 'ops.log');
      const toFile = OperationLogger.fromParams({ outfile: { written: 'sub/ops.log', abs: file } }, observerContext(out));
      toFile.observe(operation('start', 'create', { lagMs: 1 }));
      toFile.observe(operation('end', 'create', { durationMs: 10, success: true }));
      await toFile.close();
      assert.equal(readFileSync(file, 'utf8'), 'user01 - - - - - - - - - - -   create BEGIN {lag  1.00 ms}\nuser01 - - - - - - - - - - -   create END [ 0.01 s]\n');
      assert.equal(text.length, 1, 'nothing more on ctx.out');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('OperationLogger failures', () => {
  it('median scheduling lag above lagCutoff fails: Median CREATE scheduling lag greater than 1000.0ms', () => {
    const logger = new OperationLogger({ out: () => {} });
    for (const lagMs of [200, 1500, 1500]) logger.observe(operation('start', 'create', { lagMs }));
    ends(logger, 'create', 3, 0.1);
    assert.deepEqual(logger.failures(), ['Median CREATE scheduling lag greater than 1000.0ms']);
  });

  it('a median lag of exactly the cutoff passes, decided exactly (not within a histogram bucket)', () => {
    const logger = new OperationLogger({ out: () => {}, lagCutoff: 1.0 });
    // Upper median of (1000, 1000, 1100) is 1000 ms: not greater than 1000 ms.
    for (const lagMs of [1000, 1100, 1000]) logger.observe(operation('start', 'accept', { lagMs }));
    assert.deepEqual(logger.failures(), []);
    // Even count: the original's median is the upper one, 1000.001 here.
    const even = new OperationLogger({ out: () => {}, lagCutoff: 1.0 });
    for (const lagMs of [0, 0, 1000.001, 5000]) even.observe(operation('start', 'accept', { lagMs }));
    assert.deepEqual(even.failures(), ['Median ACCEPT scheduling lag greater than 1000.0ms']);
  });

  it('failure share above failCutoff fails (strictly: 1 in 100 passes)', () => {
    const logger = new OperationLogger({ out: () => {} });
    ends(logger, 'invite', 100, 0.2, 1);
    assert.deepEqual(logger.failures(), []);
    ends(logger, 'invite', 1, 0.2, 1);
    assert.deepEqual(logger.failures(), ['Greater than 1% INVITE failed']);
  });

  it('applies the operations section of the reference thresholds files', needsReference(), () => {
    for (const generation of ['calendarserver-2013', 'calendarserver-master'] as const) {
      const logger = OperationLogger.fromParams({ thresholdsPath: { written: 'thresholds.json', abs: referenceFile(generation, 'thresholds.json') }, lagCutoff: 1.0, failCutoff: 1.0 }, observerContext());
      assert.deepEqual(logger.thresholds.thresholds.poll, [100, 100, 100, 75, 50, 10, 5]);
      // poll: 1 of 10 over 30 s is 10 % > 5 %; over 10 s it is 10 %, not more than 10 %.
      ends(logger, 'poll', 9, 0.5);
      ends(logger, 'poll', 1, 31);
      // startup, 1 of 10 over 30 s: master's row allows 5 %; 2013 has no row, and its default (all 100) never fails on time.
      ends(logger, 'startup', 9, 0.5);
      ends(logger, 'startup', 1, 31);
      const expected = ['Greater than 5% POLL exceeded 30 second total time'];
      if (generation === 'calendarserver-master') expected.push('Greater than 5% STARTUP exceeded 30 second total time');
      assert.deepEqual(logger.failures(), expected, generation);
    }
  });

  it('failIfNoPush: fails until a push operation ends', () => {
    const logger = OperationLogger.fromParams({ failIfNoPush: true }, observerContext());
    ends(logger, 'poll', 1, 0.1);
    assert.deepEqual(logger.failures(), ['Push was configured but no pushes were received by clients']);
    ends(logger, 'push', 1, 0.1);
    assert.deepEqual(logger.failures(), []);
  });
});

describe('OperationLogger report', () => {
  it('prints the table with operation first, the avglag column and lag percentiles', () => {
    const logger = new OperationLogger({ out: () => {} });
    for (const lagMs of [10, 20, 30]) logger.observe(operation('start', 'create', { lagMs }));
    ends(logger, 'create', 3, 0.5);
    ends(logger, 'poll', 1, 1.5, 1);
    const { out, lines: text } = lines();
    logger.report(out, reportContext);
    assert.equal(text[0], '');
    assert.equal(
      text[1],
      'operation                         count      %   failed   >0.1 sec   >0.5 sec     >1 sec     >3 sec     >5 sec    >10 sec    >30 sec     mean   median   stddev      p90      p99    p99.9      max  avglag (ms)    lag p50    lag p99    lag max   STATUS',
    );
    assert.equal(text[2], '-'.repeat(text[1]!.length));
    // Lag percentiles come from the histogram: the median 20 ms is reported as its bucket's top, 20.015 ms (within 0.1 %).
    assert.equal(
      text[3],
      'create                                3   75.0        0          3          0          0          0          0          0          0   0.5000   0.5000   0.0000   0.5000   0.5000   0.5000   0.5000      20.0000      20.02      30.00      30.00         ',
    );
    assert.equal(
      text[4],
      'poll                                  1   25.0        1          1          1          1          0          0          0          0   1.5000   1.5000   0.0000   1.5000   1.5000   1.5000   1.5000       0.0000       0.00       0.00       0.00     FAIL',
    );
    // Then why operations failed: poll's one failure, by its reason.
    assert.deepEqual(text.slice(5), ['', '* Operation errors', 'operation                         count       % error', '-'.repeat(53), 'poll                                  1  100.00 boom']);
  });
});
