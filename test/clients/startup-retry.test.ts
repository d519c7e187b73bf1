import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { startupRetryDefaults, startupRetryDelayMs, type StartupRetryPolicy } from '../../lib/clients/startup-retry.js';
import { loadConfig } from '../../lib/config/load-config.js';
import { Random } from '../../lib/core/random.js';
import { REPO, mutated } from '../helpers/reference.js';

/**
 * "Startup retries" (docs/reliability.md, What loadsim survives): config.plist
 * `clientStartupRetry` is read as documented, with the documented defaults
 * (5 s, ×2, at most 120 s, jitter 0.5 = each wait drawn from [½d, d],
 * maxAttempts 0 = until the run ends, 1 = give up at once), and the waits
 * stay within those bounds. What a client does with them against a server
 * that is down is test/faults/server-down.test.ts.
 */

const dir = mkdtempSync(path.join(tmpdir(), 'loadsim-startup-retry-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const CONFIG = path.join(REPO, 'config/config.plist');
const CLIENTS = path.join(REPO, 'config/clients.plist');

/** Our own config.plist with a `clientStartupRetry` dict of these keys. */
async function load(name: string, keys: Record<string, string>) {
  const dict = Object.entries(keys)
    .map(([k, v]) => `<key>${k}</key>${v}`)
    .join('');
  const file = mutated(dir, CONFIG, `${name}.plist`, (text) => text.replace('\t<key>principalPathTemplate</key>', `\t<key>clientStartupRetry</key><dict>${dict}</dict>\n\t<key>principalPathTemplate</key>`));
  return (await loadConfig({ configPath: file, clientsPath: CLIENTS })).config.startupRetry;
}

describe('clientStartupRetry is read from config.plist', () => {
  it('absent: the documented defaults (5 s, ×2, 120 s, jitter 0.5, until the run ends)', async () => {
    const { config } = await loadConfig({ configPath: CONFIG, clientsPath: CLIENTS });
    assert.deepEqual(config.startupRetry ?? startupRetryDefaults, { initialSeconds: 5, multiplier: 2, maxSeconds: 120, jitter: 0.5, maxAttempts: 0 });
    assert.deepEqual(startupRetryDefaults, { initialSeconds: 5, multiplier: 2, maxSeconds: 120, jitter: 0.5, maxAttempts: 0 });
  });

  it('every key as given', async () => {
    const policy = await load('all', { initialSeconds: '<real>1.5</real>', multiplier: '<integer>3</integer>', maxSeconds: '<integer>30</integer>', jitter: '<real>0.25</real>', maxAttempts: '<integer>4</integer>' });
    assert.deepEqual(policy, { initialSeconds: 1.5, multiplier: 3, maxSeconds: 30, jitter: 0.25, maxAttempts: 4 });
  });

  it('some keys: the others keep their defaults; maxAttempts 1 is the original’s give up at once', async () => {
    assert.deepEqual(await load('one', { maxAttempts: '<integer>1</integer>' }), { ...startupRetryDefaults, maxAttempts: 1 });
  });

  for (const [name, keys, message] of [
    ['jitter over 1', { jitter: '<real>1.5</real>' }, /clientStartupRetry\.jitter: expected a number from 0 to 1, got 1\.5/],
    ['a fractional maxAttempts', { maxAttempts: '<real>2.5</real>' }, /clientStartupRetry\.maxAttempts: expected an integer/],
    ['a multiplier below 1 (waits that shrink)', { multiplier: '<real>0.5</real>' }, /clientStartupRetry\.multiplier: expected a number from 1 to 1000, got 0\.5/],
    ['a cap below the first wait', { initialSeconds: '<integer>10</integer>', maxSeconds: '<integer>5</integer>' }, /clientStartupRetry\.maxSeconds: expected a number of seconds ≥ initialSeconds \(10\), got 5/],
    ['no first wait', { initialSeconds: '<integer>0</integer>' }, /clientStartupRetry\.initialSeconds: expected a positive number/],
  ] as const) {
    it(`refused: ${name}`, async () => {
      await assert.rejects(load(name.replace(/\W+/g, '-'), keys), (e: Error) => {
        assert.match(e.message, message);
        return true;
      });
    });
  }
});

describe('the waits between startup attempts', () => {
  const delays = (policy: StartupRetryPolicy, failures: number, n: number, seed = 'waits') => {
    const random = Random.create(seed);
    return Array.from({ length: n }, () => startupRetryDelayMs(policy, failures, random));
  };

  it('maxAttempts 1: no second attempt; 3: two waits, then none; 0: never gives up', () => {
    assert.equal(startupRetryDelayMs({ ...startupRetryDefaults, maxAttempts: 1 }, 1, Random.create('x')), undefined);
    const three = { ...startupRetryDefaults, maxAttempts: 3 };
    assert.notEqual(startupRetryDelayMs(three, 1, Random.create('x')), undefined);
    assert.notEqual(startupRetryDelayMs(three, 2, Random.create('x')), undefined);
    assert.equal(startupRetryDelayMs(three, 3, Random.create('x')), undefined);
    assert.notEqual(startupRetryDelayMs(startupRetryDefaults, 10_000, Random.create('x')), undefined);
  });

  it('the defaults: each wait drawn from [½d, d], d = 5, 10, 20, 40, 80, then capped at 120 s', () => {
    const nominal = [5, 10, 20, 40, 80, 120, 120, 120, 120];
    nominal.forEach((d, i) => {
      const waits = delays(startupRetryDefaults, i + 1, 5_000, `defaults-${i}`) as number[];
      const lo = Math.min(...waits);
      const hi = Math.max(...waits);
      assert.ok(lo >= d * 500 && hi <= d * 1000, `after failure ${i + 1}: waits from ${lo} to ${hi} ms, outside [${d * 500}, ${d * 1000}]`);
      // The whole range is used (jitter 0.5 spreads the herd), not one end of it.
      assert.ok(lo < d * 520 && hi > d * 980, `after failure ${i + 1}: waits from ${lo} to ${hi} ms do not span [${d * 500}, ${d * 1000}]`);
    });
  });

  it('jitter 0: in lock step, exactly the nominal wait; jitter 1: anywhere from 0 to it', () => {
    assert.deepEqual(new Set(delays({ ...startupRetryDefaults, jitter: 0 }, 3, 100)), new Set([20_000]));
    const full = delays({ ...startupRetryDefaults, jitter: 1 }, 3, 5_000) as number[];
    assert.ok(Math.min(...full) >= 0 && Math.min(...full) < 1_000 && Math.max(...full) <= 20_000 && Math.max(...full) > 19_000);
  });

  it('the same seed retries at the same times', () => {
    assert.deepEqual(delays(startupRetryDefaults, 2, 20, 'same'), delays(startupRetryDefaults, 2, 20, 'same'));
  });
});
