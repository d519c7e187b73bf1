import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LabelTable } from '../../lib/stats/label-table.js';

describe('LabelTable', () => {
  it('creates a row per label on demand, with failures and successful samples apart', () => {
    const t = new LabelTable([0.1, 3]);
    assert.equal(t.get('GET{event}'), undefined);
    t.record('GET{event}', 50, true);
    t.record('GET{event}', 150, false);
    t.record('GET{event}', 3500, true);
    t.record('PUT{event}', 200, true);
    const get = t.get('GET{event}')!;
    assert.equal(get.all.count, 3);
    assert.equal(get.failures, 1);
    assert.equal(get.successful.count, 2);
    assert.equal(get.successful.mean, (50 + 3500) / 2);
    assert.equal(get.all.countAbove(0.1), 2);
    assert.equal(get.all.countAbove(3), 1);
    assert.equal(t.total, 4);
    assert.equal(t.size, 2);
  });

  it('orders labels as Python sorts strings (code units: upper case before lower)', () => {
    const t = new LabelTable();
    for (const l of ['poll', 'REPORT{sync}', 'PUT{event}', 'PROPFIND{home}', 'accept', 'Zed']) t.record(l, 1, true);
    assert.deepEqual(t.labels(), ['PROPFIND{home}', 'PUT{event}', 'REPORT{sync}', 'Zed', 'accept', 'poll']);
    assert.deepEqual(t.sorted().map((r) => r.label), t.labels());
  });

  it('merges another table (a worker’s) label by label', () => {
    const a = new LabelTable([1]);
    const b = new LabelTable([1]);
    a.record('GET', 500, true);
    b.record('GET', 1500, false);
    b.record('PUT', 10, true);
    a.merge(b);
    assert.equal(a.get('GET')!.all.count, 2);
    assert.equal(a.get('GET')!.failures, 1);
    assert.equal(a.get('GET')!.all.countAbove(1), 1);
    assert.equal(a.get('PUT')!.successful.count, 1);
    assert.equal(a.total, 3);
  });
});
