/**
 * What the peer adapters (wrk, Locust, Tsung) share: the options and result
 * every adapter has, and `runWatched`, which runs a tool and measures the
 * CPU its whole process tree spends while it sends.
 *
 * The sending period, and so the CPU that counts, is found from the outside
 * the same way for every tool: it starts at the first sample in which a
 * process of the tool's tree holds an established TCP connection to the
 * testbed's port, and ends at the first sample in which none does any more
 * (or at the tool's exit, when its sockets stay open until then). Requests
 * can only travel on those connections, so the tool's own request count and
 * this CPU cover the same period; what the tool does before (Python imports,
 * the Erlang VM's boot, reading the configuration) and after (reports,
 * shutdown) is left out. The error is one sampling interval at either end.
 * The whole run's CPU, start-up included, is measured too (the reaped
 * children's CPU of this process, before and after) and goes into the notes.
 *
 * Not a test file: importing it does nothing.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { childrenCpuSeconds, cpuSeconds, pinned, processTree } from '../support/kit.js';
import type { MixRequest } from '../support/mix.js';

export interface PeerOptions {
  /** e.g. http://127.0.0.1:34567 (the testbed). */
  url: string;
  /** Accounts user01..userNN; the mix is fullMix(users). */
  users: number;
  /** Concurrent connections / virtual users; each keeps one keep-alive connection. */
  connections: number;
  /** How long to send. */
  seconds: number;
  /** A scratch folder for generated scripts and logs (exists). */
  dir: string;
  log: (line: string) => void;
}

export type PeerTool = 'wrk' | 'locust' | 'tsung';

export interface PeerResult {
  tool: PeerTool;
  version: string;
  /** false: not installed / could not run; then `reason` says why and the numbers are 0. */
  available: boolean;
  reason?: string;
  /** Completed requests (responses received), from the tool's own output. */
  requests: number;
  /** Responses whose status was not the expected one, or errors (from the tool's own output). */
  failures: number;
  /** The sending period as measured. */
  wallSeconds: number;
  /** User + system CPU of the tool's whole process tree during the sending period, not the testbed's. */
  cpuSeconds: number;
  /** cpuSeconds * 1000 / requests. */
  cpuMsPerRequest: number;
  /** Anything a reader must know. */
  notes: string[];
}

export function unavailable(tool: PeerTool, version: string, reason: string, notes: string[] = []): PeerResult {
  return { tool, version, available: false, reason, requests: 0, failures: 0, wallSeconds: 0, cpuSeconds: 0, cpuMsPerRequest: 0, notes };
}

/** A run that sent: the tool's own counts over the sending window measured from outside. */
export function measured(tool: PeerTool, version: string, requests: number, failures: number, window: { seconds: number; cpuSeconds: number }, notes: string[]): PeerResult {
  return { tool, version, available: true, requests, failures, wallSeconds: window.seconds, cpuSeconds: window.cpuSeconds, cpuMsPerRequest: requests > 0 ? (window.cpuSeconds * 1000) / requests : 0, notes };
}

/**
 * The users whose requests are sent: connection i sends user (i mod users)+1's
 * mix, so with fewer connections than users only the first `connections`
 * users are used. Every adapter sends these users' requests and no others.
 */
export function activeUsers(mix: MixRequest[][], connections: number): MixRequest[][] {
  return mix.slice(0, Math.max(1, Math.min(mix.length, connections)));
}

/** Whole seconds, at least 1: wrk's -d and Tsung's duration take integers. */
export const wholeSeconds = (s: number) => Math.max(1, Math.round(s));

/** `ms` from now, as a promise. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** An Error's message, or whatever was thrown as text. */
export const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The last `lines` lines of a text, on one line: for reasons. */
export const tail = (text: string, lines = 3) => text.trim().split('\n').slice(-lines).join(' | ');

/** The text's last `max` characters: a tool's output is kept bounded, and its summary comes last. */
function keepTail(text: string, max = 1 << 20): string {
  return text.length > max ? text.slice(text.length - max) : text;
}

/** Socket inodes of established TCP connections whose remote port is `port` (IPv4 and IPv6 tables). */
function establishedTo(port: number): Set<string> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …; st 01 is ESTABLISHED.
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '01') continue;
      if (f[2]!.slice(f[2]!.lastIndexOf(':') + 1) === hexPort) inodes.add(f[9]!);
    }
  }
  return inodes;
}

/** Socket inodes the given processes hold open. */
function socketsOf(pids: number[]): Set<string> {
  const inodes = new Set<string>();
  for (const pid of pids) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]!);
      } catch {
        // closed meanwhile
      }
    }
  }
  return inodes;
}

/** The process group of a live process, or undefined once it is gone. */
function processGroup(pid: number): number | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command's ")": state ppid pgrp …
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return f[0] === 'Z' ? undefined : Number(f[2]);
  } catch {
    return undefined;
  }
}

/** How often runWatched reads /proc, ms: the error of the sending period's ends. */
export const SAMPLE_MS = 25;

export interface WatchOptions {
  command: string;
  args: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** The testbed's port: connections to it mark the sending period. */
  port: number;
  /** Killed (its whole process group) after this long. */
  timeoutMs: number;
  log: (line: string) => void;
  /** How often /proc is read; SAMPLE_MS by default. */
  sampleMs?: number;
}

export interface WatchedRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the command could not be started at all. */
  spawnError?: string;
  timedOut: boolean;
  /** Output, the last MiB of each. */
  stdout: string;
  stderr: string;
  /**
   * The sending period, or null if no connection to the testbed was ever
   * seen; `endedBy` says whether the tool closed its connections before it
   * exited, and `exitAfterSeconds` how long it ran on after the period.
   */
  window: { seconds: number; cpuSeconds: number; endedBy: 'connections closed' | 'exit'; exitAfterSeconds: number } | null;
  /**
   * CPU of the whole run, start-up and shutdown included: cutime + cstime of
   * this process, before and after (so it also takes in any other child of
   * this process that ended meanwhile; the benchmarks run one tool at a time).
   */
  wholeRunCpuSeconds: number;
  /** Distinct connections the tool opened to the testbed, and the most open at once. */
  connectionsOpened: number;
  maxConnections: number;
}

/**
 * Run a tool in a process group of its own, sample its tree's CPU and its
 * connections to the testbed every `sampleMs`, and kill whatever of the group
 * is left when it ends, fails or runs past `timeoutMs`. Never throws.
 */
export async function runWatched(o: WatchOptions): Promise<WatchedRun> {
  const sampleMs = o.sampleMs ?? SAMPLE_MS;
  const result: WatchedRun = {
    code: null,
    signal: null,
    timedOut: false,
    stdout: '',
    stderr: '',
    window: null,
    wholeRunCpuSeconds: 0,
    connectionsOpened: 0,
    maxConnections: 0,
  };
  const cutimeBefore = childrenCpuSeconds();
  let child: ReturnType<typeof spawn>;
  try {
    // detached: a new process group, so the tool and everything it starts
    // (Erlang's port programs, a shell's children) can be ended together.
    // On the generator's core (support/kit.ts, pinning), as loadsim is.
    child = spawn(...pinned('generator', o.command, o.args), { cwd: o.cwd, env: o.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  } catch (e) {
    result.spawnError = errorText(e);
    return result;
  }
  const exited = new Promise<void>((resolve) => {
    child.once('error', (e) => {
      result.spawnError = errorText(e);
      resolve();
    });
    child.once('close', (code, signal) => {
      result.code = code;
      result.signal = signal;
      resolve();
    });
  });
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (result.stdout = keepTail(result.stdout + d)));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (result.stderr = keepTail(result.stderr + d)));
  const pgid = child.pid;
  // Every pid seen in the tree, with the last CPU read from it: a process that
  // has exited keeps counting with what it had used when last seen.
  const lastCpu = new Map<number, number>();
  const seenSockets = new Set<string>();
  // The sending period's marks: the first sample with a connection open, the
  // last one with a connection open, and the first one after that with none
  // (cleared when connections show up again: a tool that reconnects between
  // two samples has not finished).
  type Mark = { t: number; cpu: number };
  const marks: { start: Mark | null; last: Mark | null; end: Mark | null } = { start: null, last: null, end: null };
  const sample = () => {
    if (pgid === undefined) return;
    const t = performance.now();
    const pids = processTree(pgid);
    for (const p of pids) {
      const c = cpuSeconds(p);
      if (c > 0 || !lastCpu.has(p)) lastCpu.set(p, Math.max(c, lastCpu.get(p) ?? 0));
    }
    let cpu = 0;
    for (const c of lastCpu.values()) cpu += c;
    const toTestbed = establishedTo(o.port);
    let open = 0;
    for (const inode of socketsOf(pids)) {
      if (!toTestbed.has(inode)) continue;
      open++;
      seenSockets.add(inode);
    }
    result.maxConnections = Math.max(result.maxConnections, open);
    if (open > 0) {
      marks.start ??= { t, cpu };
      marks.last = { t, cpu };
      marks.end = null;
    } else if (marks.start && !marks.end) marks.end = { t, cpu };
  };
  // Only this run's own group, and only while a process we saw is still in it.
  const killGroup = (signal: NodeJS.Signals) => {
    if (pgid === undefined) return;
    const alive = [pgid, ...lastCpu.keys()].some((p) => processGroup(p) === pgid);
    if (!alive) return;
    try {
      process.kill(-pgid, signal);
    } catch {
      // gone meanwhile
    }
  };
  const timer = setInterval(() => {
    try {
      sample();
    } catch (e) {
      o.log(`${o.command}: sampling /proc failed: ${errorText(e)}`);
    }
  }, sampleMs);
  let killTimer: NodeJS.Timeout | undefined;
  let exitAt = 0;
  const deadline = setTimeout(() => {
    result.timedOut = true;
    o.log(`${o.command}: still running after ${Math.round(o.timeoutMs / 1000)} s, stopping it`);
    killGroup('SIGTERM');
    killTimer = setTimeout(() => killGroup('SIGKILL'), 3000);
  }, o.timeoutMs);
  try {
    await exited;
  } finally {
    exitAt = performance.now();
    clearInterval(timer);
    clearTimeout(deadline);
    if (killTimer) clearTimeout(killTimer);
    // Anything the tool left behind in its group (it should be none).
    killGroup('SIGKILL');
  }
  if (marks.start) {
    // Connections still open at exit: the period ends with the last sample that saw them.
    const stop = marks.end ?? marks.last ?? marks.start;
    result.window = {
      seconds: (stop.t - marks.start.t) / 1000,
      cpuSeconds: stop.cpu - marks.start.cpu,
      endedBy: marks.end ? 'connections closed' : 'exit',
      exitAfterSeconds: Math.max(0, (exitAt - stop.t) / 1000),
    };
  }
  result.connectionsOpened = seenSockets.size;
  result.wholeRunCpuSeconds = childrenCpuSeconds() - cutimeBefore;
  return result;
}

/** The notes every adapter adds about how it was measured. */
export function measurementNotes(run: WatchedRun, connections: number): string[] {
  const notes = [
    `CPU and wall time cover the sending period only: from the first sample (every ${SAMPLE_MS} ms) in which the tool held a connection to the testbed to the first in which it held none (or its exit); start-up and shutdown are left out`,
    `the period ended when the tool ${run.window?.endedBy === 'exit' ? 'exited (its connections stayed open until then)' : 'closed its connections'}; it exited ${(run.window?.exitAfterSeconds ?? 0).toFixed(2)} s later`,
    `whole run including start-up and shutdown: ${run.wholeRunCpuSeconds.toFixed(2)} CPU-s (cutime of this process)`,
    `connections to the testbed: ${run.connectionsOpened} opened, at most ${run.maxConnections} at once (asked: ${connections})`,
  ];
  if (run.connectionsOpened > connections) notes.push(`more connections opened than asked (${run.connectionsOpened} > ${connections}): some were not kept alive`);
  return notes;
}
