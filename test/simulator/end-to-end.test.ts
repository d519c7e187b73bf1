import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as plist from 'plist';
import { recordsFromCSVFile } from '../../lib/population/accounts.js';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { REFERENCE_AVAILABLE, REPO, needsReference, referenceFile, referenceWorkspace } from '../helpers/reference.js';

/**
 * loadsim run as a user runs it, pointed with --server at the testbed (whose
 * stats socket listens on port 8100, the port of both configs below): the
 * reference 2013 config and clients, unmodified; and loadsim's own config/
 * defaults. Bounded: a short --runtime, or a signal.
 */
const G = 'calendarserver-2013' as const;
const CLIENTS = path.join(REPO, 'config/clients.plist');
let tb: Testbed;
let dir: string;
let ws: ReturnType<typeof referenceWorkspace> | undefined;
before(async () => {
  // The 2013 accounts.csv (user01…user99, password = uid) when the reference files are there, as its
  // config expects; else the testbed's own user01…user20, all that loadsim's config/config.plist uses.
  tb = await startTestbed({ port: 0, statsPort: 8100, ...(REFERENCE_AVAILABLE ? { accounts: recordsFromCSVFile(referenceFile(G, 'accounts.csv')) } : {}) });
  dir = mkdtempSync(path.join(tmpdir(), 'loadsim-e2e-'));
});
after(async () => {
  await tb.close();
  ws?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** loadsim's config/config.plist, its ReportStatistics given `params` too, written into the temp folder. */
function ownConfig(name: string, params: Record<string, unknown> = {}): string {
  const cfg = plist.parse(readFileSync(path.join(REPO, 'config/config.plist'), 'utf8')) as { observers: { type: string; params: Record<string, unknown> }[] };
  const report = cfg.observers.find((o) => o.type === 'ReportStatistics')!;
  Object.assign(report.params, params);
  const file = path.join(dir, name);
  writeFileSync(file, plist.build(cfg as unknown as plist.PlistValue));
  return file;
}

/** The CLI as a child; SIGINT once `interruptWhen` holds (checked every 50 ms: waiting for the event, not for a time). */
function run(args: string[], cwd: string, interruptWhen?: () => boolean): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(REPO, 'dist/lib/cli/main.js'), ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const poll = interruptWhen
      ? setInterval(() => {
          if (!interruptWhen()) return;
          clearInterval(poll);
          child.kill('SIGINT');
        }, 50)
      : undefined;
    // Bounded: a run that does not end by itself within 90 s is killed (and the test fails on its output).
    const guard = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('exit', (code) => {
      clearTimeout(guard);
      clearInterval(poll);
      resolve({ code, stdout, stderr });
    });
  });
}

const ownArgs = (config: string, runtime?: number) => ['run', '--config', config, '--clients', CLIENTS, '--server', tb.url, '--seed', '1', '--quiet', ...(runtime ? ['--runtime', String(runtime)] : [])];

describe('loadsim run end to end against the testbed', { timeout: 240_000 }, () => {
  it('the 2013 reference files: REPORT, the server section from the stats socket, per-label rows, PASS, exit 0', needsReference(), async () => {
    ws = referenceWorkspace(G);
    const args = ['run', '--config', referenceFile(G, 'config.plist'), '--clients', referenceFile(G, 'clients.plist'), '--server', tb.url, '--seed', '1', '--quiet', '--runtime', '12'];
    const r = await run(args, ws.dir);
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
    // loadsim's config, its ReportStatistics reading a thresholds file (relative, beside the plist) that allows nothing over 0 s.
    const impossible = { requests: { limits: [0], thresholds: { default: [0] } }, operations: { limits: [0], thresholds: { default: [0] } } };
    writeFileSync(path.join(dir, 'impossible.json'), JSON.stringify(impossible));
    const r = await run(ownArgs(ownConfig('impossible.plist', { thresholdsPath: 'impossible.json' }), 6), dir);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /\*\*\* FAIL/);
    assert.match(r.stdout, /Greater than 0% PROPFIND\{home\} exceeded 0 second response time/);
  });

  it('SIGINT prints the full report and every request has its response', async () => {
    // Interrupted once traffic is well under way: 100 requests served, past the clients' start-ups and first home PROPFINDs.
    const before = tb.stats.totalRequests;
    const r = await run([...ownArgs(ownConfig('sigint.plist')), '--json', path.join(dir, 'summary.json')], dir, () => tb.stats.totalRequests - before >= 100);
    assert.match(r.stdout, /\*\* REPORT \*\*/);
    assert.match(r.stdout, /\*\*\* (PASS|FAIL)/);
    assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}`);
    const summary = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')) as { endedBy: string; seed: string; requests: Record<string, { count: number; p99: number }>; server: Record<string, unknown> };
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
