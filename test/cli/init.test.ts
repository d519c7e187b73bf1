/**
 * `loadsim init`: the three starter files it writes are accepted by
 * `validate` as written, without a warning; the plists parse with their
 * comments; bad flags and existing files are refused with exit 2 and one
 * line naming the flag or file; and a starter configuration, with the
 * passwords filled in, runs against the testbed and passes.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as plist from 'plist';
import { rampFor } from '../../lib/cli/init-command.js';
import { parseAccountsCSV } from '../../lib/population/accounts.js';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { runCli } from '../helpers/cli.js';

let dir: string;
let testbed: Testbed | undefined;
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'loadsim-init-'));
});
after(async () => {
  await testbed?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** `loadsim init` into `sub` of the temp dir. */
const init = (sub: string, ...flags: string[]) => runCli(['init', '--dir', sub, ...flags], dir);
const read = (...p: string[]) => readFileSync(path.join(dir, ...p), 'utf8');

describe('loadsim init: the starter files', () => {
  before(async () => {
    const r = await init('starter', '--server', 'https://cal.example.com', '--users', '20');
    assert.equal(r.code, 0, r.stderr);
  });

  it('says what it wrote and what to do next', async () => {
    const r = await init('said', '--server', 'https://cal.example.com:8443/', '--users', '3', '--principal-path', '/dav/principals/%s/');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    for (const f of ['config.plist', 'clients.plist', 'accounts.csv']) assert.match(r.stdout, new RegExp(`said/${f.replace('.', '\\.')}`));
    assert.match(r.stdout, /user01…user03, password CHANGE_ME; columns uid,password,commonName,email/);
    assert.match(r.stdout, /user01's would be https:\/\/cal\.example\.com:8443\/dav\/principals\/user01\//);
    assert.match(r.stdout, /loadsim validate --config said\/config\.plist --clients said\/clients\.plist/);
    assert.match(r.stdout, /loadsim run --config said\/config\.plist --clients said\/clients\.plist --runtime \d+/);
  });

  it('validate accepts them as written: exit 0, no warning', async () => {
    const r = await runCli(['validate', '--config', 'starter/config.plist', '--clients', 'starter/clients.plist'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '', 'no warnings');
    assert.match(r.stdout, /PodA: https:\/\/cal\.example\.com\n/);
    assert.match(r.stdout, /Accounts: 20 records from recordsFromCSVFile; 20 used/);
    assert.match(r.stdout, /SmoothRampUp: 2 groups × 10 users every 5 s/);
    assert.match(r.stdout, /Valid: every name resolved/);
  });

  it('validate accepts them for a user count with no even split (23, a prime) and a single user', async () => {
    for (const n of ['23', '1']) {
      assert.equal((await init(`n${n}`, '--server', 'http://127.0.0.1:8008', '--users', n)).code, 0);
      const r = await runCli(['validate', '--config', `n${n}/config.plist`, '--clients', `n${n}/clients.plist`], dir);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '', 'no warnings');
      assert.match(r.stdout, new RegExp(`Accounts: ${n} records from recordsFromCSVFile; ${n} used`));
    }
  });

  it('the plists are commented and parse with their comments: the master shape, the flags in it', () => {
    const text = read('starter', 'config.plist');
    assert.ok((text.match(/<!--/g) ?? []).length >= 10, 'a comment before the keys');
    assert.doesNotMatch(text.replace(/<!--|-->/g, ''), /--/, 'no -- inside a comment');
    const cfg = plist.parse(text) as Record<string, any>;
    assert.deepEqual(cfg.servers, { PodA: { enabled: true, uri: 'https://cal.example.com' } });
    assert.equal(cfg.principalPathTemplate, '/principals/users/%s/');
    assert.deepEqual(cfg.accounts, { loader: 'recordsFromCSVFile', params: { path: 'accounts.csv' } });
    assert.deepEqual(cfg.arrival, { factory: 'SmoothRampUp', params: { groups: 2, groupSize: 10, interval: 5, clientsPerUser: 1 } });
    assert.deepEqual(cfg.observers.map((o: { type: string }) => o.type), ['ReportStatistics', 'OperationLogger']);
    for (const k of ['tlsVerify', 'requestTimeout', 'maxResponseBytes', 'connectionModel', 'connectionsPerClient', 'connectionsPerServer', 'keepAliveTimeout']) assert.ok(k in cfg, k);

    const clientsText = read('starter', 'clients.plist');
    assert.ok((clientsText.match(/<!--/g) ?? []).length >= 5);
    const clients = plist.parse(clientsText) as { clients: Record<string, any>[] };
    assert.equal(clients.clients.length, 1);
    const [kind] = clients.clients;
    assert.equal(kind!.software, 'OS_X_10_11');
    assert.equal(typeof kind!.params.calendarHomePollInterval, 'number');
    assert.deepEqual(kind!.profiles.map((p: { class: string }) => p.class), ['Eventer', 'Accepter', 'Inviter']);
    assert.equal(kind!.weight, 1);
  });

  it('accounts.csv: commented, user01…user20 with the placeholder password, in the loader\'s columns', () => {
    const text = read('starter', 'accounts.csv');
    assert.match(text, /^# /);
    const records = parseAccountsCSV(text);
    assert.equal(records.length, 20);
    assert.deepEqual(records[0], { uid: 'user01', password: 'CHANGE_ME', commonName: 'User 01', email: 'user01@example.com', guid: 'user01', podID: 'PodA' });
    assert.equal(records[19]!.uid, 'user20');
  });
});

describe('loadsim init: bad flags exit 2, naming the flag', () => {
  const ok = ['--server', 'https://cal.example.com', '--users', '5'];
  const cases: [string, string[], RegExp][] = [
    ['no --server', ['--users', '5'], /init: --server is required/],
    ['--server not a URL', ['--server', 'cal.example.com', '--users', '5'], /--server: expected an http:\/\/ or https:\/\/ URL, e\.g\. https:\/\/cal\.example\.com, got "cal\.example\.com"/],
    ['--server ftp', ['--server', 'ftp://cal.example.com', '--users', '5'], /--server: expected an http:\/\/ or https:\/\/ URL/],
    ['--server with a path', ['--server', 'https://cal.example.com/dav/', '--users', '5'], /--server: expected the server's URL without a path, e\.g\. https:\/\/cal\.example\.com, got/],
    ['--server with credentials', ['--server', 'https://u:secret@cal.example.com', '--users', '5'], /--server: expected a URL without a user name or password/],
    ['no --users', ['--server', 'https://cal.example.com'], /init: --users is required/],
    ['--users 0', [...ok, '--users', '0'], /--users: expected a whole number of users from 1 to 100000, got "0"/],
    ['--users 100001', [...ok, '--users', '100001'], /--users: expected a whole number of users from 1 to 100000, got "100001"/],
    ['--users -3', [...ok, '--users', '-3'], /--users: expected a whole number .*got "-3"/],
    ['--users 2.5', [...ok, '--users', '2.5'], /--users: expected a whole number .*got "2\.5"/],
    ['--users 1e3', [...ok, '--users', '1e3'], /--users: expected a whole number .*got "1e3"/],
    ['--users abc', [...ok, '--users', 'abc'], /--users: expected a whole number .*got "abc"/],
    ['--principal-path relative', [...ok, '--principal-path', 'principals/%s/'], /--principal-path: expected a path starting with \/, e\.g\. \/principals\/users\/%s\/, got "principals\/%s\/"/],
    ['--principal-path a URL', [...ok, '--principal-path', 'https://cal.example.com/principals/%s/'], /--principal-path: expected a path starting with \//],
    ['--principal-path without %s', [...ok, '--principal-path', '/principals/users/'], /--principal-path: expected a path with one %s where the user id goes/],
    ['--principal-path with two %s', [...ok, '--principal-path', '/%s/principals/%s/'], /--principal-path: expected a path with one %s/],
    ['--principal-path with a space', [...ok, '--principal-path', '/my principals/%s/'], /--principal-path: expected a URL path without spaces/],
    ['an unknown flag', [...ok, '--runtime', '5'], /init: Unknown option '--runtime'/],
  ];
  for (const [name, flags, message] of cases) {
    it(name, async () => {
      const r = await init(`bad-${name.replace(/\W+/g, '-')}`, ...flags);
      assert.equal(r.code, 2, r.stdout);
      const first = r.stderr.split('\n')[0]!;
      assert.match(first, /^loadsim: /);
      assert.match(first, message);
      assert.equal(existsSync(path.join(dir, `bad-${name.replace(/\W+/g, '-')}`)), false, 'nothing written');
    });
  }

  it('--dir naming a file', async () => {
    writeFileSync(path.join(dir, 'a-file'), 'x');
    const r = await init('a-file', ...ok);
    assert.equal(r.code, 2);
    assert.match(r.stderr.split('\n')[0]!, /^loadsim: --dir a-file: not a folder$/);
  });
});

describe('loadsim init: existing files are kept unless --force', () => {
  const flags = ['--server', 'https://cal.example.com', '--users', '4'];

  it('a second init exits 2 naming the files and writes nothing; --force overwrites', async () => {
    assert.equal((await init('twice', ...flags)).code, 0);
    writeFileSync(path.join(dir, 'twice', 'accounts.csv'), 'alice,secret,Alice,alice@example.com\n');
    const r = await init('twice', '--server', 'https://other.example.com', '--users', '4');
    assert.equal(r.code, 2);
    assert.match(r.stderr.split('\n')[0]!, /^loadsim: init: twice\/config\.plist, twice\/clients\.plist, twice\/accounts\.csv already exist; nothing was written \(--force overwrites\)$/);
    assert.equal(read('twice', 'accounts.csv'), 'alice,secret,Alice,alice@example.com\n');
    assert.match(read('twice', 'config.plist'), /cal\.example\.com/);

    const forced = await init('twice', '--server', 'https://other.example.com', '--users', '4', '--force');
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(read('twice', 'config.plist'), /<string>https:\/\/other\.example\.com<\/string>/);
    assert.equal(parseAccountsCSV(read('twice', 'accounts.csv')).length, 4);
  });

  it('one existing file is named alone, and the others are not written either', async () => {
    assert.equal((await init('one', ...flags)).code, 0);
    rmSync(path.join(dir, 'one', 'config.plist'));
    rmSync(path.join(dir, 'one', 'accounts.csv'));
    const r = await init('one', ...flags);
    assert.equal(r.code, 2);
    assert.match(r.stderr.split('\n')[0]!, /^loadsim: init: one\/clients\.plist already exists; nothing was written/);
    assert.equal(existsSync(path.join(dir, 'one', 'config.plist')), false);
    assert.equal(existsSync(path.join(dir, 'one', 'accounts.csv')), false);
  });
});

describe('loadsim init: the arrival schedule for any user count', () => {
  it('never needs more users than there are; exact but for a few of many; groups ≥ 0.5 s apart', () => {
    const counts = [...Array.from({ length: 2000 }, (_, i) => i + 1), 9973, 12_345, 65_536, 99_991, 100_000];
    for (const n of counts) {
      const r = rampFor(n);
      assert.equal(r.groups * r.groupSize + r.idle, n, `${n}: ${JSON.stringify(r)}`);
      assert.ok(r.groupSize <= Math.max(10, Math.ceil(n / 100)), `${n}: group size ${r.groupSize}`);
      assert.ok(r.interval >= 0.5 && r.interval <= 5, `${n}: interval ${r.interval}`);
      assert.ok(r.idle <= n / 100, `${n}: ${r.idle} idle`);
      if (n <= 1000) assert.equal(r.idle, 0, `${n}: every account used`);
    }
    assert.deepEqual(rampFor(20), { groups: 2, groupSize: 10, interval: 5, idle: 0 });
    assert.deepEqual(rampFor(4), { groups: 1, groupSize: 4, interval: 5, idle: 0 });
  });
});

describe('loadsim init, then run against the testbed', () => {
  it('with the testbed\'s passwords filled in, the starter configuration runs and passes', async () => {
    testbed = await startTestbed({ port: 0, users: 4 });
    const w = await init('live', '--server', testbed.url, '--users', '4', '--principal-path', '/principals/users/%s/');
    assert.equal(w.code, 0, w.stderr);
    // The testbed's users have their uid as password.
    const csv = path.join(dir, 'live', 'accounts.csv');
    writeFileSync(csv, readFileSync(csv, 'utf8').replace(/^(user\d+),CHANGE_ME,/gm, '$1,$1,'));
    assert.deepEqual(parseAccountsCSV(readFileSync(csv, 'utf8')).map((r) => r.password), ['user01', 'user02', 'user03', 'user04']);

    const r = await runCli(['run', '--config', 'live/config.plist', '--clients', 'live/clients.plist', '--runtime', '8', '--quiet'], dir);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /PASS/);
    assert.match(r.stdout, /PROPFIND\{principal\}/);
  });
});
