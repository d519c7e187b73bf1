import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as plist from 'plist';
import { loadConfig } from '../../lib/config/load-config.js';
import type { LoadsimConfig } from '../../lib/config/config-types.js';
import { ConfigError, formatProblem } from '../../lib/core/errors.js';
import { Inviter } from '../../profiles/inviter.js';
import { Inviter2013 } from '../../profiles/inviter-2013.js';
import { runCli } from '../helpers/cli.js';
import { needsReference, referenceFile, referenceWorkspace } from '../helpers/reference.js';

/**
 * The generation a config reproduces (lib/params/generation.ts): detected
 * from its shape, set by the `generation` key or --generation, shown by
 * validate, and deciding which implementation a profile name gets.
 */

let dir: string;
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'loadsim-generation-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const profileNames = (c: LoadsimConfig) => c.clients[0]!.profiles.map((p) => (p.plugin.source === 'builtin' ? `${p.plugin.definition.name}${p.plugin.definition.generation ? `@${p.plugin.definition.generation}` : ''}` : '?'));

/** Write a config (single `server` or `servers` pods) and a clients file with an Eventer and an Inviter. */
function write(shape: 'server' | 'servers', extra: Record<string, unknown> = {}): { config: string; clients: string } {
  const config = {
    ...(shape === 'server' ? { server: 'http://127.0.0.1:8008' } : { servers: { PodA: { enabled: true, uri: 'http://127.0.0.1:8008' } } }),
    accounts: { loader: 'generateRecords', params: { count: 10, uidPattern: 'user%02d', passwordPattern: 'user%02d' } },
    arrival: { factory: 'SmoothRampUp', params: { groups: 1, groupSize: 2, interval: 1, clientsPerUser: 1 } },
    ...extra,
  };
  const clients = {
    clients: [
      {
        software: 'OS_X_10_7',
        params: { unauthenticatedPercentage: 10 },
        profiles: [
          { class: 'Eventer', params: { interval: 30, fileAttachPercentage: 50 } },
          { class: 'contrib.performance.loadtest.profiles.Inviter', params: { sendInvitationDistribution: { type: 'FixedDistribution', params: { value: 60 } } } },
        ],
        weight: 1,
      },
    ],
  };
  const name = `${shape}-${Math.random().toString(36).slice(2)}`;
  const c = path.join(dir, `${name}-config.plist`);
  const k = path.join(dir, `${name}-clients.plist`);
  writeFileSync(c, plist.build(config as unknown as plist.PlistValue));
  writeFileSync(k, plist.build(clients as unknown as plist.PlistValue));
  return { config: c, clients: k };
}

describe('generation: detected from the reference configs', () => {
  it('the 2013 config.plist is 2013: its Eventer is the 2013 one, without attachment params', needsReference(), async () => {
    const ws = referenceWorkspace('calendarserver-2013');
    try {
      const { config } = await loadConfig({ configPath: referenceFile('calendarserver-2013', 'config.plist'), clientsPath: referenceFile('calendarserver-2013', 'clients.plist'), cwd: ws.dir });
      assert.equal(config.generation, '2013');
      assert.equal(config.generationSource, 'detected');
      assert.equal(config.staggerFirstTicks, false);
      assert.deepEqual(profileNames(config), ['Eventer@2013', 'RealisticInviter', 'Accepter', 'Tasker']);
      assert.equal('fileAttachPercentage' in config.clients[0]!.profiles[0]!.params, false);
      assert.equal('unauthenticatedPercentage' in config.clients[0]!.params, false);
    } finally {
      ws.cleanup();
    }
  });

  it("master's config.plist is master: its Inviter is master's", needsReference(), async () => {
    const ws = referenceWorkspace('calendarserver-master');
    try {
      const { config } = await loadConfig({ configPath: referenceFile('calendarserver-master', 'config.plist'), clientsPath: referenceFile('calendarserver-master', 'clients.plist'), cwd: ws.dir });
      assert.equal(config.generation, 'master');
      assert.equal(config.generationSource, 'detected');
      assert.equal(config.staggerFirstTicks, true);
      const inviter = config.clients.flatMap((k) => k.profiles).find((p) => p.plugin.source === 'builtin' && p.plugin.definition.name === 'Inviter');
      assert.ok(inviter && inviter.plugin.source === 'builtin');
      assert.equal(inviter.plugin.definition.generation, undefined);
      assert.ok('inviteeLookupPercentage' in inviter.params);
    } finally {
      ws.cleanup();
    }
  });
});

describe('generation: detected, or set by the config key', () => {
  it('a single `server` is 2013: Inviter and Eventer are 2013\'s, master-only params ignored with a warning', async () => {
    const f = write('server');
    const { config, warnings } = await loadConfig({ configPath: f.config, clientsPath: f.clients });
    assert.equal(config.generation, '2013');
    assert.equal(config.generationSource, 'detected');
    assert.deepEqual(profileNames(config), ['Eventer@2013', 'Inviter@2013']);
    const inviter = config.clients[0]!.profiles[1]!;
    assert.deepEqual(Object.keys(inviter.params).sort(), ['enabled', 'inviteeDistribution', 'sendInvitationDistribution']);
    const texts = warnings.map(formatProblem);
    assert.ok(texts.some((w) => /clients\[0\]\.profiles\[0\]\.params\.fileAttachPercentage: ignored: the 2013 generation's Eventer has no fileAttachPercentage/.test(w)), texts.join('\n'));
    assert.ok(texts.some((w) => /clients\[0\]\.params\.unauthenticatedPercentage: ignored: the 2013 generation's OS_X_10_7 has no unauthenticatedPercentage/.test(w)), texts.join('\n'));
    // The implementation made for it.
    const made = inviter.plugin.source === 'builtin' ? inviter.plugin.definition.create!(fakeContext(inviter.params)) : undefined;
    assert.ok(made instanceof Inviter2013);
  });

  it('`servers` pods are master: Inviter is master\'s, its params all read', async () => {
    const f = write('servers');
    const { config, warnings } = await loadConfig({ configPath: f.config, clientsPath: f.clients });
    assert.equal(config.generation, 'master');
    assert.deepEqual(profileNames(config), ['Eventer', 'Inviter']);
    assert.equal(config.clients[0]!.profiles[0]!.params.fileAttachPercentage, 50);
    assert.equal(config.clients[0]!.params.unauthenticatedPercentage, 10);
    assert.deepEqual(warnings, []);
    const inviter = config.clients[0]!.profiles[1]!;
    const made = inviter.plugin.source === 'builtin' ? inviter.plugin.definition.create!(fakeContext(inviter.params)) : undefined;
    assert.ok(made instanceof Inviter && !(made instanceof Inviter2013));
  });

  it('the `generation` key overrides the shape, both ways', async () => {
    const a = write('servers', { generation: '2013' });
    const ca = (await loadConfig({ configPath: a.config, clientsPath: a.clients })).config;
    assert.deepEqual([ca.generation, ca.generationSource, ca.shape], ['2013', 'config', 'master']);
    assert.deepEqual(profileNames(ca), ['Eventer@2013', 'Inviter@2013']);
    // The pods stay pods: the shape decides how servers are read, the generation how clients behave.
    assert.deepEqual(ca.servers.map((s) => s.id), ['PodA']);

    const b = write('server', { generation: 'master' });
    const cb = (await loadConfig({ configPath: b.config, clientsPath: b.clients })).config;
    assert.deepEqual([cb.generation, cb.generationSource, cb.shape], ['master', 'config', '2013']);
    assert.deepEqual(profileNames(cb), ['Eventer', 'Inviter']);

    // A plist integer 2013 is taken as "2013".
    const c = write('servers', { generation: 2013 });
    assert.equal((await loadConfig({ configPath: c.config, clientsPath: c.clients })).config.generation, '2013');
  });

  it('a bad `generation` is an error naming the file, the key and what was expected', async () => {
    for (const bad of ['2014', 'Master', true]) {
      const f = write('servers', { generation: bad });
      await assert.rejects(loadConfig({ configPath: f.config, clientsPath: f.clients }), (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        const errors = e.problems.filter((p) => p.severity === 'error').map(formatProblem);
        assert.equal(errors.length, 1, errors.join('\n'));
        assert.match(errors[0]!, new RegExp(`^\\S*${path.basename(f.config).replace(/[.-]/g, '\\$&')}: generation: expected "2013" or "master" \\(the reference generation whose behaviour to reproduce\\), got `));
        return true;
      });
    }
  });

  it('staggerFirstTicks follows the generation unless given', async () => {
    const load = async (shape: 'server' | 'servers', extra = {}) => {
      const f = write(shape, extra);
      return (await loadConfig({ configPath: f.config, clientsPath: f.clients })).config.staggerFirstTicks;
    };
    assert.equal(await load('server'), false);
    assert.equal(await load('servers'), true);
    assert.equal(await load('server', { staggerFirstTicks: true }), true);
    assert.equal(await load('servers', { staggerFirstTicks: false }), false);
  });
});

describe('generation: --generation and validate', () => {
  it('validate shows the generation detected, and what it decides', async () => {
    const f = write('server');
    const r = await runCli(['validate', '--config', f.config, '--clients', f.clients], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Generation: 2013 \(detected from the config's shape: one `server`\)$/m);
    assert.match(r.stdout, /^ {2}Inviter: adds one attendee to an existing event \(2013\)$/m);
    assert.match(r.stdout, /^ {2}interval profiles: first tick at once$/m);
    assert.match(r.stdout, /^ {8}Inviter \(2013\)$/m);
    const m = write('servers');
    const rm = await runCli(['validate', '--config', m.config, '--clients', m.clients], dir);
    assert.match(rm.stdout, /^Generation: master \(detected from the config's shape: `servers` pods\)$/m);
    assert.match(rm.stdout, /^ {2}interval profiles: first tick after a random 1…interval seconds$/m);
    assert.match(rm.stdout, /^ {8}Inviter$/m);
  });

  it('validate shows an override by the key, and --generation overrides the key', async () => {
    const f = write('servers', { generation: '2013' });
    const r = await runCli(['validate', '--config', f.config, '--clients', f.clients], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Generation: 2013 \(set by the `generation` key in config.plist; the config's shape \(`servers` pods\) alone would give master\)$/m);
    const flag = await runCli(['validate', '--config', f.config, '--clients', f.clients, '--generation', 'master'], dir);
    assert.equal(flag.code, 0, flag.stderr);
    assert.match(flag.stdout, /^Generation: master \(set by --generation\)$/m);
    assert.match(flag.stdout, /^ {8}Inviter$/m);
  });

  it('--generation with a bad value is a usage error (exit 2)', async () => {
    const f = write('servers');
    const r = await runCli(['validate', '--config', f.config, '--clients', f.clients, '--generation', '2015'], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^loadsim: --generation: expected 2013 or master, got "2015"/m);
  });
});

/** Enough of a ProfileContext to construct a profile (nothing runs). */
function fakeContext(params: Record<string, unknown>) {
  return { client: {} as never, userNumber: 0, params: params as never, clock: { now: () => 0, monotonic: () => 0, setTimer: () => ({ cancel() {} }) } as never, random: { derive: () => ({}) } as never, emit: () => {}, population: { records: [], randomUserNumber: () => undefined } };
}
