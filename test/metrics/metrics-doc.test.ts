import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { M } from '../../lib/metrics/snapshot-producer.js';
import { REPO } from '../helpers/reference.js';

/** docs/metrics.md's table of metrics follows `M`: a metric added, renamed or dropped shows here. */
it('docs/metrics.md lists every metric of M, and no other', () => {
  const doc = readFileSync(path.join(REPO, 'docs/metrics.md'), 'utf8');
  const rows = new Set([...doc.matchAll(/^\| `(loadsim_[a-z0-9_]+)` \|/gm)].map((m) => m[1]!));
  const names = new Set<string>(Object.values(M).map((d) => d.name));
  assert.deepEqual([...rows].sort(), [...names].sort());
  // Anywhere else in the page (queries, prose): a metric of M, or a histogram's series.
  for (const [, name] of doc.matchAll(/\b(loadsim_[a-z0-9_]+)/g)) assert.ok(names.has(name!.replace(/_(bucket|sum|count)$/, '')), `docs/metrics.md names ${name}`);
});
