import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../lib/config/load-config.js';
import { ConfigError } from '../../lib/core/errors.js';
import { builtinObservers } from '../../lib/observers/catalog.js';
import { mutated, referenceFile, referenceWorkspace, replaceOnce } from '../helpers/reference.js';

const G = 'calendarserver-2013' as const;
let ws: ReturnType<typeof referenceWorkspace>;
before(() => {
  ws = referenceWorkspace(G);
});
after(() => ws.cleanup());

const THRESHOLDS_PATH = /(<key>thresholdsPath<\/key>\s*<string>contrib\/performance\/loadtest\/thresholds\.json<\/string>)/;
const load = (configPath: string) => loadConfig({ configPath, clientsPath: referenceFile(G, 'clients.plist'), cwd: ws.dir });

describe('observer definitions', () => {
  it('every built-in observer can be built', () => {
    for (const d of builtinObservers) {
      assert.equal(typeof d.create, 'function', d.name);
      assert.equal(d.plannedIn, undefined, d.name);
    }
  });

  it('inline thresholds are checked at their key path', async () => {
    const file = mutated(ws.dir, referenceFile(G, 'config.plist'), 'inline-bad.plist', (t) =>
      replaceOnce(t, THRESHOLDS_PATH, '<key>thresholds</key><dict><key>requests</key><dict><key>limits</key><array><real>1</real><real>2</real></array><key>thresholds</key><dict><key>default</key><array><real>5</real></array></dict></dict></dict>'),
    );
    await assert.rejects(load(file), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /observers\[0\]\.params\.thresholds: thresholds: requests\.thresholds\["default"\]: expected 2 percentages/);
      return true;
    });
  });

  it('warns when both are given (thresholdsPath wins) and when the section the observer reads is missing', async () => {
    writeFileSync(path.join(ws.dir, 'ops-only.json'), JSON.stringify({ operations: { limits: [1], thresholds: { default: [100] } } }));
    const file = mutated(ws.dir, referenceFile(G, 'config.plist'), 'both.plist', (t) =>
      replaceOnce(t, THRESHOLDS_PATH, `<key>thresholdsPath</key><string>${path.join(ws.dir, 'ops-only.json')}</string><key>thresholds</key><dict/>`),
    );
    const { warnings } = await load(file);
    const messages = warnings.map((w) => `${w.path}: ${w.message}`);
    assert.ok(messages.includes('observers[0].params.thresholds: ignored: thresholdsPath is given and wins'), messages.join('\n'));
    assert.ok(messages.includes('observers[0].params.thresholdsPath: no "requests" section; the default requests thresholds apply'), messages.join('\n'));
  });
});
