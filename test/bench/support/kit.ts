/**
 * What every benchmark of `npm run bench` shares: the conditions it ran
 * under, CPU and memory of processes read from /proc, the embedded testbed
 * in a process of its own, free ports, Debian peers installed on demand,
 * and the results folder.
 *
 * Not a test file (see run-all.ts): importing it does nothing.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(fileURLToPath(new URL('../../../../', import.meta.url)));
export const CLI = path.join(REPO, 'dist/lib/cli/main.js');
export const RESULTS_DIR = path.join(REPO, 'test/bench/results');

export const r1 = (x: number) => Math.round(x * 10) / 10;
export const r2 = (x: number) => Math.round(x * 100) / 100;
export const r3 = (x: number) => Math.round(x * 1000) / 1000;

export function numberFromEnv(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!(n > 0)) throw new Error(`${name}: expected a positive number, got "${v}"`);
  return n;
}

/** The machine and software a figure was measured on; every result file carries it. */
export interface Conditions {
  date: string;
  node: string;
  cpuModel: string;
  cores: number;
  platform: string;
  memoryGB: number;
}

export function conditions(): Conditions {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    // os.cpus(): availableParallelism() counts the cores this process may use, one once it is pinned.
    cores: os.cpus().length,
    platform: `${os.platform()} ${os.release()}`,
    memoryGB: r1(os.totalmem() / 2 ** 30),
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Fields of /proc/PID/stat after the command's ")", so field n (1-based, as proc(5) numbers them) is f[n - 3]. */
function statFields(pid: number | 'self'): string[] | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process has used, or 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  const f = statFields(pid);
  return f ? (Number(f[14 - 3]) + Number(f[15 - 3])) / CLK_TCK : 0;
}

/** This process's reaped children's CPU (cutime + cstime): exact for a child once it has ended. */
export function childrenCpuSeconds(): number {
  const f = statFields('self')!;
  return (Number(f[16 - 3]) + Number(f[17 - 3])) / CLK_TCK;
}

/** Resident set size of a process, bytes (VmRSS), or 0 once it is gone. */
export function rssBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The process and every process under it. */
export function processTree(pid: number): number[] {
  const all = [pid];
  for (let i = 0; i < all.length; i++) {
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${all[i]}/task`);
    } catch {
      continue;
    }
    for (const t of tasks) {
      try {
        for (const c of readFileSync(`/proc/${all[i]}/task/${t}/children`, 'utf8').trim().split(/\s+/)) if (c) all.push(Number(c));
      } catch {
        // gone meanwhile
      }
    }
  }
  return all;
}

/** CPU seconds of a process and everything under it, now. */
export function treeCpuSeconds(pid: number): number {
  return processTree(pid).reduce((s, p) => s + cpuSeconds(p), 0);
}

/**
 * Seconds the process's main thread has spent runnable but waiting for a CPU
 * (/proc/PID/schedstat, field 2): on a pinned core, the time a neighbour took.
 * A generator's lag includes it, and it is not the generator's doing. 0 once gone.
 */
export function runQueueWaitSeconds(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e9;
  } catch {
    return 0;
  }
}

/** Seconds some task of the machine waited for a CPU (/proc/pressure/cpu, "some" total), or null without PSI. */
export function cpuPressureSeconds(): number | null {
  try {
    const m = /^some .*total=(\d+)/m.exec(readFileSync('/proc/pressure/cpu', 'utf8'));
    return m ? Number(m[1]) / 1e6 : null;
  } catch {
    return null;
  }
}

/** CPU seconds the whole machine spent busy, and stolen by the hypervisor, from /proc/stat. */
export function machineSeconds(): { busy: number; steal: number } {
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice (guest time is inside user)
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const at = (i: number) => f[i] ?? 0;
  return { busy: (at(0) + at(1) + at(2) + at(5) + at(6)) / CLK_TCK, steal: at(7) / CLK_TCK };
}

/**
 * Pinning: every benchmark runs the generator (loadsim, or the peer being
 * measured) on one core and the testbed on another, with `taskset`, so that
 * each process's CPU is its own and neither waits for the other's turn on a
 * shared core (issue #22). The benchmark's own process (which only reads
 * /proc and the time series) runs on the testbed's core, leaving the
 * generator's core to the generator. LOADSIM_BENCH_GENERATOR_CORE and
 * LOADSIM_BENCH_TESTBED_CORE choose other cores; LOADSIM_BENCH_PIN=0 turns
 * pinning off (to compare; the table then says so).
 */
export const GENERATOR_CORE = Number(process.env.LOADSIM_BENCH_GENERATOR_CORE ?? 0);
export const TESTBED_CORE = Number(process.env.LOADSIM_BENCH_TESTBED_CORE ?? 1);
export const pinningOn = process.env.LOADSIM_BENCH_PIN !== '0';

/** `command args` run on `role`'s core (taskset execs the command, so the child's pid is the command's own). */
export function pinned(role: 'generator' | 'testbed', command: string, args: string[]): [string, string[]] {
  if (!pinningOn) return [command, args];
  return ['taskset', ['-c', String(role === 'generator' ? GENERATOR_CORE : TESTBED_CORE), command, ...args]];
}

/** How the processes were placed, for the conditions and the table. */
export function pinningText(): string {
  return pinningOn ? `generator (and each peer) pinned to core ${GENERATOR_CORE}, the testbed to core ${TESTBED_CORE} (taskset)` : 'not pinned (LOADSIM_BENCH_PIN=0): generator and testbed share the cores';
}

/**
 * Checks that the benchmarks can pin (taskset from util-linux, installed with
 * apt-get when missing and this is root; two distinct cores that this process
 * may use) and moves this process to the testbed's core. Throws, saying why,
 * when it cannot: figures measured unpinned are not comparable with the targets.
 */
export function ensurePinning(log: (line: string) => void): void {
  if (!pinningOn) return;
  const missing = ensureTool('taskset', 'util-linux', log);
  if (missing) throw new Error(`the benchmarks pin the generator and the testbed each to its own core with taskset: ${missing} (LOADSIM_BENCH_PIN=0 runs them unpinned)`);
  const cores = os.availableParallelism();
  if (GENERATOR_CORE === TESTBED_CORE || cores < 2 || Math.max(GENERATOR_CORE, TESTBED_CORE) >= cores) {
    throw new Error(`the benchmarks need two distinct cores for the generator (${GENERATOR_CORE}) and the testbed (${TESTBED_CORE}); this process may use ${cores} (LOADSIM_BENCH_PIN=0 runs them unpinned)`);
  }
  const r = spawnSync('taskset', ['-pc', String(TESTBED_CORE), String(process.pid)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`taskset -pc ${TESTBED_CORE} ${process.pid} failed: ${(r.stderr || r.stdout).trim()}`);
}

export interface TestbedProcess {
  url: string;
  pid: number;
  /** Stats socket port, when asked for. */
  statsPort: number | null;
  stop: () => Promise<void>;
}

/** `loadsim serve` with `users` users on a free port, in its own process, until `stop()`. */
export async function startTestbedProcess(options: { users: number; statsSocket?: boolean; nodeArgs?: string[]; serveArgs?: string[] }): Promise<TestbedProcess> {
  const port = await freePort();
  const statsPort = options.statsSocket ? await freePort() : null;
  const args = [...(options.nodeArgs ?? []), CLI, 'serve', '--port', String(port), '--users', String(options.users), ...(statsPort ? ['--stats-port', String(statsPort)] : []), ...(options.serveArgs ?? [])];
  const [command, pinnedArgs] = pinned('testbed', process.execPath, args);
  const server = spawn(command, pinnedArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  server.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<void>((resolve) => server.on('exit', () => resolve()));
  const kill = () => {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGTERM');
  };
  process.once('exit', kill);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    server.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (/^ready$/m.test(out)) resolve();
    });
    server.on('exit', (code) => reject(new Error(`loadsim serve exited with ${code} before it was ready: ${stderr}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: server.pid!,
    statsPort,
    stop: async () => {
      kill();
      await exited;
      process.removeListener('exit', kill);
    },
  };
}

/**
 * A Debian peer's command (wrk, locust, tsung): there already, or installed
 * with apt-get when this runs as root. Returns null when usable, or why not.
 */
export function ensureTool(command: string, debianPackage: string, log: (line: string) => void): string | null {
  const has = () => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
  if (has()) return null;
  if (process.getuid?.() !== 0) return `${command} is not installed (apt-get install ${debianPackage}; this is not root, so the benchmark did not)`;
  log(`installing ${debianPackage} from Debian (apt-get) …`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', debianPackage], { env, encoding: 'utf8' });
  if (r.status !== 0) {
    spawnSync('apt-get', ['update', '-q'], { env, stdio: 'ignore' });
    r = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', debianPackage], { env, encoding: 'utf8' });
  }
  if (r.status !== 0) return `apt-get install ${debianPackage} failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' ')}`;
  return has() ? null : `${debianPackage} installed, but there is no ${command} command`;
}

/** The version line a tool prints, for the conditions. */
export function toolVersion(command: string, args: string[]): string {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0] ?? 'unknown';
}

/** Write test/bench/results/NAME.json. */
export function writeResult(name: string, doc: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  return file;
}

/** A plain table: the first column left-aligned, the others right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const cells = [header, ...rows];
  const widths = header.map((_, j) => Math.max(...cells.map((r) => (r[j] ?? '').length)));
  return cells.map((r) => r.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  ')).join('\n');
}

/** Node 20's `node --test dist/test/` runs every .js under a folder named test; there (NODE_TEST_CONTEXT set) a benchmark does nothing. */
export const underTestRunner = process.env.NODE_TEST_CONTEXT !== undefined;
