import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { recordsFromCSVFile } from '../../lib/population/accounts.js';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { REPO, referenceFile, referenceWorkspace } from '../helpers/reference.js';

/**
 * The reference 2013 config and clients, unmodified, pointed with --server at
 * the testbed (whose stats socket listens on the config's port 8100), as a
 * user runs them. Bounded: a short --runtime, or a signal.
 */
const G = 'calendarserver-2013' as const;
let tb: Testbed;
let ws: ReturnType<typeof referenceWorkspace>;
before(async () => {
  tb = await startTestbed({ port: 0, statsPort: 8100, accounts: recordsFromCSVFile(referenceFile(G, 'accounts.csv')) });
  ws = referenceWorkspace(G);
});
after(async () => {
  await tb.close();
  ws.cleanup();
});

function run(args: string[], cwd: string, signalAfterMs?: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(REPO, 'dist/lib/cli/main.js'), ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    if (signalAfterMs) setTimeout(() => child.kill('SIGINT'), signalAfterMs);
    // Bounded: a run that does not end by itself within 90 s is killed (and the test fails on its output).
    const guard = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });
}

const refArgs = (runtime?: number) => [
  'run', '--config', referenceFile(G, 'config.plist'), '--clients', referenceFile(G, 'clients.plist'), '--server', tb.url, '--seed', '1', '--quiet',
  ...(runtime ? ['--runtime', String(runtime)] : []),
];

describe('loadsim run end to end against the testbed', { timeout: 240_000 }, () => {
  it('the 2013 reference files: REPORT, the server section from the stats socket, per-label rows, PASS, exit 0', async () => {
    const r = await run(refArgs(12), ws.dir);
    assert.equal(r.code, 0, r.stderr + r.stdout.slice(-3000));
    assert.match(r.stdout, /\*\* REPORT \*\*/);
    assert.match(r.stdout, /\* Server PodA \(Last 5 minutes\)\n\s+Cpu : [\d.]+%\n\s+Req\/Sec : [\d.]+/);
    // The reference config saves client data in /tmp/sim and reuses it (Enabled): a client may resume
    // without discovery, so the rows that every run has are the polls.
    assert.match(r.stdout, /^PROPFIND\{home\}\s+\d+/m);
    // 2013's clients forgot the notification URL they were given: no notification PROPFINDs.
    assert.doesNotMatch(r.stdout, /^PROPFIND\{notification/m);
    assert.match(r.stdout, /\*\*\* PASS/);
  });

  it('with thresholds no server can meet: FAIL naming the labels, exit 1', async () => {
    // Same files; the workspace's thresholds.json (found through the working directory) allows nothing over 0 s.
    const impossible = { requests: { limits: [0], thresholds: { default: [0] } }, operations: { limits: [0], thresholds: { default: [0] } } };
    const dir = path.join(ws.dir, 'contrib/performance/loadtest');
    const { rmSync } = await import('node:fs');
    rmSync(path.join(dir, 'thresholds.json'));
    writeFileSync(path.join(dir, 'thresholds.json'), JSON.stringify(impossible));
    const r = await run(refArgs(6), ws.dir);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /\*\*\* FAIL/);
    assert.match(r.stdout, /Greater than 0% PROPFIND\{home\} exceeded 0 second response time/);
  });

  it('SIGINT prints the full report and every request has its response', async () => {
    const r = await run([...refArgs(), '--json', path.join(ws.dir, 'summary.json')], ws.dir, 5000);
    assert.match(r.stdout, /\*\* REPORT \*\*/);
    assert.match(r.stdout, /\*\*\* (PASS|FAIL)/);
    assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}`);
    const { readFileSync } = await import('node:fs');
    const summary = JSON.parse(readFileSync(path.join(ws.dir, 'summary.json'), 'utf8')) as { endedBy: string; seed: string; requests: Record<string, { count: number; p99: number }>; server: Record<string, unknown> };
    assert.equal(summary.endedBy, 'interrupted');
    assert.equal(summary.seed, '1');
    assert.ok(summary.requests['PROPFIND{home}']!.count > 0);
    assert.ok(summary.requests['PROPFIND{home}']!.p99 >= 0);
    assert.ok('PodA' in summary.server);
    // Every request started has exactly one response: answered, or counted as interrupted.
    const counts = (summary as unknown as { events: { requests: number; responses: number; dropped: number } }).events;
    assert.ok(counts.requests > 0);
    assert.equal(counts.responses, counts.requests);
    assert.equal(counts.dropped, 0);
  });
});

describe('npm run demo', { timeout: 60_000 }, () => {
  it('runs the default simulation against an in-process testbed and ends with PASS', async () => {
    const r = await run(['demo', '--runtime', '5'], REPO);
    assert.equal(r.code, 0, r.stderr + r.stdout.slice(-2000));
    assert.match(r.stdout, /\*\* REPORT \*\*/);
    assert.match(r.stdout, /\*\*\* PASS/);
  });
});
