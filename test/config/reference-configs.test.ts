import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../lib/config/load-config.js';
import { clientsPerKind } from '../../lib/population/client-cycle.js';
import { runCli } from '../helpers/cli.js';
import { REFERENCE_PAIRS, REPO, needsReference, referenceFile, referenceWorkspace, type Generation } from '../helpers/reference.js';

const workspaces = new Map<Generation, ReturnType<typeof referenceWorkspace>>();
function workspace(g: Generation) {
  if (!workspaces.has(g)) workspaces.set(g, referenceWorkspace(g));
  return workspaces.get(g)!;
}
/** A temp folder of the test's own, for plists written from loadsim's config/ defaults. */
let scratch: string | undefined;
function scratchDir(): string {
  scratch ??= mkdtempSync(path.join(tmpdir(), 'loadsim-configs-'));
  return scratch;
}
after(() => {
  workspaces.forEach((w) => w.cleanup());
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('the original reference plists load unmodified', () => {
  for (const pair of REFERENCE_PAIRS) {
    it(`${pair.generation}: ${pair.config} + ${pair.clients}`, needsReference(), async () => {
      const ws = workspace(pair.generation);
      const r = await runCli(['validate', '--config', referenceFile(pair.generation, pair.config), '--clients', referenceFile(pair.generation, pair.clients)], ws.dir);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Valid/m);
      // No unknown keys in the original's own files: every key they use is understood.
      assert.doesNotMatch(r.stderr, /unknown key/, r.stderr);
    });
  }
});

describe('2013 config.plist + clients.plist', () => {
  it('is 20 users × 1 client of kind 10.7 with the 2013 profiles', needsReference(), async () => {
    const ws = workspace('calendarserver-2013');
    const { config } = await loadConfig({
      configPath: referenceFile('calendarserver-2013', 'config.plist'),
      clientsPath: referenceFile('calendarserver-2013', 'clients.plist'),
      cwd: ws.dir,
    });
    assert.equal(config.generation, '2013');
    assert.deepEqual(config.servers.map((s) => [s.id, s.uri, s.stats]), [['PodA', 'https://127.0.0.1:8443', { enabled: true, port: 8100 }]]);
    assert.equal(config.webadmin.enabled, true);
    assert.equal(config.accounts.records.length, 99);
    assert.equal(config.arrival.policy?.totalUsers, 20);
    assert.equal(config.arrival.policy?.clientsPerUser, 1);
    assert.equal(config.clients.length, 1);
    assert.equal(config.clients[0]!.title, '10.7');
    assert.deepEqual(
      config.clients[0]!.profiles.map((p) => [p.plugin.source === 'builtin' ? p.plugin.definition.name : '?', p.enabled]),
      [['Eventer', true], ['RealisticInviter', true], ['Accepter', true], ['Tasker', true]],
    );
    // Relative paths resolve against the config folder first, then the working directory.
    const thresholds = config.observers[0]!.params.thresholdsPath as { abs: string };
    assert.equal(thresholds.abs, path.join(ws.dir, 'contrib/performance/loadtest/thresholds.json'));
  });

  it('validate prints the plan', needsReference(), async () => {
    const ws = workspace('calendarserver-2013');
    const r = await runCli(['validate', '--config', referenceFile('calendarserver-2013', 'config.plist'), '--clients', referenceFile('calendarserver-2013', 'clients.plist')], ws.dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /20 users × 1 client = 20 clients/);
    assert.match(r.stdout, /20 groups × 1 user every 3 s/);
    assert.match(r.stdout, /\[0\] "10\.7": OS_X_10_7, weight 1 → 20 clients \(100\.0%\)/);
    assert.match(r.stdout, /WorkDistribution/);
    assert.match(r.stdout, /Accounts: 99 records from recordsFromCSVFile/);
  });
});

describe('master config.plist + clients.plist', () => {
  it('is 15 users × 3 clients: one main and two idle each', needsReference(), async () => {
    const ws = workspace('calendarserver-master');
    const { config } = await loadConfig({
      configPath: referenceFile('calendarserver-master', 'config.plist'),
      clientsPath: referenceFile('calendarserver-master', 'clients.plist'),
      cwd: ws.dir,
    });
    assert.equal(config.generation, 'master');
    assert.deepEqual(config.servers.map((s) => [s.id, s.enabled]), [['PodA', true], ['PodB', false]]);
    // 198 accounts interleaved between PodA and PodB; PodB is disabled, so 99 remain.
    assert.equal(config.accounts.loadedCount, 198);
    assert.equal(config.accounts.records.length, 99);
    assert.ok(config.accounts.records.every((r) => r.podID === 'PodA'));
    assert.equal(config.clientDataSerialization?.reuseOldData, true);
    const policy = config.arrival.policy!;
    assert.equal(policy.totalUsers, 15);
    assert.equal(policy.clientsPerUser, 3);
    assert.deepEqual(config.clients.map((k) => [k.title, k.weight]), [['main', 1], ['idle', 2]]);
    assert.deepEqual(clientsPerKind([1, 2], 15, 3), [15, 30]);
    const main = config.clients[0]!;
    assert.equal(main.profiles.find((p) => p.plugin.source === 'builtin' && p.plugin.definition.name === 'Resetter')?.enabled, false);
  });

  it('validate prints 15 users × 3 clients, 15 main and 30 idle', needsReference(), async () => {
    const ws = workspace('calendarserver-master');
    const r = await runCli(['validate', '--config', referenceFile('calendarserver-master', 'config.plist'), '--clients', referenceFile('calendarserver-master', 'clients.plist')], ws.dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /15 users × 3 clients = 45 clients/);
    assert.match(r.stdout, /"main": OS_X_10_11, weight 1 → 15 clients \(33\.3%\)/);
    assert.match(r.stdout, /"idle": OS_X_10_11, weight 2 → 30 clients \(66\.7%\)/);
    assert.match(r.stdout, /99 records from recordsFromCSVFile \(99 more on disabled pods\)/);
  });

});

describe('arrivalInterval in clients.plist (a key of the original master clients files)', () => {
  it('overrides the config interval', async () => {
    // loadsim's own config/: SmoothRampUp of 5 groups, 1 s apart; the clients file says 7 s.
    const clients = path.join(scratchDir(), 'clients-interval.plist');
    writeFileSync(clients, readFileSync(path.join(REPO, 'config/clients.plist'), 'utf8').replace('<key>clients</key>', '<key>arrivalInterval</key><integer>7</integer><key>clients</key>'));
    const { config } = await loadConfig({ configPath: path.join(REPO, 'config/config.plist'), clientsPath: clients, cwd: REPO });
    assert.equal(config.arrival.params.interval, 7);
    assert.deepEqual([...config.arrival.policy!.arrivals(undefined as never)].slice(0, 3).map((a) => a.at), [0, 7, 14]);
  });
});

describe('the loadsim command', () => {
  it('runs as a process: validate exits 0 on the 2013 pair', needsReference(), () => {
    const ws = workspace('calendarserver-2013');
    const out = execFileSync(
      process.execPath,
      [path.join(REPO, 'dist/lib/cli/main.js'), 'validate', '--config', referenceFile('calendarserver-2013', 'config.plist'), '--clients', referenceFile('calendarserver-2013', 'clients.plist')],
      { cwd: ws.dir, encoding: 'utf8' },
    );
    assert.match(out, /20 users × 1 client = 20 clients/);
  });

  it('validates its own defaults with no arguments', () => {
    const r = spawnSync(process.execPath, [path.join(REPO, 'dist/lib/cli/main.js'), 'validate'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /10 users × 1 client = 10 clients/);
  });

  it('npx loadsim works in the package folder after the build (the bin is executable)', () => {
    const r = spawnSync('npx', ['--no-install', 'loadsim', '--version'], { cwd: REPO, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^\d+\.\d+\.\d+/);
  });

  it('exits 2 as a process on a bad flag', () => {
    const r = spawnSync(process.execPath, [path.join(REPO, 'dist/lib/cli/main.js'), 'validate', '--confg', 'x.plist'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--confg/);
  });
});

describe('paths of the original layout', () => {
  it('the reference plists validate from the repository folder too: contrib/performance/loadtest/X is found beside the plist', needsReference(), async () => {
    const r = await runCli(['validate', '--config', referenceFile('calendarserver-2013', 'config.plist'), '--clients', referenceFile('calendarserver-2013', 'clients.plist')], REPO);
    assert.equal(r.code, 0, r.stderr);
    const { config } = await loadConfig({
      configPath: referenceFile('calendarserver-master', 'standard-configs/accelerated-activity-config.plist'),
      clientsPath: referenceFile('calendarserver-master', 'standard-configs/accelerated-activity-clients.plist'),
      cwd: REPO,
    });
    // standard-configs/ holds no accounts.csv: the tail is tried in the plist's folder, then — not found — the error names the tries.
    assert.equal(config.arrival.policy?.totalUsers, 30);
  });
});

describe('a distribution of your own, named in a plist', () => {
  it('examples/custom-distribution-clients.plist loads the TriangularDistribution and samples it with the owner stream', async () => {
    const { Random } = await import('../../lib/core/random.js');
    const { VirtualClock } = await import('../../lib/core/clock.js');
    const { config } = await loadConfig({ configPath: path.join(REPO, 'config/config.plist'), clientsPath: path.join(REPO, 'examples/custom-distribution-clients.plist'), cwd: REPO });
    const spec = config.clients[0]!.profiles[0]!.params.eventDurationDistribution as import('../../lib/params/distribution-spec.js').DistributionSpec;
    assert.equal(spec.description, 'TriangularDistribution(min=900, mode=1800, max=7200)');
    const a = spec.create({ random: new Random('s').derive('user01/mac/Eventer'), clock: new VirtualClock() });
    const b = spec.create({ random: new Random('s').derive('user01/mac/Eventer'), clock: new VirtualClock() });
    const xs = Array.from({ length: 1000 }, () => a.sample() as number);
    assert.ok(xs.every((x) => x >= 900 && x <= 7200));
    assert.deepEqual(Array.from({ length: 1000 }, () => b.sample()), xs);
  });
});
