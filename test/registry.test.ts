import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Problems, Scope, sourceFile } from '../lib/params/problems.js';
import { createRegistry } from '../lib/config/builtins.js';
import type { PluginKind } from '../lib/params/registry.js';

const dir = mkdtempSync(path.join(tmpdir(), 'loadsim-registry-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const registry = createRegistry();
const scopeIn = (file = path.join(dir, 'clients.plist')) => {
  const problems = new Problems();
  return { problems, scope: new Scope(problems, sourceFile(file), 'x.type') };
};

describe('registry', () => {
  // Every dotted name the reference plists use, by kind.
  const ORIGINAL_NAMES: [PluginKind, string, string][] = [
    ['distribution', 'contrib.performance.stats.NormalDistribution', 'NormalDistribution'],
    ['distribution', 'contrib.performance.stats.LogNormalDistribution', 'LogNormalDistribution'],
    ['distribution', 'contrib.performance.stats.UniformIntegerDistribution', 'UniformIntegerDistribution'],
    ['distribution', 'contrib.performance.stats.UniformDiscreteDistribution', 'UniformDiscreteDistribution'],
    ['distribution', 'contrib.performance.stats.FixedDistribution', 'FixedDistribution'],
    ['distribution', 'contrib.performance.stats.NearFutureDistribution', 'NearFutureDistribution'],
    ['distribution', 'contrib.performance.stats.WorkDistribution', 'WorkDistribution'],
    ['distribution', 'contrib.performance.stats.RecurrenceDistribution', 'RecurrenceDistribution'],
    ['profile', 'contrib.performance.loadtest.profiles.Eventer', 'Eventer'],
    ['profile', 'contrib.performance.loadtest.profiles.RealisticInviter', 'RealisticInviter'],
    ['profile', 'contrib.performance.loadtest.profiles.Inviter', 'Inviter'],
    ['profile', 'contrib.performance.loadtest.profiles.Accepter', 'Accepter'],
    ['profile', 'contrib.performance.loadtest.profiles.AlarmAcknowledger', 'AlarmAcknowledger'],
    ['profile', 'contrib.performance.loadtest.profiles.Resetter', 'Resetter'],
    ['client', 'contrib.performance.loadtest.ical.OS_X_10_6', 'OS_X_10_6'],
    ['client', 'contrib.performance.loadtest.ical.OS_X_10_7', 'OS_X_10_7'],
    ['client', 'contrib.performance.loadtest.ical.OS_X_10_11', 'OS_X_10_11'],
    ['client', 'contrib.performance.loadtest.ical.iOS_5', 'iOS_5'],
    ['arrival', 'contrib.performance.loadtest.population.SmoothRampUp', 'SmoothRampUp'],
    ['observer', 'contrib.performance.loadtest.population.ReportStatistics', 'ReportStatistics'],
    ['observer', 'contrib.performance.loadtest.ical.RequestLogger', 'RequestLogger'],
    ['observer', 'contrib.performance.loadtest.ical.ErrorLogger', 'ErrorLogger'],
    ['observer', 'contrib.performance.loadtest.profiles.OperationLogger', 'OperationLogger'],
    ['accounts', 'contrib.performance.loadtest.sim.recordsFromCSVFile', 'recordsFromCSVFile'],
    ['accounts', 'contrib.performance.loadtest.sim.generateRecords', 'generateRecords'],
  ];
  for (const [kind, dotted, short] of ORIGINAL_NAMES) {
    it(`${dotted} and ${short} are the same ${kind}`, async () => {
      const { problems, scope } = scopeIn();
      const a = await registry.resolve(kind, dotted, scope);
      const b = await registry.resolve(kind, short, scope);
      assert.equal(problems.list.length, 0);
      assert.ok(a?.source === 'builtin' && b?.source === 'builtin');
      assert.equal(a.definition, b.definition);
      assert.equal(a.definition.name, short);
    });
  }

  it('an unknown name lists the closest known names', async () => {
    const { problems, scope } = scopeIn();
    assert.equal(await registry.resolve('profile', 'Acepter', scope), undefined);
    assert.match(problems.errors[0]!.message, /unknown profile "Acepter"; did you mean Accepter/);
    assert.equal(problems.errors[0]!.path, 'x.type');
  });

  it('a module of the user is resolved relative to the plist that names it', async () => {
    writeFileSync(path.join(dir, 'mine.mjs'), 'export class Pareto { sample() { return 2; } }\nexport default class D { sample() { return 3; } }\n');
    const { problems, scope } = scopeIn(path.join(dir, 'nested.plist'));
    const named = await registry.resolve('distribution', './mine.mjs#Pareto', scope);
    const byDefault = await registry.resolve('distribution', './mine.mjs', scope);
    assert.equal(problems.list.length, 0, JSON.stringify(problems.list));
    assert.ok(named?.source === 'module' && byDefault?.source === 'module');
    assert.equal(named.exportName, 'Pareto');
    assert.equal(named.modulePath, path.join(dir, 'mine.mjs'));
    assert.equal(byDefault.exportName, 'default');
  });

  it('a missing module names the places it looked', async () => {
    const { problems, scope } = scopeIn();
    await registry.resolve('profile', './nope.js#Thing', scope);
    assert.match(problems.errors[0]!.message, /profile module not found: tried .*nope\.js/);
  });

  it('a module that throws on import is an error, not a crash', async () => {
    writeFileSync(path.join(dir, 'throws.mjs'), 'throw new Error("boom at import");\n');
    const { problems, scope } = scopeIn();
    await registry.resolve('observer', './throws.mjs#X', scope);
    assert.match(problems.errors[0]!.message, /cannot load observer module .*boom at import/);
  });

  it('every profile and observer registered can be built', () => {
    for (const kind of ['profile', 'observer'] as const) {
      for (const d of registry.definitions(kind)) assert.equal(typeof (d as { create?: unknown }).create, 'function', `${kind} ${d.name}`);
    }
  });

  it('every profile of both generations is registered', () => {
    const names = registry.definitions('profile').map((d) => d.name);
    for (const n of ['Eventer', 'Tasker', 'Inviter', 'RealisticInviter', 'DistanceInviter', 'Accepter', 'AlarmAcknowledger', 'TitleChanger', 'DescriptionChanger', 'Attacher', 'AttachmentDownloader', 'EventCountLimiter', 'CalendarSharer', 'TimeRanger', 'DeepRefresher', 'APNSSubscriber', 'Resetter']) {
      assert.ok(names.includes(n), n);
    }
  });
});
