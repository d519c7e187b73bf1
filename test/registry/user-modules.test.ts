/**
 * A profile, an observer and a client model of the user's own, each in a
 * module named from the plists (`./pinger.mjs#Pinger`), through the CLI as a
 * user runs them: `validate` checks their params as it checks a built-in's,
 * and `run` builds and runs them against the testbed: the profile's
 * operation is in the report, the observer's lines are printed, the model's
 * User-Agent is what the server saw.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import * as plist from 'plist';
import { startTestbed, type Testbed } from '../../lib/testbed/server.js';
import { runCli } from '../helpers/cli.js';
import { REPO } from '../helpers/reference.js';

const API = pathToFileURL(path.join(REPO, 'dist/lib/index.js')).href;

const PINGER = `
import { ProfileBase, defineProfile } from '${API}';

/** Every interval, an OPTIONS of the server root, as operation "ping". */
class Pinger extends ProfileBase {
  run() {
    this.everyInterval((lag) => this.operation('ping', lag, () => this.client.request('OPTIONS{ping}', 'OPTIONS', '/', { expect: [200] })));
  }
}

export const PingerProfile = defineProfile({
  name: 'Pinger',
  summary: 'pings the server root',
  params: { interval: { type: 'number', rule: { positive: true }, unit: 's', default: 10, doc: 'seconds between pings' } },
  create: (ctx) => new Pinger(ctx),
});

/** The same as a plain class with a static params spec. */
export class Knocker extends ProfileBase {
  static params = { interval: { type: 'number', rule: { positive: true }, unit: 's', default: 10, doc: 'seconds between knocks' } };
  run() {
    this.everyInterval((lag) => this.operation('knock', lag, () => this.client.request('OPTIONS{knock}', 'OPTIONS', '/', { expect: [200] })));
  }
}
`;

const OBSERVER = `
import { defineObserver } from '${API}';

export const Counter = defineObserver({
  name: 'Counter',
  params: { prefix: { type: 'string', default: 'responses', doc: 'what the line starts with' } },
  create: (values) => {
    let n = 0;
    return {
      observe(e) { if (e.type === 'response') n++; },
      report(out) { out(values.prefix + ': ' + n); },
      failures: () => [],
    };
  },
});

/** A plain class that only observes: report and failures default to nothing. */
export class FailurePrinter {
  constructor(values, ctx) { this.out = ctx.out; }
  observe(e) { if (e.type === 'response' && !e.success) this.out('FAILED ' + e.label + ' ' + e.status); }
}
`;

const MODEL = `
import { defineClientModel } from '${API}';
export const MyCalendar = defineClientModel({ name: 'MyCalendar', basedOn: 'OS_X_10_11', userAgent: 'MyCalendar/1.0' });
`;

let dir: string;
let tb: Testbed;

function writeConfig(name: string, profileParams: Record<string, unknown>, observerParams: Record<string, unknown> = {}): { config: string; clients: string } {
  const config = {
    servers: { PodA: { enabled: true, uri: tb.url } },
    accounts: { loader: 'generateRecords', params: { count: 2, uidPattern: 'user%02d', passwordPattern: 'user%02d', emailPattern: 'user%02d@example.com' } },
    arrival: { factory: 'SmoothRampUp', params: { groups: 1, groupSize: 2, interval: 1, clientsPerUser: 1 } },
    observers: [
      { type: 'ReportStatistics', params: {} },
      { type: 'OperationLogger', params: {} },
      { type: './observer.mjs#Counter', params: observerParams },
      { type: './observer.mjs#FailurePrinter', params: {} },
    ],
  };
  const clients = {
    clients: [
      {
        software: './model.mjs#MyCalendar',
        params: { calendarHomePollInterval: 30, supportAmpPush: false, unauthenticatedPercentage: 0 },
        profiles: [
          { class: './pinger.mjs#PingerProfile', params: profileParams },
          { class: './pinger.mjs#Knocker', params: { interval: 1 } },
        ],
        weight: 1,
      },
    ],
  };
  const c = path.join(dir, `${name}-config.plist`);
  const k = path.join(dir, `${name}-clients.plist`);
  writeFileSync(c, plist.build(config as unknown as plist.PlistValue));
  writeFileSync(k, plist.build(clients as unknown as plist.PlistValue));
  return { config: c, clients: k };
}

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'loadsim-user-modules-'));
  writeFileSync(path.join(dir, 'pinger.mjs'), PINGER);
  writeFileSync(path.join(dir, 'observer.mjs'), OBSERVER);
  writeFileSync(path.join(dir, 'model.mjs'), MODEL);
  tb = await startTestbed({ port: 0, users: 2 });
});
after(async () => {
  await tb.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('plug-ins of your own, named from the plists', { timeout: 60_000 }, () => {
  it('validate lists them and checks their params as a built-in\'s', async () => {
    const good = writeConfig('good', { interval: 2 });
    const ok = await runCli(['validate', '--config', good.config, '--clients', good.clients], dir);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /MyCalendar from .*model\.mjs/);
    assert.match(ok.stdout, /Pinger from .*pinger\.mjs/);
    assert.match(ok.stdout, /Knocker from .*pinger\.mjs/);

    const bad = writeConfig('bad', { interval: -1, intervall: 3 }, { prefix: 7 });
    const refused = await runCli(['validate', '--config', bad.config, '--clients', bad.clients], dir);
    assert.equal(refused.code, 2, refused.stdout);
    assert.match(refused.stderr, /clients\[0\]\.profiles\[0\]\.params\.interval: .*-1/);
    assert.match(refused.stderr, /observers\[2\]\.params\.prefix: expected a string/);
    // An unknown key is a warning, as for a built-in.
    assert.match(refused.stderr, /clients\[0\]\.profiles\[0\]\.params\.intervall: unknown key/);
  });

  it('run builds and runs them: operations in the report, the observers\' lines, the model\'s User-Agent on the wire', async () => {
    const files = writeConfig('run', { interval: 1 });
    const r = await runCli(['run', '--config', files.config, '--clients', files.clients, '--runtime', '6', '--quiet'], dir);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    // The profiles' operations and requests, under their own labels.
    assert.match(r.stdout, /^ping\s+\d+/m);
    assert.match(r.stdout, /^knock\s+\d+/m);
    assert.match(r.stdout, /^OPTIONS\{ping\}\s+\d+/m);
    // The observers: Counter's report line, and no failure printed.
    assert.match(r.stdout, /^responses: \d+$/m);
    assert.doesNotMatch(r.stdout, /^FAILED /m);
    // The model's User-Agent is what the server saw (`<agent> <title> <instance>`).
    const agents = new Set<string>();
    for (const w of Object.values(tb.stats.snapshot() as unknown as Record<string, { 'user-agent'?: Record<string, number> }>)) for (const a of Object.keys(w?.['user-agent'] ?? {})) agents.add(a);
    assert.ok([...agents].some((a) => a.startsWith('MyCalendar/1.0 MyCalendar ')), [...agents].join('\n'));
  });
});
