import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ResultDocument } from '../../lib/report/result-document.js';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { REPO } from '../helpers/reference.js';
import { spawnCli } from '../helpers/cli.js';

/**
 * `loadsim run --workers 2`: a manager and two local worker processes over the
 * line protocol, against the testbed. The merged counts must be the
 * testbed's own; a worker killed mid-run must FAIL the run by name while
 * the other's results stay whole.
 */
const CONFIG = ['--config', path.join(REPO, 'config/config.plist'), '--clients', path.join(REPO, 'config/clients.plist')];

const cli = (args: string[], onStderr?: (text: string) => void) => spawnCli(args, { guardMs: 120_000, ...(onStderr ? { onStderr } : {}) });

let tb: Testbed;
let dir: string;
before(async () => {
  tb = await startTestbed({ port: 0, users: 20 });
  dir = mkdtempSync(path.join(tmpdir(), 'loadsim-manager-'));
});
after(async () => {
  await tb.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a manager with two local workers', { timeout: 300_000 }, () => {
  it('30 s: the merged counts are the testbed’s own request count, and the run passes', async () => {
    const before = tb.stats.totalRequests;
    const json = path.join(dir, 'two.json');
    const r = await cli(['run', ...CONFIG, '--server', tb.url, '--runtime', '30', '--seed', '6', '--quiet', '--workers', '2', '--json', json]);
    assert.equal(r.code, 0, r.stderr + r.stdout.slice(-2000));
    assert.match(r.stderr, /2 workers started \(pids \d+, \d+\)/);
    assert.match(r.stdout, /\*\* REPORT \*\*[\s\S]*\* Interval details[\s\S]*\*\*\* PASS/);
    const served = tb.stats.totalRequests - before;
    const doc = JSON.parse(readFileSync(json, 'utf8')) as ResultDocument;
    assert.deepEqual(doc.run.mergedFrom, ['worker 0', 'worker 1']);
    assert.equal(doc.events.exchanges, served, 'every request the testbed served is in the merged result, once');
    assert.equal(Object.values(doc.requests).reduce((n, l) => n + l.count, 0), doc.events.responses);
    assert.equal(doc.intervals.reduce((n, i) => n + i.count, 0), doc.events.responses);
    assert.ok(doc.users >= 10, `${doc.users} users`);
  });

  it('a worker killed mid-run: FAIL naming it, its earlier snapshots kept, the other worker to the end', async () => {
    const before = tb.stats.totalRequests;
    const json = path.join(dir, 'killed.json');
    let killed: number | undefined;
    const r = await cli(['run', ...CONFIG, '--server', tb.url, '--runtime', '16', '--seed', '6', '--quiet', '--workers', '2', '--interval', '2', '--json', json], (text) => {
      const m = /worker 1 ready, pid (\d+)/.exec(text);
      if (m && killed === undefined) {
        killed = Number(m[1]);
        // Well into the run (it starts 3 s after ready): several snapshots sent by then.
        setTimeout(() => process.kill(killed!, 'SIGKILL'), 10_000);
      }
    });
    assert.ok(killed, r.stderr);
    assert.equal(r.code, 1, r.stderr + r.stdout.slice(-2000));
    assert.match(r.stdout, new RegExp(`worker 1, pid ${killed}, died before the end: was killed by SIGKILL`));
    const doc = JSON.parse(readFileSync(json, 'utf8')) as ResultDocument;
    assert.equal(doc.verdict, 'FAIL');
    assert.ok(Object.keys(doc.clientFailures).some((k) => k.startsWith('worker 1 died')), JSON.stringify(doc.clientFailures));
    // Worker 0 ran to the end: 16 s of intervals; worker 1's snapshots up to its death are in too.
    assert.ok(doc.intervals.length >= 8, `${doc.intervals.length} intervals`);
    const served = tb.stats.totalRequests - before;
    assert.ok(doc.events.exchanges! > served / 2 && doc.events.exchanges! <= served, `${doc.events.exchanges} of ${served}`);
  });
});
