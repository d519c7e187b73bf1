import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as plist from 'plist';
import { readResultDocument } from '../../lib/result/read-result.js';
import { accountingProblems, intervalAccountingProblems } from '../../lib/result/request-accounting.js';
import type { IntervalRecord } from '../../lib/result/result-document.js';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { REPO } from '../helpers/reference.js';

/**
 * Results are never lost: SIGTERM, SIGKILL, an uncaught error in a user's
 * module and a full disk each still leave the report and the files (or, for
 * SIGKILL, the files as of the last interval), and say what went wrong.
 */
let dir: string;
let tb: Testbed;
before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'loadsim-kept-'));
  tb = await startTestbed({ port: 0, users: 20, statsPort: null, ampPort: null });
});
after(async () => {
  await tb.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Child {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * The CLI as a child; `signal` is sent once `when` holds: checked as stderr
 * grows, and every 50 ms for what the run writes to files (waiting for the
 * event, not for a time). Bounded at 90 s.
 */
function loadsim(args: string[], o: { signal?: NodeJS.Signals; when?: (stderr: string) => boolean; cwd?: string } = {}): Promise<Child> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(REPO, 'dist/lib/cli/main.js'), ...args], { cwd: o.cwd ?? dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    const check = () => {
      if (o.signal && !sent && o.when?.(stderr)) {
        sent = true;
        child.kill(o.signal);
      }
    };
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      check();
    });
    const poll = setInterval(check, 50);
    const guard = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('exit', (code, signal) => {
      clearInterval(poll);
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A config of our own against the testbed: 4 users of OS X 10.7 polling every 2 s, an interval of 1 s. */
function writeConfig(name: string, arrival: Record<string, unknown>): string {
  const config = {
    servers: { PodA: { enabled: true, uri: tb.url, stats: { enabled: false, Port: 8100 } } },
    webadmin: { enabled: false, HTTPPort: 8080 },
    reportInterval: 1,
    accounts: { loader: 'generateRecords', params: { count: 20, uidPattern: 'user%02d', passwordPattern: 'user%02d', emailPattern: 'user%02d@example.com' } },
    arrival,
    observers: [
      { type: 'contrib.performance.loadtest.population.ReportStatistics', params: {} },
      { type: 'contrib.performance.loadtest.profiles.OperationLogger', params: {} },
    ],
    clients: [{ software: 'OS_X_10_7', params: { title: 'mac', calendarHomePollInterval: 2, supportAmpPush: false, unauthenticatedPercentage: 0 }, profiles: [], weight: 1 }],
  };
  const file = path.join(dir, name);
  writeFileSync(file, plist.build(config as plist.PlistValue));
  return file;
}
const rampUp = { factory: 'SmoothRampUp', params: { groups: 4, groupSize: 1, interval: 0.5, clientsPerUser: 1 } };

function ndjson(file: string): IntervalRecord[] {
  // Empty when the run stopped before its first interval closed.
  if (!existsSync(file)) return [];
  // A line is complete once its newline is written; a half-written last line is not read yet.
  const text = readFileSync(file, 'utf8');
  return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as IntervalRecord);
}

/** The snapshot the run saves at every interval, or undefined before the first (it is renamed into place whole). */
function snapshotIntervals(file: string): number {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { intervals: unknown[] }).intervals.length;
  } catch {
    return 0;
  }
}

describe('results are never lost', { concurrency: true, timeout: 180_000 }, () => {
  it('SIGTERM after traffic: the full report, and every file, with the books balanced', async () => {
    const out = path.join(dir, 'term');
    const files = ['--json', `${out}/r.json`, '--timeseries', `${out}/ts.ndjson`, '--html', `${out}/r.html`, '--junit', `${out}/j.xml`, '--jtl', `${out}/r.jtl`];
    // Signalled once an interval has closed with responses in it and requests still going: the books then have something to balance.
    const r = await loadsim(['run', '--config', writeConfig('term.plist', rampUp), '--runtime', '60', '--seed', 'term', '--quiet', ...files], {
      signal: 'SIGTERM',
      when: () => ndjson(`${out}/ts.ndjson`).some((x) => x.count > 0),
    });
    // Interrupted, the run judges what it measured: the testbed failed nothing, so it passes (exit 0).
    assert.equal(r.signal, null, 'it ended by itself after the signal');
    assert.equal(r.code, 0, `exit ${r.code}\n${r.stderr}\n${r.stdout.slice(-1500)}`);
    assert.match(r.stdout, /\*\* REPORT \*\*[\s\S]*\*\*\* PASS/);
    for (const f of ['r.json', 'ts.ndjson', 'r.html', 'j.xml', 'r.jtl']) assert.ok(existsSync(path.join(out, f)), `${f} was written`);
    const doc = readResultDocument(`${out}/r.json`);
    assert.equal(doc.endedBy, 'interrupted');
    assert.ok(doc.events.requests > 0 && doc.events.responses > 0, `traffic before the signal: ${doc.events.requests} requests, ${doc.events.responses} responses`);
    assert.deepEqual(accountingProblems(doc), []);
    const series = ndjson(`${out}/ts.ndjson`);
    assert.ok(series.length >= 2, `${series.length} intervals: the one with traffic, and the last at the signal`);
    assert.deepEqual(intervalAccountingProblems(series), []);
    // Nothing started is missing from the series, and nothing was open once it ended.
    const startedInSeries = series.reduce((a, x) => a + (x.started ?? 0), 0);
    assert.equal(startedInSeries, doc.events.requests, 'requests started: series = result');
    assert.equal(Object.values(doc.accounting!.requests).reduce((a, c) => a + c.started, 0), doc.events.requests, 'requests started: books = result');
    assert.equal(series.at(-1)?.inFlight, 0, 'nothing open at the end');
    // The JTL has a row per response.
    assert.equal(readFileSync(`${out}/r.jtl`, 'utf8').trimEnd().split('\n').length - 1, doc.events.responses);
  });

  it('SIGKILL: the JSON as of the last interval and the time series so far are there, whole and readable', async () => {
    const out = path.join(dir, 'kill');
    // Killed once the snapshot of the third interval is in place (written, fsynced and renamed as each interval closes).
    const r = await loadsim(['run', '--config', writeConfig('kill.plist', rampUp), '--runtime', '60', '--seed', 'kill', '--quiet', '--json', `${out}/r.json`, '--timeseries', `${out}/ts.ndjson`], {
      signal: 'SIGKILL',
      when: () => snapshotIntervals(`${out}/r.json`) >= 3,
    });
    assert.equal(r.signal, 'SIGKILL');
    const doc = readResultDocument(`${out}/r.json`);
    assert.equal(doc.endedBy, 'running');
    assert.ok(doc.intervals.length >= 3, `${doc.intervals.length} intervals in the snapshot`);
    assert.ok(doc.events.requests > 0);
    assert.deepEqual(intervalAccountingProblems(doc.intervals), []);
    const records = ndjson(`${out}/ts.ndjson`);
    assert.ok(records.length >= 3);
    assert.deepEqual(intervalAccountingProblems(records), []);
    // No temporary file was left beside it.
    assert.deepEqual(readdir(out).filter((f) => f.endsWith('.tmp')), []);
  });

  it('an uncaught error in a user’s module stops the run with its report, its files and the reason', async () => {
    // Its third step throws from inside a timer, 2 s into the run (not while validate walks the schedule at once).
    writeFileSync(
      path.join(dir, 'exploding.mjs'),
      `export function explodes() {
  return { totalUsers: 3, clientsPerUser: 1, describe: () => 'three users, then a bug',
    *arrivals() { const t0 = Date.now(); yield { at: 0, users: 1 }; yield { at: 1.5, users: 1 };
      if (Date.now() - t0 > 1000) throw new Error('the arrival module has a bug'); yield { at: 3, users: 1 }; } };
}
`,
    );
    const out = path.join(dir, 'uncaught');
    const r = await loadsim(['run', '--config', writeConfig('uncaught.plist', { factory: './exploding.mjs#explodes', params: {} }), '--runtime', '30', '--seed', 'bug', '--quiet', '--json', `${out}/r.json`, '--html', `${out}/r.html`]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /an uncaught error stops the run: the arrival module has a bug/);
    assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace without --debug');
    assert.match(r.stdout, /\*\* REPORT \*\*[\s\S]*\*\*\* FAIL/);
    assert.match(r.stdout, /Failed Operation : uncaught error: the arrival module has a bug : 1 times/);
    const doc = readResultDocument(`${out}/r.json`);
    assert.equal(doc.endedBy, 'uncaught error');
    assert.ok(doc.runSeconds < 20, `stopped at once, not at its runtime (${doc.runSeconds} s)`);
    assert.ok(existsSync(`${out}/r.html`));
    assert.deepEqual(accountingProblems(doc), []);
  });

  it('a full disk: a clear error naming the file, the report still printed, exit 1', async (t) => {
    // An 8 KB tmpfs (root only, as in CI): the JSON and the HTML (tens of KB each) cannot fit; /dev/full refuses the time series.
    const full = path.join(dir, 'full');
    mkdirSync(full);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8k', 'tmpfs', full]).status === 0;
    if (!mounted) {
      // Optional only where it cannot run: as root (CI) a failed mount is a failure, not a skip.
      if (process.getuid?.() === 0 || process.env.LOADSIM_REAL_SERVERS_REQUIRED) assert.fail('cannot mount a small tmpfs to fill, as root');
      t.skip('mounting a tmpfs needs root (CI runs as root, where this test is required)');
      return;
    }
    try {
      const r = await loadsim(['run', '--config', writeConfig('full.plist', rampUp), '--runtime', '4', '--seed', 'full', '--quiet', '--json', `${full}/r.json`, '--html', `${full}/r.html`, '--timeseries', '/dev/full']);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stdout, /\*\* REPORT \*\*[\s\S]*\*\*\* PASS/, 'the report is printed in full');
      assert.match(r.stderr, /cannot write \/dev\/full: ENOSPC/);
      assert.match(r.stderr, new RegExp(`loadsim: result: cannot write ${full}/r\\.json: ENOSPC`));
      assert.match(r.stderr, new RegExp(`loadsim: HTML report: cannot write ${full}/r\\.html: ENOSPC`));
      // No half-written file and no temporary one left behind.
      assert.deepEqual(readdir(full).filter((f) => f.endsWith('.tmp') || f === 'r.html'), []);
    } finally {
      spawnSync('umount', [full]);
    }
  });
});

function readdir(d: string): string[] {
  return existsSync(d) ? readdirSync(d) : [];
}
