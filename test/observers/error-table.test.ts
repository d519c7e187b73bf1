import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SimEvent } from '../../lib/core/events.js';
import { OperationLogger } from '../../lib/observers/operation-logger.js';
import { ReportStatistics } from '../../lib/observers/report-statistics.js';
import { OTHER_KINDS } from '../../lib/stats/failure-table.js';
import { lines, operation, reportContext, response } from './support.js';

/** `n` failed responses of `label` with this status and reason. */
const failed = (n: number, label: string, status: number, error?: string): SimEvent[] => Array.from({ length: n }, () => response(label, 0.1, false, { status, ...(error !== undefined ? { error } : {}) }));
const ok = (n: number, label: string): SimEvent[] => Array.from({ length: n }, () => response(label, 0.05, true, { status: 207 }));

/** The lines of the block titled `* <title>`, up to the next blank line or the end. */
function block(text: string[], title: string): string[] {
  const from = text.indexOf(`* ${title}`);
  if (from < 0) return [];
  const to = text.indexOf('', from);
  return text.slice(from, to < 0 ? undefined : to);
}

describe('ReportStatistics: the error table', () => {
  it('counts each failed response by kind; per label the kinds add up to the failed column', () => {
    const r = new ReportStatistics();
    const events = [
      ...ok(40, 'PROPFIND{home}'),
      ...failed(3, 'PROPFIND{home}', 500, 'unexpected status 500'),
      ...failed(1, 'PROPFIND{home}', 0, 'timeout'),
      ...failed(2, 'PROPFIND{home}', 207, 'malformed multistatus (xml)'),
      ...ok(10, 'REPORT{sync}'),
      ...failed(2, 'REPORT{sync}', 404, 'unexpected status 404'),
      ...failed(1, 'REPORT{sync}', 0, 'connection reset'),
      ...ok(5, 'PUT{event}'),
    ];
    for (const e of events) r.observe(e);
    assert.deepEqual(r.errors.toJSON(), {
      'PROPFIND{home}': { 'HTTP 500 Internal Server Error': 3, 'malformed multistatus (xml)': 2, timeout: 1 },
      'REPORT{sync}': { 'HTTP 404 Not Found': 2, 'connection reset': 1 },
    });
    for (const row of r.table.sorted()) assert.equal(r.errors.total(row.label), row.failures, row.label);

    const { out, lines: text } = lines();
    r.report(out, reportContext);
    assert.deepEqual(block(text, 'Errors'), [
      '* Errors',
      'request                           count       % error',
      '-'.repeat(53),
      'PROPFIND{home}                        3    6.52 HTTP 500 Internal Server Error',
      '                                      2    4.35 malformed multistatus (xml)',
      '                                      1    2.17 timeout',
      'REPORT{sync}                          2   15.38 HTTP 404 Not Found',
      '                                      1    7.69 connection reset',
    ]);
    // After the details table, and the last thing this observer prints.
    assert.ok(text.indexOf('* Errors') > text.indexOf('* Details'));
    assert.equal(text.at(-1), '                                      1    7.69 connection reset');
  });

  it('shows the ten most frequent kinds of a label, then one line for the rest', () => {
    const r = new ReportStatistics();
    // Kinds 0..13 happen 14, 13, …, 1 times; 50 more distinct ones once each overflow the 50 kept.
    for (let k = 0; k < 14; k++) for (const e of failed(14 - k, 'GET{event}', 0, `kind ${String(k).padStart(2, '0')}`)) r.observe(e);
    for (let k = 0; k < 50; k++) for (const e of failed(1, 'GET{event}', 0, `rare ${k}`)) r.observe(e);
    for (const e of ok(95, 'GET{event}')) r.observe(e);
    const failures = 105 + 50;
    assert.equal(r.table.get('GET{event}')!.failures, failures);
    const counts = r.errors.countsOf('GET{event}');
    assert.equal(Object.keys(counts).length, 51, '50 kinds kept by name, and (other kinds)');
    assert.equal(counts[OTHER_KINDS], 14, 'the kinds first seen after the 50th');
    assert.equal(r.errors.total('GET{event}'), failures);

    const { out, lines: text } = lines();
    r.report(out, reportContext);
    const shown = block(text, 'Errors').slice(3);
    assert.equal(shown.length, 11);
    assert.equal(shown[0], 'GET{event}                           14    5.60 kind 00');
    assert.equal(shown[9], '                                      5    2.00 kind 09');
    // 4 + 3 + 2 + 1 of kinds 10–13, 36 rare ones kept by name, 14 in (other kinds): at least 41 kinds, 60 failures.
    assert.equal(shown[10], '                                     60   24.00 … and at least 41 more kinds');
  });

  it('prints nothing when nothing failed', () => {
    const r = new ReportStatistics();
    for (const e of ok(3, 'GET')) r.observe(e);
    const { out, lines: text } = lines();
    r.report(out, reportContext);
    assert.ok(!text.includes('* Errors'));
    assert.equal(r.errors.size, 0);
  });
});

describe('OperationLogger: the error table', () => {
  it('counts each failed operation by its reason, per operation label', () => {
    const o = new OperationLogger({ out: () => {} });
    const end = (label: string, success: boolean, reason?: string) => operation('end', label, { durationMs: 100, success, ...(reason !== undefined ? { reason } : {}) });
    const events = [
      ...Array.from({ length: 8 }, () => end('poll', true)),
      end('poll', false, 'PROPFIND{home}: unexpected status 500 (expected 207)'),
      end('poll', false, 'PROPFIND{home}: unexpected status 500 (expected 207)'),
      end('poll', false, 'REPORT{sync}: timeout (expected 207)'),
      end('startup', true),
      end('startup', false),
      // A `failed` phase is followed by an `end`; only the `end` is counted, here as in the table.
      operation('failed', 'startup', { reason: 'never counted twice' }),
    ];
    for (const e of events) o.observe(e);
    assert.deepEqual(o.errors.toJSON(), {
      poll: { 'PROPFIND{home}: unexpected status 500 (expected 207)': 2, 'REPORT{sync}: timeout (expected 207)': 1 },
      startup: { 'no reason given': 1 },
    });
    for (const row of o.table.sorted()) assert.equal(o.errors.total(row.label), row.failures, row.label);
    const { out, lines: text } = lines();
    o.report(out, reportContext);
    assert.deepEqual(block(text, 'Operation errors'), [
      '* Operation errors',
      'operation                         count       % error',
      '-'.repeat(53),
      'poll                                  2   18.18 PROPFIND{home}: unexpected status 500 (expected 207)',
      '                                      1    9.09 REPORT{sync}: timeout (expected 207)',
      'startup                               1   50.00 no reason given',
    ]);
  });
});
