import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as plist from 'plist';
import { loadConfig } from '../../lib/config/load-config.js';
import { type ConfigError, formatProblem } from '../../lib/core/errors.js';
import { Random } from '../../lib/core/random.js';

/**
 * An arrival policy of the user's own, named `./file.js#Export` as the
 * factory: a class or a function of the params. It used to be accepted and
 * then add nobody; now its schedule is the run's, and a module that makes
 * no policy is refused at `arrival.factory`.
 */
let dir: string;
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'loadsim-arrival-'));
  writeFileSync(
    path.join(dir, 'arrivals.mjs'),
    `export class Waves {
  constructor(p) { this.waves = p.waves; this.size = p.size; this.totalUsers = p.waves * p.size; this.clientsPerUser = 1; }
  *arrivals() { for (let i = 0; i < this.waves; i++) yield { at: i * 60, users: this.size }; }
  describe() { return this.waves + ' waves of ' + this.size; }
}
export function once(p) { return { totalUsers: p.users, clientsPerUser: 2, arrivals: () => [{ at: 0, users: p.users }], describe: () => 'all at once' }; }
export function broken() { return { totalUsers: 3, clientsPerUser: 1, describe: () => 'no arrivals' }; }
export const notAFunction = 7;
`,
  );
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function load(factory: string, params: Record<string, unknown>) {
  const config = {
    servers: { PodA: { enabled: true, uri: 'http://127.0.0.1:8008' } },
    accounts: { loader: 'generateRecords', params: { count: 10, uidPattern: 'user%02d', passwordPattern: 'user%02d' } },
    arrival: { factory, params },
    clients: [{ software: 'OS_X_10_7', params: {}, profiles: [], weight: 1 }],
  };
  const file = path.join(dir, `config-${Math.random().toString(36).slice(2)}.plist`);
  writeFileSync(file, plist.build(config as plist.PlistValue));
  return loadConfig({ configPath: file, cwd: dir });
}

describe('an arrival factory of the user’s own', () => {
  it('a class: constructed with the params, its schedule is the run’s', async () => {
    const { config } = await load('./arrivals.mjs#Waves', { waves: 3, size: 2 });
    const policy = config.arrival.policy!;
    assert.equal(policy.totalUsers, 6);
    assert.deepEqual([...policy.arrivals(Random.create('1'))], [{ at: 0, users: 2 }, { at: 60, users: 2 }, { at: 120, users: 2 }]);
    assert.equal(policy.describe(), '3 waves of 2');
  });

  it('a function: called with the params', async () => {
    const { config } = await load('./arrivals.mjs#once', { users: 4 });
    assert.equal(config.arrival.policy!.clientsPerUser, 2);
    assert.deepEqual([...config.arrival.policy!.arrivals(Random.create('1'))], [{ at: 0, users: 4 }]);
  });

  it('its schedule is checked against the accounts like a built-in one', async () => {
    await assert.rejects(load('./arrivals.mjs#Waves', { waves: 6, size: 2 }), (e: ConfigError) => /needs 12 users \(6 waves of 2\) but there are only 10 accounts/.test(e.problems.map(formatProblem).join('\n')));
  });

  it('a module that makes no policy is refused at arrival.factory', async () => {
    for (const [name, message] of [
      ['broken', /broken made no arrival policy: it has no arrivals\(random\) method/],
      ['notAFunction', /notAFunction of .*arrivals\.mjs is not an arrival factory: export a class or function/],
    ] as const) {
      await assert.rejects(load(`./arrivals.mjs#${name}`, {}), (e: ConfigError) => {
        const text = e.problems.map(formatProblem).join('\n');
        assert.match(text, /arrival\.factory/);
        assert.match(text, message);
        return true;
      });
    }
  });
});
