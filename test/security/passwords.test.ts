import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as plist from 'plist';
import { request } from 'undici';
import type { AccountRecord } from '../../lib/core/account-record.js';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { REPO } from '../helpers/reference.js';
import { cliWithLines, filesUnder, leakIn, readAll, secretForms } from './support.js';

/**
 * Issue #11: passwords never appear in anything loadsim prints or writes.
 * The accounts carry distinctive random passwords (with characters that
 * change under URL-encoding and HTML escaping), the server URI carries
 * credentials of its own, and every output is switched on: console, --json,
 * --html, --junit, --jtl, --timeseries, --results-db, the OperationLogger's
 * file, the RequestLogger, the ErrorLogger's files, the client-data folder,
 * the web admin page fetched while running. A run with wrong passwords
 * (401s, error messages), `validate`, a broken accounts file, and a run with
 * worker processes are grepped the same way.
 */

const USERS = 6;
// Distinctive, never a substring of anything else: a random core, and '&', '+', '/', ':', '@' so the escaped forms differ.
const secret = () => `Pw&${randomBytes(9).toString('hex')}+/:@Z`;
const records = (passwords: string[]): AccountRecord[] =>
  passwords.map((password, i) => {
    const uid = `sec${String(i + 1).padStart(2, '0')}`;
    return { uid, password, commonName: `Sec ${i + 1}`, email: `${uid}@example.com`, guid: `20000000-0000-0000-0000-${String(i + 1).padStart(12, '0')}`, podID: 'PodA' };
  });
const csv = (rs: AccountRecord[]) => rs.map((r) => [r.uid, r.password, r.commonName, r.email, r.guid].join(',')).join('\n') + '\n';

const right = records(Array.from({ length: USERS }, secret));
const wrong = records(Array.from({ length: USERS }, secret));
const uriSecret = secret();
const secrets = new Map<string, string[]>([
  ...right.flatMap((r) => [[`password of ${r.uid}`, secretForms(r.uid, r.password)] as const]),
  ...wrong.flatMap((r) => [[`wrong password of ${r.uid}`, secretForms(r.uid, r.password)] as const]),
  ['the server URI password', secretForms('admin', uriSecret)],
]);

let tb: Testbed;
let dir: string;
const file = (name: string) => path.join(dir, name);

/** A config for the testbed: CSV accounts, every observer on, the web admin on a free port, client data saved. */
function writeConfig(name: string, accountsCsv: string, extra: Record<string, unknown> = {}): string {
  const sub = file(name);
  mkdirSync(sub, { recursive: true });
  writeFileSync(path.join(sub, 'accounts.csv'), accountsCsv);
  const config = {
    servers: { PodA: { enabled: true, uri: `http://admin:${encodeURIComponent(uriSecret)}@127.0.0.1:${tb.port}`, stats: { enabled: true, Port: tb.statsPort } } },
    accounts: { loader: 'recordsFromCSVFile', params: { path: 'accounts.csv' } },
    arrival: { factory: 'SmoothRampUp', params: { groups: 2, groupSize: 3, interval: 1, clientsPerUser: 1 } },
    webadmin: { enabled: true, HTTPPort: 0 },
    clientDataSerialization: { Path: 'client-data', UseOldData: false },
    observers: [
      { type: 'ReportStatistics', params: {} },
      { type: 'OperationLogger', params: { outfile: 'operations.log' } },
      { type: 'RequestLogger', params: {} },
      { type: 'ErrorLogger', params: { directory: 'errors', durationThreshold: 0.0001 } },
      { type: 'SimpleStatistics', params: {} },
    ],
    ...extra,
  };
  const p = path.join(sub, 'config.plist');
  writeFileSync(p, plist.build(config as unknown as plist.PlistValue));
  return p;
}

const CLIENTS = path.join(REPO, 'config/clients.plist');

/** A run with every result flag, the web admin fetched (page and Refresh) while it goes; what it printed and the pages. */
async function fullRun(name: string, accountsCsv: string, extraArgs: string[] = []) {
  const config = writeConfig(name, accountsCsv);
  const out = (f: string) => path.join(file(name), f);
  const pages: string[] = [];
  let fetched: Promise<void> = Promise.resolve();
  const run = await cliWithLines(
    [
      'run', '--config', config, '--clients', CLIENTS, '--runtime', '5', '--seed', 'sec', '--quiet',
      '--json', out('result.json'), '--html', out('report.html'), '--junit', out('junit.xml'), '--jtl', out('rows.jtl'),
      '--timeseries', out('ts.ndjson'), '--interval', '1', '--results-db', `sqlite:${out('results.db')}`,
      ...extraArgs,
    ],
    dir,
    (line) => {
      const m = /web admin on (http:\/\/\S+)/.exec(line);
      if (!m) return;
      const url = m[1]!;
      fetched = (async () => {
        // Let some traffic (and failures) reach the live report first.
        await new Promise((r) => setTimeout(r, 2500));
        const page = await (await request(url)).body.text();
        pages.push(page);
        const token = /name="token" value="([0-9a-f]+)"/.exec(page)?.[1] ?? '';
        const refresh = await request(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${token}&results=1` });
        pages.push(await refresh.body.text());
      })();
    },
  );
  await fetched;
  return { run, pages, folder: file(name) };
}

before(async () => {
  tb = await startTestbed({ port: 0, statsPort: 0, accounts: right });
  dir = mkdtempSync(path.join(tmpdir(), 'loadsim-passwords-'));
});
after(async () => {
  await tb.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Everything a run left: its console text, the web admin pages, and every file in its folder. */
function assertNoLeak(what: string, texts: Record<string, string | Buffer>, folder?: string): void {
  const all: Record<string, string | Buffer> = { ...texts };
  if (folder) for (const f of filesUnder(folder)) if (!/accounts(-broken)?\.csv$|config\.plist$/.test(f)) all[path.relative(dir, f)] = readAll(f);
  for (const [name, text] of Object.entries(all)) {
    const leak = leakIn(text, secrets);
    assert.equal(leak, undefined, `${what}: ${name} contains ${leak}`);
  }
}

describe('passwords never appear in any output', { timeout: 240_000 }, () => {
  it('a passing run with every output on, the web admin page included', async () => {
    const { run, pages, folder } = await fullRun('good', csv(right));
    assert.ok(run.stdout.includes('web admin on'), run.stderr);
    assert.equal(pages.length, 2, 'the web admin page and its Refresh were fetched while the run went');
    assert.match(pages[0]!, /Load Simulator Web Admin/);
    const produced = filesUnder(folder).map((f) => path.relative(folder, f));
    for (const f of ['result.json', 'report.html', 'junit.xml', 'rows.jtl', 'ts.ndjson', 'results.db', 'operations.log']) assert.ok(produced.includes(f), `${f} written: ${produced.join(', ')}`);
    assert.ok(produced.some((f) => f.startsWith('errors/')), `the ErrorLogger wrote files (every response counts as slow): ${produced.join(', ')}`);
    assert.ok(produced.some((f) => f.startsWith('client-data/')), `client data saved: ${produced.join(', ')}`);
    // The run reached the server as these users: their passwords were used.
    assert.equal(run.code, 0, run.stderr + run.stdout.slice(-2000));
    assertNoLeak('good run', { stdout: run.stdout, stderr: run.stderr, 'web admin page': pages[0]!, 'web admin refresh': pages[1]! }, folder);
  });

  it('a run whose passwords are wrong: 401s counted and reported, the passwords nowhere', async () => {
    const { run, pages, folder } = await fullRun('wrong', csv(wrong));
    assert.equal(run.code, 1, 'every request fails: the verdict is FAIL');
    assert.match(run.stdout, /401/, 'the failures are reported with their status');
    assert.ok(pages.length === 2);
    assertNoLeak('wrong-password run', { stdout: run.stdout, stderr: run.stderr, 'web admin page': pages[0]!, 'web admin refresh': pages[1]! }, folder);
  });

  it('validate prints the plan without the accounts\' passwords', async () => {
    const config = writeConfig('validate', csv(right));
    const r = await cliWithLines(['validate', '--config', config, '--clients', CLIENTS], dir);
    assert.equal(r.code, 0, r.stderr);
    assertNoLeak('validate', { stdout: r.stdout.replaceAll(`admin:${encodeURIComponent(uriSecret)}@`, 'admin:(the URI password, checked below)@'), stderr: r.stderr });
  });

  // describePlan (lib/config/describe-plan.ts, owned elsewhere) prints each pod's uri as written, credentials
  // included: the fix is withoutCredentials(s.uri) there. Until it lands, this is a known failure, not a silent one.
  it('validate prints the server URI without its password', async () => {
    const config = writeConfig('validate-uri', csv(right));
    const r = await cliWithLines(['validate', '--config', config, '--clients', CLIENTS], dir);
    assert.equal(r.code, 0, r.stderr);
    assertNoLeak('validate', { stdout: r.stdout, stderr: r.stderr });
  });

  it('a broken accounts file is reported by line, not by its content', async () => {
    // Line 2 has three columns: the message must name the line, not echo the password on it.
    const broken = csv(right).split('\n');
    broken[1] = `${right[1]!.uid},${right[1]!.password},only three`;
    const config = writeConfig('broken', broken.join('\n'));
    for (const command of ['validate', 'run']) {
      const r = await cliWithLines([command, '--config', config, '--clients', CLIENTS, ...(command === 'run' ? ['--runtime', '1'] : [])], dir);
      assert.equal(r.code, 2, `${command}: bad input`);
      assert.match(r.stderr, /line 2/);
      assertNoLeak(`${command} with a broken accounts file`, { stdout: r.stdout, stderr: r.stderr });
    }
  });

  it('a run with worker processes: the manager and workers print no password', async () => {
    const config = writeConfig('workers', csv(right), { webadmin: { enabled: false, HTTPPort: 0 } });
    const r = await cliWithLines(['run', '--config', config, '--clients', CLIENTS, '--runtime', '4', '--seed', 'w', '--workers', '2', '--json', path.join(file('workers'), 'result.json'), '--jtl', path.join(file('workers'), 'rows.jtl')], dir);
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    assert.match(r.stderr, /2 workers started/);
    assertNoLeak('worker run', { stdout: r.stdout, stderr: r.stderr }, file('workers'));
  });

  it('the workers’ own standard error and the snapshots they send: no password, wrong ones included', async () => {
    // The manager shows a worker's stderr only when it dies, so the workers are started by command lines
    // (as on other hosts) that keep their stderr, and the protocol lines they send, in files to grep.
    const sub = file('worker-streams');
    const main = path.join(REPO, 'dist/lib/cli/main.js');
    const workers = [0, 1].map((i) => `'${process.execPath}' '${main}' worker 2>'${sub}/worker-${i}.stderr' | tee '${sub}/worker-${i}.protocol'`);
    // Half the users have wrong passwords: 401s and their error messages go through the workers' reporting too.
    const mixed = right.map((r, i) => (i % 2 ? wrong[i]! : r));
    const config = writeConfig('worker-streams', csv(mixed), { webadmin: { enabled: false, HTTPPort: 0 }, workers });
    const r = await cliWithLines(['run', '--config', config, '--clients', CLIENTS, '--runtime', '4', '--seed', 'w', '--debug', '--json', path.join(sub, 'result.json')], dir);
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    for (const i of [0, 1]) {
      const protocol = readAll(path.join(sub, `worker-${i}.protocol`)).toString();
      assert.match(protocol, /"type":"snapshot"/, `worker ${i} sent its snapshots through the file`);
      assert.ok(existsSync(path.join(sub, `worker-${i}.stderr`)), `worker ${i}'s stderr was kept`);
    }
    assertNoLeak('worker streams', { stdout: r.stdout, stderr: r.stderr }, sub);
  });
});
