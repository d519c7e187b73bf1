import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as plist from 'plist';
import { loadConfig } from '../../lib/config/load-config.js';
import { ConfigError } from '../../lib/core/errors.js';
import { builtinObservers } from '../../lib/observers/catalog.js';
import { REPO } from '../helpers/reference.js';

let dir: string;
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'loadsim-catalog-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A config whose first observer is ReportStatistics with `params`, loaded with loadsim's own clients.plist. */
function load(name: string, params: Record<string, unknown>) {
  const config = {
    server: 'http://127.0.0.1:8008',
    accounts: { loader: 'generateRecords', params: { count: 4, uidPattern: 'user%02d', passwordPattern: 'user%02d' } },
    arrival: { factory: 'SmoothRampUp', params: { groups: 2, groupSize: 2, interval: 1, clientsPerUser: 1 } },
    observers: [{ type: 'contrib.performance.loadtest.population.ReportStatistics', params }],
  };
  const file = path.join(dir, name);
  writeFileSync(file, plist.build(config as unknown as plist.PlistValue));
  return loadConfig({ configPath: file, clientsPath: path.join(REPO, 'config/clients.plist'), cwd: dir });
}

describe('observer definitions', () => {
  it('every built-in observer can be built', () => {
    for (const d of builtinObservers) {
      assert.equal(typeof d.create, 'function', d.name);
    }
  });

  it('inline thresholds are checked at their key path', async () => {
    const thresholds = { requests: { limits: [1, 2], thresholds: { default: [5] } } };
    await assert.rejects(load('inline-bad.plist', { thresholds }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /observers\[0\]\.params\.thresholds: thresholds: requests\.thresholds\["default"\]: expected 2 percentages/);
      return true;
    });
  });

  it('warns when both are given (thresholdsPath wins) and when the section the observer reads is missing', async () => {
    writeFileSync(path.join(dir, 'ops-only.json'), JSON.stringify({ operations: { limits: [1], thresholds: { default: [100] } } }));
    const { warnings } = await load('both.plist', { thresholdsPath: path.join(dir, 'ops-only.json'), thresholds: {} });
    const messages = warnings.map((w) => `${w.path}: ${w.message}`);
    assert.ok(messages.includes('observers[0].params.thresholds: ignored: thresholdsPath is given and wins'), messages.join('\n'));
    assert.ok(messages.includes('observers[0].params.thresholdsPath: no "requests" section; the default requests thresholds apply'), messages.join('\n'));
  });
});
