import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { REPO, copyInto, mutated, replaceOnce } from '../helpers/reference.js';

/**
 * Broken inputs a user can write. Each must be refused before any traffic:
 * exit 2 and a message naming the file and the key path. Each breaks one thing
 * in a copy of test/fixtures/broken-inputs/ (a valid config of our own in the
 * original's 2013 layout), copied into a temp folder with its accounts.csv and
 * thresholds.json.
 */
const FIXTURE = path.join(REPO, 'test', 'fixtures', 'broken-inputs');
let ws: { dir: string };
before(() => {
  ws = { dir: mkdtempSync(path.join(tmpdir(), 'loadsim-broken-')) };
  for (const f of readdirSync(FIXTURE)) copyInto(ws.dir, path.join(FIXTURE, f));
});
after(() => rmSync(ws.dir, { recursive: true, force: true }));

const config = () => path.join(ws.dir, 'config.plist');
const clients = () => path.join(ws.dir, 'clients.plist');

async function expectRefused(args: string[], ...patterns: RegExp[]): Promise<string> {
  const r = await runCli(['validate', ...args], ws.dir);
  assert.equal(r.code, 2, `expected exit 2, got ${r.code}\n${r.stdout}\n${r.stderr}`);
  for (const p of patterns) assert.match(r.stderr, p);
  return r.stderr;
}

/** A mutated copy of clients.plist in the workspace; returns validate args. */
function badClients(name: string, mutate: (t: string) => string): string[] {
  return ['--config', config(), '--clients', path.basename(mutated(ws.dir, clients(), name, mutate))];
}
function badConfig(name: string, mutate: (t: string) => string): string[] {
  return ['--config', path.basename(mutated(ws.dir, config(), name, mutate)), '--clients', clients()];
}

// The Eventer's `interval` is the first <key>interval</key> of the fixture's clients.plist.
const EVENTER_INTERVAL = /(<key>interval<\/key>\s*)<integer>45<\/integer>/;
const WORK_BEGIN = /(<key>beginHour<\/key>\s*)<integer>9<\/integer>/;

describe('broken inputs are refused with exit 2, file and key path', () => {
  it('1. truncated XML names the file and the line', async () => {
    const args = badConfig('truncated.plist', (t) => t.slice(0, Math.floor(t.length / 2)));
    await expectRefused(args, /^truncated\.plist: not a well-formed plist: line \d+, column \d+/m);
  });

  it('2. a wrong type: a number written as a string', async () => {
    const args = badConfig('wrong-type.plist', (t) => replaceOnce(t, /(<key>groups<\/key>\s*)<integer>5<\/integer>/, '$1<string>5</string>'));
    await expectRefused(args, /^wrong-type\.plist: arrival\.params\.groups: expected an integer ≥ 1, got "5" \(line \d+\)/m);
  });

  it('3. a negative interval', async () => {
    const args = badClients('negative-interval.plist', (t) => replaceOnce(t, EVENTER_INTERVAL, '$1<integer>-5</integer>'));
    await expectRefused(args, /^negative-interval\.plist: clients\[0\]\.profiles\[0\]\.params\.interval: expected a positive number, got -5/m);
  });

  it('4. an unknown profile, with the closest names', async () => {
    const args = badClients('unknown-profile.plist', (t) => replaceOnce(t, /profiles\.Eventer</, 'profiles.Eventr<'));
    await expectRefused(args, /^unknown-profile\.plist: clients\[0\]\.profiles\[0\]\.class: unknown profile "contrib\.performance\.loadtest\.profiles\.Eventr"; did you mean Eventer/m);
  });

  it('5. an unknown distribution', async () => {
    const args = badClients('unknown-distribution.plist', (t) => replaceOnce(t, /stats\.WorkDistribution/, 'stats.WorkingDistribution'));
    await expectRefused(args, /^unknown-distribution\.plist: clients\[0\]\.profiles\[0\]\.params\.eventStartDistribution\.type: unknown distribution .*did you mean WorkDistribution/m);
  });

  it('6. a missing accounts file', async () => {
    const args = badConfig('missing-accounts.plist', (t) => replaceOnce(t, /<string>accounts\.csv</, '<string>no-such-accounts.csv<'));
    await expectRefused(args, /^missing-accounts\.plist: accounts\.params\.path: file not found: tried .*no-such-accounts\.csv/m);
  });

  it('7. LogNormal with mode > median', async () => {
    // RealisticInviter's inviteeCountDistribution: mode 2, median 4.
    const args = badClients('lognormal.plist', (t) => replaceOnce(t, /(<key>mode<\/key>\s*)<integer>2<\/integer>/, '$1<integer>9</integer>'));
    await expectRefused(args, /^lognormal\.plist: clients\[0\]\.profiles\[1\]\.params\.inviteeCountDistribution\.params\.mode: .*median/m);
  });

  it('8. Work with beginHour ≥ endHour', async () => {
    const args = badClients('work-hours.plist', (t) => replaceOnce(t, WORK_BEGIN, '$1<integer>16</integer>'));
    await expectRefused(args, /^work-hours\.plist: clients\[0\]\.profiles\[0\]\.params\.eventStartDistribution\.params\.beginHour: /m);
  });

  it('9. an unknown time zone', async () => {
    const args = badClients('time-zone.plist', (t) => replaceOnce(t, /Europe\/Paris/, 'Europe/Pariss'));
    await expectRefused(args, /^time-zone\.plist: clients\[0\]\.profiles\[0\]\.params\.eventStartDistribution\.params\.tzname: .*time zone/m);
  });

  it('10. too few accounts for the arrival schedule', async () => {
    const args = badConfig('too-many-users.plist', (t) => replaceOnce(t, /(<key>groups<\/key>\s*)<integer>5<\/integer>/, '$1<integer>7</integer>'));
    await expectRefused(args, /^too-many-users\.plist: accounts: the arrival schedule needs 14 users .* only 12 accounts/m);
  });

  it('11. a server that is not an http(s) URL', async () => {
    const args = badConfig('bad-server.plist', (t) => replaceOnce(t, /https:\/\/127\.0\.0\.1:8443/, 'ftp://127.0.0.1:8443'));
    await expectRefused(args, /^bad-server\.plist: server: expected an http:\/\/ or https:\/\/ URL, got "ftp:/m);
  });

  it('12. an accounts CSV with a short line names the line', async () => {
    writeFileSync(path.join(ws.dir, 'short.csv'), 'user01,user01,User 01,user01@example.com\nuser02,user02\n');
    const args = badConfig('short-csv.plist', (t) => replaceOnce(t, /<string>accounts\.csv</, '<string>short.csv<'));
    await expectRefused(args, /^short-csv\.plist: accounts\.params\.path: short\.csv: line 2: expected 4 to 6 comma-separated columns/m);
  });

  it('13. an unknown client model', async () => {
    const args = badClients('unknown-client.plist', (t) => replaceOnce(t, /ical\.OS_X_10_7/, 'ical.OS_X_10_8'));
    await expectRefused(args, /^unknown-client\.plist: clients\[0\]\.software: unknown client model "contrib\.performance\.loadtest\.ical\.OS_X_10_8"; did you mean .*OS_X_10_7/m);
  });

  it('14. an unknown observer', async () => {
    const args = badConfig('unknown-observer.plist', (t) => replaceOnce(t, /ical\.RequestLogger/, 'ical.RequestLoger'));
    await expectRefused(args, /^unknown-observer\.plist: observers\[1\]\.type: unknown observer .*did you mean RequestLogger/m);
  });

  it('15. thresholds.json that is not JSON', async () => {
    writeFileSync(path.join(ws.dir, 'broken-thresholds.json'), '{"requests": {"limits": [0.1, 0.5,');
    const args = badConfig('bad-thresholds.plist', (t) => replaceOnce(t, /<string>thresholds\.json</, '<string>broken-thresholds.json<'));
    await expectRefused(args, /^bad-thresholds\.plist: observers\[0\]\.params\.thresholdsPath: .*broken-thresholds\.json: not valid JSON/m);
  });

  it('16. a thresholds row of the wrong length', async () => {
    writeFileSync(path.join(ws.dir, 'short-row.json'), JSON.stringify({ requests: { limits: [0.1, 1, 10], thresholds: { default: [100, 100, 5], 'GET{event}': [100, 5] } } }));
    const args = badConfig('short-row.plist', (t) => replaceOnce(t, /<string>thresholds\.json</, '<string>short-row.json<'));
    await expectRefused(args, /^short-row\.plist: observers\[0\]\.params\.thresholdsPath: .*thresholds\["GET\{event\}"\]: expected 3 percentages/m);
  });

  it('17. a principal path template without %s', async () => {
    const args = badConfig('template.plist', (t) => replaceOnce(t, /\/principals\/users\/%s\//, '/principals/users/'));
    await expectRefused(args, /^template\.plist: principalPathTemplate: expected a path containing %s/m);
  });

  it('18. a negative client weight', async () => {
    const args = badClients('weight.plist', (t) => replaceOnce(t, /(<key>weight<\/key>\s*)<integer>1<\/integer>/, '$1<integer>-1</integer>'));
    await expectRefused(args, /^weight\.plist: clients\[0\]\.weight: expected an integer ≥ 0, got -1/m);
  });

  it('19. a clients file without a clients array', async () => {
    const args = badClients('no-clients.plist', (t) => replaceOnce(t, /<key>clients<\/key>/, '<key>client</key>'));
    await expectRefused(args, /^no-clients\.plist: clients: missing; expected an array of client kinds/m);
  });

  it('20. an <integer> holding text names the line', async () => {
    const args = badConfig('not-integer.plist', (t) => replaceOnce(t, /<integer>8100<\/integer>/, '<integer>81OO</integer>'));
    await expectRefused(args, /^not-integer\.plist: .*serverStats\.Port: <integer> holds "81OO", not an integer \(line \d+\)/m);
  });

  it('21. a profile name where a distribution belongs', async () => {
    const args = badClients('kind-mixup.plist', (t) => replaceOnce(t, /contrib\.performance\.stats\.NormalDistribution/, 'contrib.performance.loadtest.profiles.Accepter'));
    await expectRefused(args, /^kind-mixup\.plist: clients\[0\]\.profiles\[1\]\.params\.sendInvitationDistribution\.type: unknown distribution .* is a profile, not a distribution/m);
  });

  it('22. a user module without the named export', async () => {
    writeFileSync(path.join(ws.dir, 'my-dists.mjs'), 'export class Other { sample() { return 1; } }\n');
    const args = badClients('module-export.plist', (t) => replaceOnce(t, /contrib\.performance\.stats\.NormalDistribution/, './my-dists.mjs#Pareto'));
    await expectRefused(args, /^module-export\.plist: clients\[0\]\.profiles\[1\]\.params\.sendInvitationDistribution\.type: module .*my-dists\.mjs has no export "Pareto"; it exports Other/m);
  });

  it('23. UniformInteger with max ≤ min', async () => {
    const args = badClients('uniform-integer.plist', (t) => replaceOnce(t, /(<key>max<\/key>\s*)<integer>11<\/integer>/, '$1<integer>0</integer>'));
    await expectRefused(args, /^uniform-integer\.plist: clients\[0\]\.profiles\[1\]\.params\.inviteeDistribution\.params\.max: /m);
  });

  it('24. a missing config file', async () => {
    await expectRefused(['--config', 'nowhere.plist', '--clients', clients()], /^nowhere\.plist: cannot read: no such file/m);
  });

  it('25. every problem is reported, not just the first', async () => {
    const args = badClients('many.plist', (t) =>
      replaceOnce(replaceOnce(replaceOnce(t, EVENTER_INTERVAL, '$1<integer>-5</integer>'), WORK_BEGIN, '$1<integer>20</integer>'), /ical\.OS_X_10_7/, 'ical.OS_X_10_9'),
    );
    const stderr = await expectRefused(args, /3 problems found, nothing was sent/, /clients\[0\]\.software/, /params\.interval/, /params\.beginHour/);
    assert.equal(stderr.split('\n').filter((l) => l.startsWith('many.plist: ')).length, 3, stderr);
  });

  it('26. unknown keys are warnings, not errors', async () => {
    const args = badClients('unknown-key.plist', (t) => replaceOnce(t, /(<key>interval<\/key>)/, '<key>intervall</key><integer>3</integer>$1'));
    const r = await runCli(['validate', ...args], ws.dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^warning: unknown-key\.plist: clients\[0\]\.profiles\[0\]\.params\.intervall: unknown key, ignored/m);
  });

  it('27. a bad command-line flag', async () => {
    const r = await runCli(['validate', '--config'], ws.dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--config/);
    const r2 = await runCli(["run", "--runtime=-3"], ws.dir);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /--runtime: expected a positive number of seconds/);
  });

  it('exits 2 as a process too, before anything is sent', () => {
    const args = badClients('process.plist', (t) => replaceOnce(t, EVENTER_INTERVAL, '$1<integer>-5</integer>'));
    const r = spawnSync(process.execPath, [path.join(REPO, 'dist/lib/cli/main.js'), 'run', ...args], { cwd: ws.dir, encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /process\.plist: clients\[0\]\.profiles\[0\]\.params\.interval: expected a positive number, got -5/);
  });
});
