import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as plist from 'plist';
import type { IntervalRecord, ResultDocument } from '../../lib/result/result-document.js';
import { PROTOCOL_VERSION, type StartMessage } from '../../lib/workers/protocol.js';
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
  let firstSplit: number[][] = [];
  it('30 s: the merged counts are the testbed’s own request count, and the run passes', async () => {
    const before = tb.stats.totalRequests;
    const json = path.join(dir, 'two.json');
    const ts = path.join(dir, 'two.ndjson');
    const jtl = path.join(dir, 'two.jtl');
    const r = await cli(['run', ...CONFIG, '--server', tb.url, '--runtime', '30', '--seed', '6', '--quiet', '--workers', '2', '--json', json, '--timeseries', ts, '--jtl', jtl]);
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
    // Worker i simulated the users n ≡ i (mod 2) of those that arrived: each user in exactly one.
    const split = (seedRun: ResultDocument) => seedRun.run.slices!.map((x) => [x.index, x.users]);
    assert.deepEqual(split(doc), [0, 1].map((i) => [i, Array.from({ length: doc.users }, (_, n) => n).filter((n) => n % 2 === i).length]));
    assert.equal(doc.run.slices!.reduce((n, x) => n + x.responses, 0), doc.events.responses);
    firstSplit = split(doc);
    // The merged time series: interval k of both workers, per label too, adding up to the result.
    const records = readFileSync(ts, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as IntervalRecord);
    assert.ok(records.length >= 3 && records.length <= 5, `${records.length} intervals of 10 s in 30 s`);
    assert.equal(records.reduce((n, x) => n + x.count, 0), doc.events.responses);
    for (const [label, summary] of Object.entries(doc.requests)) assert.equal(records.reduce((n, x) => n + (x.labels[label]?.count ?? 0), 0), summary.count, label);
    records.forEach((x, i) => assert.equal(x.index, i));
    // The workers' JTL parts, joined under one header.
    const rows = readFileSync(jtl, 'utf8').trimEnd().split('\n');
    assert.match(rows[0]!, /^timeStamp,elapsed,label,/);
    assert.equal(rows.filter((l) => l.startsWith('timeStamp,')).length, 1);
    assert.equal(rows.length - 1, doc.events.responses);
    assert.ok(!existsSync(`${jtl}.0`) && !existsSync(`${jtl}.1`), 'the parts are gone');
  });

  it('the same seed gives the same split', async () => {
    const json = path.join(dir, 'again.json');
    const r = await cli(['run', ...CONFIG, '--server', tb.url, '--runtime', '8', '--seed', '6', '--quiet', '--workers', '2', '--json', json]);
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    const doc = JSON.parse(readFileSync(json, 'utf8')) as ResultDocument;
    // 8 s: the ramp (5 groups of 2 every second) has added everyone the 30 s run had.
    assert.deepEqual(doc.run.slices!.map((x) => [x.index, x.users]), firstSplit);
  });

  it('a worker killed mid-run: FAIL naming it, its earlier snapshots kept, the other worker to the end', async () => {
    const before = tb.stats.totalRequests;
    const json = path.join(dir, 'killed.json');
    const ts = path.join(dir, 'killed.ndjson');
    /** The merged intervals written so far: interval k is written once both workers have sent theirs. */
    const merged = () => (existsSync(ts) ? readFileSync(ts, 'utf8').split('\n').slice(0, -1).map((l) => JSON.parse(l) as IntervalRecord) : []);
    let pid: number | undefined;
    let seenAtKill: IntervalRecord[] = [];
    // Worker 1 is killed once three merged intervals are written (it has sent three, and the snapshots before them).
    const poll = setInterval(() => {
      if (pid === undefined || seenAtKill.length) return;
      const rows = merged();
      if (rows.length >= 3) {
        seenAtKill = rows;
        process.kill(pid, 'SIGKILL');
      }
    }, 50);
    const r = await cli(['run', ...CONFIG, '--server', tb.url, '--runtime', '16', '--seed', '6', '--quiet', '--workers', '2', '--interval', '2', '--json', json, '--timeseries', ts], (text) => {
      pid ??= Number(/worker 1 ready, pid (\d+)/.exec(text)?.[1]) || undefined;
    }).finally(() => clearInterval(poll));
    assert.ok(pid && seenAtKill.length >= 3, `killed worker 1 (pid ${pid}) after ${seenAtKill.length} merged intervals\n${r.stderr}`);
    assert.equal(r.code, 1, r.stderr + r.stdout.slice(-2000));
    assert.match(r.stdout, new RegExp(`worker 1, pid ${pid}, died before the end: was killed by SIGKILL`));
    const doc = JSON.parse(readFileSync(json, 'utf8')) as ResultDocument;
    assert.equal(doc.verdict, 'FAIL');
    assert.ok(Object.keys(doc.clientFailures).some((k) => k.startsWith('worker 1 died')), JSON.stringify(doc.clientFailures));
    // Per slice: both are in the result, with the users the split gives each, and both answered requests.
    assert.deepEqual(doc.run.mergedFrom, ['worker 0', 'worker 1']);
    const slices = doc.run.slices!;
    assert.deepEqual(slices.map((x) => x.index), [0, 1]);
    for (const x of slices) assert.ok(x.responses > 0 && x.users > 0, `slice ${x.index}: ${x.users} users, ${x.responses} responses`);
    // Worker 1's snapshots up to its death are in: every interval but the last it sent (whose snapshot may not have
    // followed before the kill) has the same count as the merged interval written while both workers were alive.
    // Had worker 1's snapshots been dropped, these would hold worker 0's part only.
    for (const row of seenAtKill.slice(0, -1)) {
      assert.equal(doc.intervals[row.index]?.count, row.count, `interval ${row.index}: both workers' responses (${row.count}) are in the result`);
      assert.equal(doc.intervals[row.index]?.started, row.started, `interval ${row.index}: requests started`);
    }
    // Worker 0 ran to the end: 16 s of 2 s intervals.
    assert.ok(doc.intervals.length >= 8, `${doc.intervals.length} intervals`);
    const slice0 = slices[0]!.responses;
    const slice1 = slices[1]!.responses;
    assert.equal(slice0 + slice1, doc.events.responses, 'the slices add up to the result');
    assert.ok(slice1 < slice0, `the killed worker answered less (${slice1}) than the one that ran to the end (${slice0})`);
    // Nothing is counted that the testbed did not serve (what worker 1 did after its last snapshot is lost).
    const served = tb.stats.totalRequests - before;
    assert.ok(doc.events.exchanges! <= served, `${doc.events.exchanges} of ${served}`);
  });

  it('the web admin shows the merged report of the workers, and its Stop ends every worker', async () => {
    const config = path.join(dir, 'webadmin.plist');
    writeFileSync(config, readFileSync(path.join(REPO, 'config/config.plist'), 'utf8').replace('<key>webadmin</key>\n\t<dict>\n\t\t<key>enabled</key>\n\t\t<false/>\n\t\t<key>HTTPPort</key>\n\t\t<integer>8080</integer>', '<key>webadmin</key><dict><key>enabled</key><true/><key>HTTPPort</key><integer>0</integer>'));
    assert.match(readFileSync(config, 'utf8'), /<key>enabled<\/key><true\/><key>HTTPPort<\/key><integer>0</);
    const t0 = Date.now();
    let page = '';
    let stopped: Promise<number> | undefined;
    const r = await cli(['run', '--config', config, '--clients', path.join(REPO, 'config/clients.plist'), '--server', tb.url, '--runtime', '60', '--seed', '6', '--quiet', '--workers', '2', '--interval', '2'], (text) => {
      const m = /web admin on (http:\/\/\S+)/.exec(text);
      if (!m || stopped) return;
      const url = m[1]!;
      stopped = (async () => {
        // Wait for snapshots, then read the page and press Stop with its token.
        for (let i = 0; i < 40 && !/\*\* REPORT \*\*/.test(page); i++) {
          await new Promise((res) => setTimeout(res, 500));
          page = await (await fetch(url)).text();
        }
        const token = /name="token" value="([0-9a-f]+)"/.exec(page)?.[1] ?? '';
        const wrong = await fetch(url, { method: 'POST', body: new URLSearchParams({ token: 'not-it', stop: '1' }) });
        assert.equal(wrong.status, 403);
        return (await fetch(url, { method: 'POST', body: new URLSearchParams({ token, stop: '1' }) })).status;
      })();
    });
    assert.ok(stopped, r.stderr);
    assert.equal(await stopped, 200);
    assert.match(page, /\*\* REPORT \*\*[\s\S]*PROPFIND\{home\}/, 'the page shows the merged report');
    assert.ok(Date.now() - t0 < 45_000, 'the run ended well before its 60 s');
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    assert.match(r.stdout, /\*\* REPORT \*\*/);
  });
});

describe('workers started by command lines, as on other hosts', { timeout: 120_000 }, () => {
  it('the config, clients and accounts travel in the start message (passwords of its own users only); a shell left running is ended with its whole process group', async () => {
    const here = mkdtempSync(path.join(dir, 'cmd-'));
    const files = path.join(here, 'files');
    mkdirSync(files);
    const accounts = Array.from({ length: 20 }, (_, i) => {
      const uid = `user${String(i + 1).padStart(2, '0')}`;
      return `${uid},${uid},User ${i + 1},${uid}@example.com,10000000-0000-0000-0000-0000000000${String(i + 1).padStart(2, '0')},PodA`;
    });
    writeFileSync(path.join(files, 'accounts.csv'), `${accounts.join('\n')}\n`);
    const config = plist.parse(readFileSync(path.join(REPO, 'config/config.plist'), 'utf8')) as Record<string, unknown>;
    config.accounts = { loader: 'recordsFromCSVFile', params: { path: 'accounts.csv' } };
    const main = path.join(REPO, 'dist/lib/cli/main.js');
    const node = process.execPath;
    const marker = `${60 + Math.random()}`.slice(0, 8);
    config.workers = [
      // Worker 0's host has none of the files: the shell deletes them (the manager has read them) before the worker starts.
      `rm -f '${files}'/*; tee '${here}/start-0.ndjson' | '${node}' '${main}' worker`,
      // Worker 1 is a shell that stays after its worker ended (no exec): after the grace period its group is ended.
      `tee '${here}/start-1.ndjson' | '${node}' '${main}' worker; sleep ${marker}; true`,
    ];
    writeFileSync(path.join(files, 'config.plist'), plist.build(config as plist.PlistValue));
    copyFileSync(path.join(REPO, 'config/clients.plist'), path.join(files, 'clients.plist'));
    const before = tb.stats.totalRequests;
    const json = path.join(here, 'result.json');
    const t0 = Date.now();
    const r = await cli(['run', '--config', path.join(files, 'config.plist'), '--clients', path.join(files, 'clients.plist'), '--server', tb.url, '--runtime', '4', '--seed', '6', '--quiet', '--json', json]);
    assert.ok(!existsSync(path.join(files, 'config.plist')) && !existsSync(path.join(files, 'accounts.csv')), 'the files were gone before the workers loaded');
    const doc = JSON.parse(readFileSync(json, 'utf8')) as ResultDocument;
    // Both workers ran their slice in full: every request the testbed served is in the result.
    assert.equal(doc.events.exchanges, tb.stats.totalRequests - before);
    assert.equal(doc.run.slices!.length, 2);
    for (const s of doc.run.slices!) assert.ok(s.responses > 0, `slice ${s.index}: ${s.responses} responses`);
    // Worker 1 ended its slice, but its shell did not exit: stopped after 4 s + 10 s + 15 s of grace.
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /worker 1 \(.*\), pid \d+, ended badly: was killed by SIGTERM/);
    assert.doesNotMatch(r.stdout, /worker 0 \(/);
    assert.ok(Date.now() - t0 < 60_000);
    const left = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(marker);
      } catch {
        return false;
      }
    });
    assert.deepEqual(left, [], `the shell's sleep ${marker} was ended with its group`);
    // The start messages: the texts of both files, every account, a password only for the worker's own users.
    for (const i of [0, 1]) {
      const start = JSON.parse(readFileSync(path.join(here, `start-${i}.ndjson`), 'utf8').split('\n')[0]!) as StartMessage;
      assert.equal(start.protocol, PROTOCOL_VERSION);
      assert.match(start.config.text, /recordsFromCSVFile/);
      assert.match(start.clients!.text, /<key>clients<\/key>/);
      assert.equal(start.accounts.length, 20);
      start.accounts.forEach(([uid, password], n) => assert.equal(password, n % 2 === i ? uid : '', `worker ${i}, user ${n}`));
    }
  });
});
