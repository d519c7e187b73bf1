import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import * as plist from 'plist';
import { loadConfig } from '../../lib/config/load-config.js';
import { ConfigError, formatProblem } from '../../lib/core/errors.js';
import { PROTOCOL_VERSION, type FromWorker, type StartMessage } from '../../lib/workers/protocol.js';
import { runWorker } from '../../lib/workers/worker.js';
import { REPO } from '../helpers/reference.js';

/**
 * Issue #11: a module of the user's own (`./x.js#Export`) is resolved only
 * from the config file the user passed that names it: relative to that
 * file's folder, never from the working directory, never from a folder
 * another file (a clients file elsewhere, thresholds.json, a worker's start
 * message) could point at. Every module here writes a marker file beside
 * itself when imported, so the test sees which one ran, if any.
 */

let root: string;
/** The folder of the config the user passes. */
let configDir: string;
/** The working directory of the process: it holds look-alike modules that must never be imported. */
let cwdDir: string;
/** A clients file from another folder. */
let clientsDir: string;
let cwd0: string;

const ARRIVAL = (tag: string) => `import { writeFileSync } from 'node:fs';
writeFileSync(new URL('./imported-' + import.meta.url.split('/').pop(), import.meta.url), ${JSON.stringify(tag)});
export function once(p) { return { totalUsers: p.users, clientsPerUser: 1, arrivals: () => [{ at: 0, users: p.users }], describe: () => ${JSON.stringify(tag)} }; }
export class Dist { constructor() {} sample() { return new Date(); } describe() { return ${JSON.stringify(tag)}; } }
`;
const imported = (dir: string, file: string) => existsSync(path.join(dir, `imported-${file}`));

function writeModule(dir: string, file: string, tag: string): void {
  writeFileSync(path.join(dir, file), ARRIVAL(tag));
}

function writeConfig(dir: string, name: string, extra: Record<string, unknown>, inlineClients = true): string {
  const config: Record<string, unknown> = {
    servers: { PodA: { enabled: true, uri: 'http://127.0.0.1:9' } },
    accounts: { loader: 'generateRecords', params: { count: 4, uidPattern: 'user%02d', passwordPattern: 'user%02d' } },
    arrival: { factory: 'SmoothRampUp', params: { groups: 1, groupSize: 2, interval: 1 } },
    clients: [{ software: 'OS_X_10_7', params: {}, profiles: [], weight: 1 }],
    observers: [],
    ...extra,
  };
  if (!inlineClients) delete config.clients;
  const p = path.join(dir, `${name}.plist`);
  writeFileSync(p, plist.build(config as unknown as plist.PlistValue));
  return p;
}

const problemsOf = (e: unknown) => (e instanceof ConfigError ? e.problems.map(formatProblem).join('\n') : String(e));

before(() => {
  root = mkdtempSync(path.join(tmpdir(), 'loadsim-modules-'));
  for (const d of ['config', 'cwd', 'clients']) mkdirSync(path.join(root, d));
  [configDir, cwdDir, clientsDir] = ['config', 'cwd', 'clients'].map((d) => path.join(root, d)) as [string, string, string];
  // Node runs each test file in its own process: changing its working directory affects only this file.
  cwd0 = process.cwd();
  process.chdir(cwdDir);
});
after(() => {
  process.chdir(cwd0);
  rmSync(root, { recursive: true, force: true });
});

describe('modules of the user’s own are resolved from the file that names them', () => {
  it('relative to the config file, even when the working directory has a module of the same name', async () => {
    writeModule(configDir, 'both.mjs', 'config folder');
    writeModule(cwdDir, 'both.mjs', 'working directory');
    const file = writeConfig(configDir, 'both', { arrival: { factory: './both.mjs#once', params: { users: 2 } } });
    const { config } = await loadConfig({ configPath: file, cwd: cwdDir });
    assert.equal(config.arrival.policy!.describe(), 'config folder');
    assert.equal(imported(configDir, 'both.mjs'), true);
    assert.equal(imported(cwdDir, 'both.mjs'), false, 'the working directory’s look-alike was never imported');
  });

  // lib/params/registry.ts resolveModule falls back to path.resolve(spec), the process's working directory,
  // when the config's folder has no such file. Fix there: candidates = [path.resolve(scope.dir, spec)] only.
  it('a module only in the working directory is not found, and never imported', async () => {
    writeModule(cwdDir, 'cwd-only.mjs', 'working directory');
    const file = writeConfig(configDir, 'cwd-only', { arrival: { factory: './cwd-only.mjs#once', params: { users: 2 } } });
    await assert.rejects(loadConfig({ configPath: file, cwd: cwdDir }), (e: unknown) => {
      assert.match(problemsOf(e), /module not found/);
      assert.doesNotMatch(problemsOf(e), new RegExp(cwdDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'the message names only the config folder');
      return true;
    });
    assert.equal(imported(cwdDir, 'cwd-only.mjs'), false);
  });

  it('a clients file from another folder: its modules from its own folder, not the config’s', async () => {
    writeModule(clientsDir, 'dist.mjs', 'clients folder');
    writeModule(configDir, 'dist.mjs', 'config folder');
    const clients = plist.parse(readFileSync(path.join(REPO, 'config/clients.plist'), 'utf8')) as { clients: { profiles: { class: string; params: Record<string, unknown> }[] }[] };
    const eventer = clients.clients[0]!.profiles.find((p) => p.class === 'Eventer')!;
    eventer.params.eventStartDistribution = { type: './dist.mjs#Dist', params: {} };
    const clientsFile = path.join(clientsDir, 'clients.plist');
    writeFileSync(clientsFile, plist.build(clients as unknown as plist.PlistValue));
    const file = writeConfig(configDir, 'with-clients', {}, false);
    const config = await loadConfig({ configPath: file, clientsPath: clientsFile, cwd: cwdDir }).catch((e: unknown) => assert.fail(problemsOf(e)));
    assert.ok(config);
    assert.equal(imported(clientsDir, 'dist.mjs'), true);
    assert.equal(imported(configDir, 'dist.mjs'), false);
  });

  it('thresholds.json names no module: a module-like value there is never imported', async () => {
    writeModule(configDir, 'evil.mjs', 'thresholds');
    writeFileSync(
      path.join(configDir, 'thresholds.json'),
      JSON.stringify({ requests: { limits: [1], thresholds: { default: [100], './evil.mjs#once': [100] } }, type: './evil.mjs#once', factory: './evil.mjs#once' }),
    );
    const file = writeConfig(configDir, 'thresholds', { observers: [{ type: 'ReportStatistics', params: { thresholdsPath: 'thresholds.json' } }] });
    await loadConfig({ configPath: file, cwd: cwdDir }).catch((e: unknown) => assert.fail(problemsOf(e)));
    assert.equal(imported(configDir, 'evil.mjs'), false);
  });
});

describe('a worker’s start message', () => {
  /** Run a worker on `start`; its first protocol message (ready or error), then stop it. */
  async function startWorker(start: StartMessage): Promise<FromWorker> {
    const input = new PassThrough();
    let first: (m: FromWorker) => void = () => {};
    const got = new Promise<FromWorker>((r) => (first = r));
    const running = runWorker({ input, send: (m) => first(m), log: () => {} });
    input.write(`${JSON.stringify(start)}\n`);
    const m = await got;
    input.write(`${JSON.stringify({ type: 'stop', reason: 'test' })}\n`);
    input.end();
    await running;
    return m;
  }

  const message = (configPath: string, text: string): StartMessage => ({
    type: 'start',
    protocol: PROTOCOL_VERSION,
    config: { path: configPath, text },
    clients: null,
    accounts: Array.from({ length: 4 }, (_, i) => [`user0${i + 1}`, `user0${i + 1}`, `User ${i + 1}`, `user0${i + 1}@example.com`, `user0${i + 1}`, 'PodA']),
    workerIndex: 0,
    workerCount: 1,
    seed: 'm',
    startAt: Date.now(),
    runtimeSeconds: 1,
    intervalSeconds: 10,
    server: null,
    insecure: false,
    timeoutSeconds: 1,
    jtl: null,
  });

  it('resolves the config text’s modules from the config path it names, as the manager’s own load did', async () => {
    writeModule(configDir, 'worker.mjs', 'config folder');
    writeModule(cwdDir, 'worker.mjs', 'working directory');
    const file = writeConfig(configDir, 'worker', { arrival: { factory: './worker.mjs#once', params: { users: 2 } } });
    const m = await startWorker(message(file, readFileSync(file, 'utf8')));
    assert.equal(m.type, 'ready', JSON.stringify(m));
    assert.equal(imported(configDir, 'worker.mjs'), true);
    assert.equal(imported(cwdDir, 'worker.mjs'), false);
  });

  it('a config path whose folder lacks the module: refused, the working directory’s never imported', async () => {
    writeModule(cwdDir, 'worker-cwd.mjs', 'working directory');
    const text = readFileSync(writeConfig(configDir, 'worker-cwd', { arrival: { factory: './worker-cwd.mjs#once', params: { users: 2 } } }), 'utf8');
    const m = await startWorker(message(path.join(clientsDir, 'elsewhere.plist'), text));
    assert.equal(m.type, 'error', JSON.stringify(m));
    assert.equal(imported(cwdDir, 'worker-cwd.mjs'), false);
  });
});
