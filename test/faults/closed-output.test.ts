/**
 * A run whose standard output and error nobody reads any more (`loadsim run |
 * head`, a parent that died): the writes fail with EPIPE, which must not stop
 * or wedge the run. Before, the failed write was an uncaught exception whose
 * report failed the same way, in a loop that held a core at 100 % and never
 * let the run end. The run must end at its runtime and write its result.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import * as plist from 'plist';
import { readResultDocument } from '../../lib/result/read-result.js';
import { accountingProblems, intervalAccountingProblems } from '../../lib/result/request-accounting.js';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { REPO } from '../helpers/reference.js';

let tb: Testbed;
let dir: string;
before(async () => {
  tb = await startTestbed({ port: 0, users: 20 });
  dir = mkdtempSync(path.join(tmpdir(), 'loadsim-closed-output-'));
});
after(async () => {
  await tb.close();
  rmSync(dir, { recursive: true, force: true });
});

it('a run whose output pipe is closed ends at its runtime and writes its result', { timeout: 60_000 }, async () => {
  const cfg = plist.parse(readFileSync(path.join(REPO, 'config/config.plist'), 'utf8')) as Record<string, any>;
  cfg.servers.PodA.uri = tb.url;
  cfg.servers.PodA.stats.enabled = false;
  const config = path.join(dir, 'config.plist');
  writeFileSync(config, plist.build(cfg));
  const json = path.join(dir, 'result.json');
  const child = spawn(process.execPath, [path.join(REPO, 'dist/lib/cli/main.js'), 'run', '--config', config, '--clients', path.join(REPO, 'config/clients.plist'), '--runtime', '4', '--seed', '1', '--json', json], { stdio: ['ignore', 'pipe', 'pipe'] });
  // Nobody reads: the read ends are closed before the run writes anything.
  child.stdout.destroy();
  child.stderr.destroy();
  const guard = setTimeout(() => child.kill('SIGKILL'), 40_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
  clearTimeout(guard);
  assert.equal(signal, null, 'ended by itself, not killed');
  assert.ok(code === 0 || code === 1, `exit ${code}`);
  assert.ok(existsSync(json), 'the result was written');
  const doc = readResultDocument(json);
  assert.equal(doc.format, 'loadsim-result');
  // The books balance here too (docs/reliability.md: every fault test checks them), with traffic to balance.
  assert.ok(doc.events.requests > 0, 'the run made requests');
  assert.deepEqual(accountingProblems(doc), []);
  assert.deepEqual(intervalAccountingProblems(doc.intervals), []);
});
