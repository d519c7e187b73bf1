import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO } from '../helpers/reference.js';

/**
 * The bad-input corpus (issue #11): every folder of test/fixtures/bad/ is one
 * broken config, clients file, accounts file or command line, with a
 * `case.json` saying how loadsim is called and what it must answer. Each case
 * runs as a child process, as a user would run it: exit 2, a message naming
 * the file and the key path and saying what was expected, no stack trace
 * (unless `--debug`), and not one connection to the server a run is pointed
 * at. The number of cases is the one docs/reliability.md and docs/testing.md state.
 * Input loadsim must accept is not in the corpus: test/fixtures/allowed/.
 */
const CORPUS = path.join(REPO, 'test', 'fixtures', 'bad');
const ALLOWED = path.join(REPO, 'test', 'fixtures', 'allowed');
const MAIN = path.join(REPO, 'dist', 'lib', 'cli', 'main.js');
/** Children at once: enough to finish quickly, few enough for a 2-core machine under load. */
const CONCURRENCY = 4;
/** A child still running after this is killed (SIGKILL: a busy loop never sees SIGTERM) and its case fails. */
const GUARD_MS = 60_000;

interface Case {
  name: string;
  dir: string;
  /** Why the input is bad (or, for an allowed case, why it is allowed). */
  why: string;
  /** The command line, paths relative to the case's folder. */
  args: string[];
  /** Expected exit status: 2 (bad input) for every case of the corpus, 0 for the allowed ones. */
  exit: number;
  /** Regular expressions (multiline) standard error must match. */
  stderr: string[];
  stdout: string[];
  /** Also run with --debug and expect the stack trace. */
  debug: boolean;
}

function loadCases(folder: string, exit: number): Case[] {
  return readdirSync(folder, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('_'))
    .map((d) => {
      const dir = path.join(folder, d.name);
      const m = JSON.parse(readFileSync(path.join(dir, 'case.json'), 'utf8')) as Partial<Case>;
      assert.ok(Array.isArray(m.args) && m.args.length > 0, `${d.name}/case.json: args`);
      assert.ok(typeof m.why === 'string' && m.why, `${d.name}/case.json: why`);
      return { name: d.name, dir, why: m.why, args: m.args, exit: m.exit ?? exit, stderr: m.stderr ?? [], stdout: m.stdout ?? [], debug: m.debug === true };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The number of bad-input cases the fault table (docs/reliability.md) states ("… or flags (82 cases)"), and docs/testing.md ("82 broken configs"). */
function statedCount(file: string, pattern: RegExp): number {
  const m = pattern.exec(readFileSync(path.join(REPO, file), 'utf8'));
  assert.ok(m, `${file} states the number of bad-input cases (${pattern})`);
  return Number(m[1]);
}

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runChild(args: string[], cwd: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const guard = setTimeout(() => child.kill('SIGKILL'), GUARD_MS);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Run `jobs` with at most `limit` at once, results in order. */
async function bounded<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const lane = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, lane));
  return results;
}

/**
 * A run is pointed at the test's own server (`--server`), and bounded
 * (`--runtime`) in case loadsim wrongly accepts the input; flags the case sets
 * itself are left alone. They go right after the command, so a case's last
 * flag (`--seed` without its value) stays last.
 */
function withServer(args: string[], url: string): string[] {
  if (args[0] !== 'run') return args;
  const extra: string[] = [];
  if (!args.includes('--server')) extra.push('--server', url);
  if (!args.includes('--runtime')) extra.push('--runtime', '5');
  return [args[0], ...extra, ...args.slice(1)];
}

const STACK_LINE = /^\s+at /m;

const cases = loadCases(CORPUS, 2);
const allowed = loadCases(ALLOWED, 0);
let server: net.Server;
let connections = 0;
let url = '';
let outcomes = new Map<string, { plain: Outcome; debug?: Outcome; args: string[] }>();

before(async () => {
  // The stand-in server: it counts connections and answers nothing.
  server = net.createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  const jobs = [...cases, ...allowed].flatMap((c) => {
    const args = withServer(c.args, url);
    const list: (() => Promise<[string, 'plain' | 'debug', Outcome, string[]]>)[] = [async () => [c.name, 'plain', await runChild(args, c.dir), args]];
    if (c.debug) list.push(async () => [c.name, 'debug', await runChild([...args, '--debug'], c.dir), args]);
    return list;
  });
  outcomes = new Map();
  for (const [name, kind, outcome, args] of await bounded(jobs, CONCURRENCY)) {
    const entry = outcomes.get(name) ?? { plain: outcome, args };
    if (kind === 'plain') entry.plain = outcome;
    else entry.debug = outcome;
    outcomes.set(name, entry);
  }
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

function check(c: Case): void {
  const o = outcomes.get(c.name)!;
  const shown = `loadsim ${o.args.join(' ')}  (in ${path.relative(REPO, c.dir)})\nexit ${o.plain.code} ${o.plain.signal ?? ''}\n--- stdout\n${o.plain.stdout}\n--- stderr\n${o.plain.stderr}`;
  assert.equal(o.plain.code, c.exit, `expected exit ${c.exit}\n${shown}`);
  for (const p of c.stderr) assert.match(o.plain.stderr, new RegExp(p, 'm'), shown);
  for (const p of c.stdout) assert.match(o.plain.stdout, new RegExp(p, 'm'), shown);
  assert.doesNotMatch(o.plain.stderr, STACK_LINE, `a stack trace without --debug\n${shown}`);
  if (c.exit === 2) assert.match(o.plain.stderr, /nothing was sent|^loadsim: /m, shown);
  if (c.debug) {
    const d = o.debug!;
    assert.equal(d.code, c.exit, `with --debug\n${d.stderr}`);
    assert.match(d.stderr, STACK_LINE, `--debug shows the stack\n${d.stderr}`);
    for (const p of c.stderr) assert.match(d.stderr, new RegExp(p, 'm'), d.stderr);
  }
}

describe('the bad-input corpus (test/fixtures/bad/)', () => {
  it('has as many cases as docs/reliability.md and docs/testing.md say, each refused with exit 2 and a message past the key path', () => {
    assert.equal(cases.length, statedCount('docs/reliability.md', /broken config, clients, accounts or flags \((\d+) cases\)/), 'the fault table\'s count (docs/reliability.md)');
    assert.equal(cases.length, statedCount('docs/testing.md', /(\d+) broken configs/), 'docs/testing.md\'s count');
    assert.deepEqual(cases.filter((c) => c.exit !== 2).map((c) => c.name), [], 'every case of the corpus is refused (exit 2); allowed input goes in test/fixtures/allowed/');
    assert.ok(cases.filter((c) => c.debug).length >= 3, 'at least three cases check --debug');
    // `file: key.path: what was expected`: a pattern that stops at the key path would pass on any message.
    const stopsAtKey = cases.filter((c) => c.stderr.length === 0 || c.stderr.some((p) => /:\s*$/.test(p))).map((c) => c.name);
    assert.deepEqual(stopsAtKey, [], 'cases whose expected message stops at the key path');
  });

  for (const c of cases) it(`${c.name}: ${c.why}`, () => check(c));

  it('sent nothing: no connection reached the server of any run', () => {
    assert.ok(url, 'the server was started');
    assert.equal(connections, 0);
  });
});

describe('allowed input (test/fixtures/allowed/)', () => {
  for (const c of allowed) it(`${c.name}: ${c.why}`, () => check(c));
});

