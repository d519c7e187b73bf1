import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { ResultDocument } from '../../lib/result/result-document.js';
import { REPO } from '../helpers/reference.js';
import { spawnCli } from '../helpers/cli.js';

/**
 * Multi-host, for real: two network namespaces made here (`ip netns`), joined
 * by a veth pair with a private /30 on it and nothing else. The testbed runs
 * in namespace B; the manager runs in this (the root) namespace; its one
 * worker is started by the config's `workers` command `ip netns exec A …
 * loadsim worker`, so manager and worker talk over that command's pipes
 * while the worker's HTTP goes over the veth link to B. The root namespace
 * has no link to B (its default route, if it has one, leads elsewhere: the
 * first test checks that the testbed never hears from it), so whatever the
 * testbed counted came from the worker, and the manager's merged result must
 * hold exactly that.
 *
 * Needs root, iproute2 and network-namespace support: where a namespace cannot
 * be made, every test here is skipped, saying which command failed — or fails,
 * with LOADSIM_NETNS_REQUIRED=1 (for the CI host that must run it).
 */

const REQUIRED = process.env.LOADSIM_NETNS_REQUIRED === '1';
const MAIN = path.join(REPO, 'dist/lib/cli/main.js');
const NODE = process.execPath;

// Unique per run: two runs at once must not meet. Interface names ≤ 15 characters.
const ID = process.pid;
const NS_A = `lsim-${ID}-a`;
const NS_B = `lsim-${ID}-b`;
const VETH_A = `lsim${ID}a`;
const VETH_B = `lsim${ID}b`;
// 198.18.0.0/15 is for benchmarking (RFC 2544), on no real network; and these
// addresses exist only inside the two namespaces, so runs cannot collide on them.
const NET = `198.18.${ID % 250}`;
const ADDR_A = `${NET}.1`;
const ADDR_B = `${NET}.2`;
// Fresh namespaces: every port is free there. 8100 is config/config.plist's stats port.
const PORT = 8008;
const STATS_PORT = 8100;
const SERVER = `http://${ADDR_B}:${PORT}`;
/** The testbed's auth realm, this run's own: an answer naming it comes from this testbed and nothing else. */
const REALM = `loadsim netns test ${ID}`;
const PROBE = `${SERVER}/principals/users/user01/`;

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** The config's `workers` command line: the worker in namespace A. */
const WORKER_COMMAND = `exec ip netns exec ${NS_A} ${quote(NODE)} ${quote(MAIN)} worker`;

/** Run a command, bounded; a failure is an Error naming the command and why. */
function run(file: string, args: string[], timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const e = error as NodeJS.ErrnoException & { killed?: boolean };
      const why = e.code === 'ENOENT' ? `${file}: not found on PATH (is iproute2 installed?)` : e.killed ? `no end within ${timeoutMs} ms` : stderr.trim() || e.message;
      reject(new Error(`\`${[file, ...args].join(' ')}\` failed: ${why}`));
    });
  });
}
const ip = (...args: string[]) => run('ip', args);
/** A node one-liner inside a namespace (CommonJS: `node -e`). */
const nodeIn = (ns: string, script: string, timeoutMs = 20_000) => run('ip', ['netns', 'exec', ns, NODE, '-e', script], timeoutMs);

/** Why the namespaces could not be made (the tests skip), or undefined. */
let cannot: string | undefined;
/** Why the testbed in B did not start (the tests fail), or undefined. */
let testbedFailed: string | undefined;
let testbed: ChildProcess | undefined;
let testbedOutput = '';
let dir: string | undefined;

/** The namespaces, the link and its addresses. Throws naming the first command that failed. */
async function makeNetwork(): Promise<void> {
  await ip('netns', 'add', NS_A);
  await ip('netns', 'add', NS_B);
  // Each end made straight inside its namespace: the root namespace never has it.
  await ip('link', 'add', VETH_A, 'netns', NS_A, 'type', 'veth', 'peer', 'name', VETH_B, 'netns', NS_B);
  await ip('-n', NS_A, 'addr', 'add', `${ADDR_A}/30`, 'dev', VETH_A);
  await ip('-n', NS_B, 'addr', 'add', `${ADDR_B}/30`, 'dev', VETH_B);
  for (const [ns, dev] of [[NS_A, VETH_A], [NS_B, VETH_B]] as const) {
    await ip('-n', ns, 'link', 'set', 'lo', 'up');
    await ip('-n', ns, 'link', 'set', dev, 'up');
  }
  // `ip netns exec` needs more than `ip netns add` (it remounts /sys): try it.
  await nodeIn(NS_A, '0');
}

/** `loadsim serve` inside namespace B, on the link's address; resolves at its "ready". */
function startTestbedInB(): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = ['netns', 'exec', NS_B, NODE, MAIN, 'serve', '--host', ADDR_B, '--port', String(PORT), '--stats-port', String(STATS_PORT), '--users', '20', '--realm', REALM];
    const child = spawn('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    testbed = child;
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(new Error(`\`ip ${args.join(' ')}\`: ${why}; its output: ${testbedOutput.slice(-1000)}`));
    };
    const timer = setTimeout(() => fail('no "ready" within 30 s'), 30_000);
    const more = (d: string) => {
      testbedOutput += d;
      if (/^ready$/m.test(testbedOutput)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.setEncoding('utf8').on('data', more);
    child.stderr.setEncoding('utf8').on('data', more);
    child.on('error', (e) => fail(e.message));
    child.on('exit', (code, signal) => fail(`ended before ready (${signal ?? `code ${code}`})`));
  });
}

/**
 * The testbed's own count of requests since it started (the stats socket's
 * `["slots"]` → slots[0].total), read from inside B: the stats socket is on
 * B's address, which only B and A can reach.
 */
async function servedRequests(): Promise<number> {
  const script = `
    const s = require('node:net').connect(${STATS_PORT}, ${JSON.stringify(ADDR_B)});
    let d = '';
    s.setTimeout(5000, () => { console.error('stats socket: no answer in 5 s'); process.exit(1); });
    s.on('error', (e) => { console.error('stats socket: ' + e.message); process.exit(1); });
    s.on('connect', () => s.write('["slots"]\\r\\n'));
    s.setEncoding('utf8').on('data', (c) => {
      d += c;
      const nl = d.indexOf('\\n');
      if (nl >= 0) { console.log(d.slice(0, nl).trim()); s.destroy(); }
    });`;
  const line = await nodeIn(NS_B, script);
  const total = (JSON.parse(line) as { slots: { slots: { total: number }[] } }).slots.slots[0]?.total;
  assert.equal(typeof total, 'number', `the stats socket answered ${line}`);
  return total!;
}

/** The namespace a process is in, as the kernel names it: "net:[inode]". */
const netnsOfPid = (pid: number) => readlinkSync(`/proc/${pid}/ns/net`);
const netnsNamed = (ns: string) => `net:[${statSync(`/var/run/netns/${ns}`).ino}]`;

/** Skip (or, with LOADSIM_NETNS_REQUIRED=1, fail) where there are no namespaces; fail where the testbed did not start. */
function ready(t: TestContext): boolean {
  if (cannot) {
    const message = `network namespaces cannot be made here: ${cannot}`;
    if (REQUIRED) assert.fail(`${message} (LOADSIM_NETNS_REQUIRED=1)`);
    t.skip(`${message}; needs root and iproute2 (set LOADSIM_NETNS_REQUIRED=1 to make this a failure)`);
    return false;
  }
  if (testbedFailed) assert.fail(`the testbed in namespace ${NS_B} did not start: ${testbedFailed}`);
  return true;
}

before(
  async () => {
    try {
      await makeNetwork();
    } catch (e) {
      cannot = (e as Error).message;
      return;
    }
    dir = mkdtempSync(path.join(tmpdir(), 'loadsim-netns-'));
    try {
      await startTestbedInB();
    } catch (e) {
      testbedFailed = (e as Error).message;
    }
  },
  { timeout: 90_000 },
);

after(
  async () => {
    // Everything still running in the two namespaces is this file's (the testbed; a worker left over by a failure).
    if (testbed && testbed.exitCode === null && testbed.signalCode === null) {
      const child = testbed;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 5000);
        child.once('exit', () => (clearTimeout(timer), resolve()));
        child.kill('SIGTERM');
      });
    }
    for (const ns of [NS_A, NS_B]) {
      const pids = await ip('netns', 'pids', ns).catch(() => '');
      for (const pid of pids.split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // gone already
        }
      }
    }
    if (testbed && testbed.exitCode === null && testbed.signalCode === null) testbed.kill('SIGKILL');
    // Deleting a namespace removes its end of the veth pair (and with it the other end).
    // Whatever setup got to: each step on its own, failures ignored.
    for (const ns of [NS_A, NS_B]) await ip('netns', 'del', ns).catch(() => {});
    await ip('link', 'del', VETH_A).catch(() => {});
    if (dir) rmSync(dir, { recursive: true, force: true });
  },
  { timeout: 60_000 },
);

describe('a worker in another network namespace (ip netns exec), against a testbed across a veth link', { timeout: 300_000 }, () => {
  it(`the link is the only way to the testbed: namespace A reaches ${SERVER}, the root namespace does not`, async (t) => {
    if (!ready(t)) return;
    const count0 = await servedRequests();
    // From A, over the link: the testbed's own challenge, with this run's realm.
    const fromA = await nodeIn(
      NS_A,
      `fetch(${JSON.stringify(PROBE)}, { signal: AbortSignal.timeout(5000) }).then((r) => console.log(JSON.stringify({ status: r.status, challenge: r.headers.get('www-authenticate') })), (e) => { console.error(String(e.cause ?? e)); process.exit(1); })`,
    );
    const a = JSON.parse(fromA) as { status: number; challenge: string | null };
    assert.equal(a.status, 401, fromA);
    assert.ok(a.challenge?.includes(`realm="${REALM}"`), `the answer came from this run's testbed: ${fromA}`);
    const count1 = await servedRequests();
    assert.equal(count1, count0 + 1, 'the testbed counted the request from A');

    // From here: whatever answers (a default route may lead to a gateway or proxy that accepts
    // anything), it is not the testbed, which counts nothing more.
    const here = await fetch(PROBE, { signal: AbortSignal.timeout(3000) }).then(
      (r) => `HTTP ${r.status}, challenge ${r.headers.get('www-authenticate')}`,
      (e: Error) => `no answer: ${String((e.cause as Error | undefined)?.message ?? e.message)}`,
    );
    t.diagnostic(`from the root namespace: ${here}`);
    assert.ok(!here.includes(REALM), `the root namespace reached the testbed: ${here}`);
    assert.equal(await servedRequests(), count1, `the testbed counted a request from the root namespace (which got: ${here})`);
  });

  it('the manager here, its worker in A by the config’s workers command: the merged result is exactly what the testbed in B served', async (t) => {
    if (!ready(t)) return;
    // config/config.plist with a `workers` key: the original's form, one shell command line.
    const config = path.join(dir!, 'config.plist');
    const text = readFileSync(path.join(REPO, 'config/config.plist'), 'utf8');
    const withWorkers = text.replace(/(<plist[^>]*>\s*<dict>)/, `$1\n\t<key>workers</key>\n\t<array>\n\t\t<string>${xml(WORKER_COMMAND)}</string>\n\t</array>\n`);
    assert.notEqual(withWorkers, text, 'the workers key was inserted');
    writeFileSync(config, withWorkers);
    const json = path.join(dir!, 'netns.json');

    const servedBefore = await servedRequests();
    // The worker's namespace, read while it runs: its pid is in the manager's "ready" line.
    let workerPid: number | undefined;
    let workerNetns: string | undefined;
    const r = await spawnCli(['run', '--config', config, '--clients', path.join(REPO, 'config/clients.plist'), '--server', SERVER, '--runtime', '10', '--seed', '3', '--quiet', '--json', json], {
      guardMs: 150_000,
      onStderr: (stderr) => {
        const m = /worker 0 \(.*\) ready, pid (\d+)/.exec(stderr);
        if (!m || workerPid !== undefined) return;
        workerPid = Number(m[1]);
        try {
          workerNetns = netnsOfPid(workerPid);
        } catch (e) {
          workerNetns = `unreadable: ${(e as Error).message}`;
        }
      },
    });
    const served = (await servedRequests()) - servedBefore;
    t.diagnostic(`worker pid ${workerPid} in ${workerNetns}; the testbed served ${served} requests`);
    const output = `${r.stderr}\n${r.stdout.slice(-3000)}`;

    assert.equal(r.code, 0, output);
    assert.match(r.stderr, /1 workers started \(pids \d+\)/, output);
    assert.ok(r.stderr.includes(`loadsim: worker 0 (${WORKER_COMMAND}) ready, pid ${workerPid}`), output);
    assert.equal(workerNetns, netnsNamed(NS_A), `worker pid ${workerPid} ran in namespace ${NS_A}`);
    assert.notEqual(workerNetns, netnsOfPid(process.pid), 'not in the root namespace');
    assert.match(r.stdout, /\*\* REPORT \*\*[\s\S]*\*\*\* PASS/, output);

    const doc = JSON.parse(readFileSync(json, 'utf8')) as ResultDocument;
    assert.deepEqual(doc.run.mergedFrom, [`worker 0 (${WORKER_COMMAND})`]);
    assert.equal(doc.verdict, 'PASS', doc.reasons.join('; '));
    assert.ok(doc.events.responses > 0, `${doc.events.responses} responses`);
    assert.ok(served > 0, `the testbed in ${NS_B} served ${served} requests`);
    // Only A can reach B, and only the worker ran there: every request the testbed served is in the manager's result, once.
    assert.equal(doc.events.exchanges, served, `exchanges in the merged result vs requests the testbed served`);
    assert.equal(Object.values(doc.requests).reduce((n, l) => n + l.count, 0), doc.events.responses);
    assert.ok(Object.keys(doc.requests).some((l) => l.startsWith('PROPFIND')), Object.keys(doc.requests).join(', '));
    assert.ok(doc.users > 0, `${doc.users} users`);
    t.diagnostic(`merged from ${doc.run.mergedFrom!.join(', ')}: ${doc.users} users, ${doc.events.responses} responses, ${doc.events.exchanges} exchanges`);
  });
});
