import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { RealClock, type Clock, type Timer } from '../core/clock.js';
import { parseResultsDbTarget } from './results-db.js';

export interface PostRunOptions {
  /** Working directory of the command (default: the current one). */
  cwd?: string;
  /** How long the command may run before its process group is terminated, ms (default 10 minutes). */
  timeoutMs?: number;
  /** After SIGTERM, how long before SIGKILL, ms (default 5 s). */
  killGraceMs?: number;
  /** When given, the command's standard output and error go here line by line, instead of to ours. */
  out?: (line: string) => void;
  /** Aborting it (the user pressed Ctrl-C) terminates the command as a timeout does. */
  signal?: AbortSignal;
  clock?: Clock;
}

export interface PostRunResult {
  /** The command's exit code; null when a signal ended it. */
  exitCode: number | null;
  signal: string | null;
  /** It ran past `timeoutMs` (or was aborted) and was terminated. */
  timedOut: boolean;
}

/** The result files of a run, as the CLI knows them (relative paths are fine). */
export interface PostRunFiles {
  json?: string;
  html?: string;
  junit?: string;
  timeseries?: string;
  jtl?: string;
  /** The `--results-db` target (`sqlite:FILE` or a path): the variable gets the file's path. */
  resultsDb?: string;
}

const FILE_VARIABLES: Record<keyof PostRunFiles, string> = {
  json: 'LOADSIM_JSON',
  html: 'LOADSIM_HTML',
  junit: 'LOADSIM_JUNIT',
  timeseries: 'LOADSIM_TIMESERIES',
  jtl: 'LOADSIM_JTL',
  resultsDb: 'LOADSIM_RESULTS_DB',
};

/**
 * The variables a post-run command sees: `LOADSIM_VERDICT` (PASS or FAIL),
 * `LOADSIM_EXIT_CODE` (what loadsim will exit with) and, for each result
 * file the run wrote, its absolute path — absolute because the command may
 * change directory, and a script can test `[ -n "$LOADSIM_JTL" ]` since
 * absent files are left out rather than set empty.
 */
export function postRunEnvironment(files: PostRunFiles, verdict: string, exitCode: number): Record<string, string> {
  const env: Record<string, string> = { LOADSIM_VERDICT: verdict, LOADSIM_EXIT_CODE: String(exitCode) };
  for (const key of Object.keys(FILE_VARIABLES) as (keyof PostRunFiles)[]) {
    const value = files[key];
    if (!value) continue;
    env[FILE_VARIABLES[key]] = key === 'resultsDb' ? parseResultsDbTarget(value) : path.resolve(value);
  }
  return env;
}

/**
 * `postRunScript` / `--post-run CMD`: run a command through `/bin/sh -c`
 * once the report is written, with the result files in its environment
 * (upload them, post to chat, open a ticket).
 *
 * The command gets its own process group, so a timeout (or an abort) ends
 * everything it started — SIGTERM first, SIGKILL if it lingers — not just the
 * shell. Its standard input is closed: nobody is there to answer it at the
 * end of a run, and a background process group reading the terminal would
 * stop. Resolves when it has ended; rejects only when it could not start.
 */
export function runPostRun(command: string, env: Record<string, string>, options: PostRunOptions = {}): Promise<PostRunResult> {
  const clock = options.clock ?? new RealClock();
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  const killGraceMs = options.killGraceMs ?? 5000;
  const out = options.out;

  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], {
      cwd: options.cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', out ? 'pipe' : 'inherit', out ? 'pipe' : 'inherit'],
      detached: true,
    });
    let timedOut = false;
    let settled = false;
    const timers: Timer[] = [];

    const killGroup = (sig: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        // The group is gone already.
      }
    };
    const terminate = (): void => {
      if (timedOut || settled) return;
      timedOut = true;
      killGroup('SIGTERM');
      timers.push(clock.setTimer(killGraceMs, () => killGroup('SIGKILL')));
    };
    const finish = (): void => {
      settled = true;
      for (const t of timers) t.cancel();
      options.signal?.removeEventListener('abort', terminate);
    };

    if (out) {
      for (const stream of [child.stdout, child.stderr]) {
        if (stream) createInterface({ input: stream, crlfDelay: Infinity }).on('line', out);
      }
    }

    child.once('error', (err) => {
      if (settled) return;
      finish();
      reject(new Error(`the post-run command could not start: ${err.message}`, { cause: err }));
    });
    child.once('exit', () => {
      // A process the command left in the background may hold the pipes open
      // after the shell exits: stop waiting for its output after a moment.
      if (out) timers.push(clock.setTimer(1000, () => (child.stdout?.destroy(), child.stderr?.destroy())));
    });
    child.once('close', (code, sig) => {
      if (settled) return;
      finish();
      resolve({ exitCode: code, signal: sig, timedOut });
    });

    timers.push(clock.setTimer(timeoutMs, terminate));
    if (options.signal?.aborted) terminate();
    else options.signal?.addEventListener('abort', terminate, { once: true });
  });
}
