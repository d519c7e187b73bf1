#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, LoadsimError, UsageError } from '../core/errors.js';
import { EXIT } from './exit-codes.js';
import { loadsimVersion } from '../core/version.js';
import { loadChecked, validateCommand } from './validate-command.js';
import type { ServeFlags } from './serve-command.js';
import type { InitFlags } from './init-command.js';
import { MAX_WAIT_SECONDS } from '../params/limits.js';
import { LineBatcher } from './line-batcher.js';

const USAGE = `usage: loadsim <command> [options]

commands:
  init      --server URL --users N [--principal-path /principals/users/%s/] [--dir DIR] [--force]
            write a commented starter config.plist, clients.plist and accounts.csv for
            your server, for validate and run (overwrites existing ones only with --force)
  validate  --config config.plist --clients clients.plist
            load and check everything, print what a run would do (exit 0), or every
            problem as file: key.path: message (exit 2)
  demo      [--runtime 60] [result flags] the default simulation against the embedded testbed
  run       --config C --clients K [--runtime S] [--seed X] [--server URL] [--quiet]
            the simulation, its report and verdict (exit 0 PASS, 1 FAIL); the default command
            [--insecure] accept self-signed certificates; [--timeout S] per request (default 60)
            [--generation 2013|master] reproduce that generation's behaviour (validate too;
            default: the config's \`generation\` key, else its shape)
            result flags:
            [--json FILE]            the result document (report, compare and merge read it)
            [--interval S]           seconds per time-series interval (default 10, reportInterval)
            [--timeseries FILE]      NDJSON, one record per interval, written as the run goes
            [--html FILE]            a self-contained HTML report with charts
            [--junit FILE]           JUnit XML: a test case per label and rule
            [--jtl FILE]             JMeter-compatible CSV of every response
            [--results-db sqlite:FILE]  append the run to a SQLite database
            [--post-run CMD]         run CMD after the report (postRunScript), files in LOADSIM_* env
            [--metrics HOST:PORT]    serve Prometheus /metrics while the run goes (metricsListen;
                                     PORT alone listens on 127.0.0.1)
            [--otlp URL]             push the same metrics over OTLP/HTTP (metricsOTLP)
            [--workers N|auto]       a manager of N local worker processes (config: workers)
            [--worker-index I --worker-count N]  simulate only users n with n % N == I
  merge     PART.json… [--json F] [--html F] [--junit F]
            one result from slices of a run: histograms merged, the verdict judged again
  report    RESULT.json [--html F] [--junit F] [--json F]
            print a saved run's report again and write other forms of it
  compare   BASE.json NEW.json [--max-regression 10%] [--min-delta-ms 1] [--max-failure-increase 1]
            per label, p50/p95/p99 and failure rate side by side; exit 1 on a regression
  serve     [--host 127.0.0.1] [--port 8008] [--stats-port 8100] [--stats-legacy]
            [--amp-port 62311] [--users N | --accounts accounts.csv] [--realm R] [--delay MS] [--keep-alive S]
            [--well-known redirect|404|500|html] [--principals per-user|hidden]
            [--notifications collection|absent|403|404] [--sync-level optional|required]
            the embedded CalDAV testbed server, until Ctrl-C; the last four make it answer as
            other CalDAV servers do
  worker    the worker end of a multi-process run: the line protocol on stdin/stdout

global flags:
  --debug   show the stack trace behind an error (bad input is otherwise one line each)

Without --config, loadsim uses its own defaults in config/ (our config.plist and
clients.plist). Exit codes: 0 pass/valid, 1 fail, 2 bad input, 130 a second Ctrl-C.`;


type Options = NonNullable<ParseArgsConfig['options']>;
const COMMON = { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean' } } as const satisfies Options;
const CONFIG = { config: { type: 'string' }, clients: { type: 'string' }, insecure: { type: 'boolean' }, timeout: { type: 'string' }, generation: { type: 'string' } } as const satisfies Options;
const RESULTS = {
  json: { type: 'string' },
  interval: { type: 'string' },
  timeseries: { type: 'string' },
  html: { type: 'string' },
  junit: { type: 'string' },
  jtl: { type: 'string' },
  'results-db': { type: 'string' },
  'post-run': { type: 'string' },
  metrics: { type: 'string' },
  otlp: { type: 'string' },
  quiet: { type: 'boolean' },
} as const satisfies Options;
/** Commands that take file names as positionals. */
const POSITIONALS = new Set(['report', 'compare', 'merge']);
/** The flags each command takes; any other flag is a usage error (exit 2). */
const COMMAND_OPTIONS = {
  init: { ...COMMON, server: { type: 'string' }, users: { type: 'string' }, 'principal-path': { type: 'string' }, dir: { type: 'string' }, force: { type: 'boolean' } },
  validate: { ...COMMON, ...CONFIG },
  demo: { ...COMMON, ...RESULTS, runtime: { type: 'string' } },
  run: { ...COMMON, ...CONFIG, ...RESULTS, runtime: { type: 'string' }, seed: { type: 'string' }, server: { type: 'string' }, 'worker-index': { type: 'string' }, 'worker-count': { type: 'string' }, workers: { type: 'string' } },
  worker: { ...COMMON },
  merge: { ...COMMON, html: { type: 'string' }, junit: { type: 'string' }, json: { type: 'string' } },
  report: { ...COMMON, html: { type: 'string' }, junit: { type: 'string' }, json: { type: 'string' } },
  compare: { ...COMMON, 'max-regression': { type: 'string' }, 'min-delta-ms': { type: 'string' }, 'max-failure-increase': { type: 'string' } },
  serve: {
    ...COMMON,
    host: { type: 'string' },
    port: { type: 'string' },
    'stats-port': { type: 'string' },
    'stats-legacy': { type: 'boolean' },
    'amp-port': { type: 'string' },
    users: { type: 'string' },
    accounts: { type: 'string' },
    realm: { type: 'string' },
    delay: { type: 'string' },
    'keep-alive': { type: 'string' },
    'well-known': { type: 'string' },
    principals: { type: 'string' },
    notifications: { type: 'string' },
    'sync-level': { type: 'string' },
  },
} as const satisfies Record<string, Options>;

/*
 * The commands' own modules (the simulator, HTTP client, testbed, report
 * writers) are imported when their command runs, not at start: bad input is
 * refused after loading only the config reader, in half the time, and
 * `validate` never loads the simulator at all.
 */
const runModule = () => import('./run-command.js');
const reportModule = () => import('./report-command.js');


const DECIMAL = /^[+]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** `--runtime` and `--timeout`: a finite number of seconds, > 0 and no longer than one timer can wait (limits.ts). */
function checkSeconds(flag: string, value: string | boolean | undefined): void {
  if (value === undefined) return;
  const n = Number(value);
  // Decimal only: Number() would also take 0x10, 0b11 and 0o7, which nobody means as seconds.
  if (!(typeof value === 'string' && DECIMAL.test(value.trim()) && Number.isFinite(n) && n > 0 && n <= MAX_WAIT_SECONDS)) {
    throw new UsageError(`--${flag}: expected a positive number of seconds up to ${MAX_WAIT_SECONDS} (24 days), got "${value}"`);
  }
}

/**
 * `--runtime -1` as `--runtime=-1`: node's parser takes "-1" for a flag and
 * answers "ambiguous"; a negative number is a value (no loadsim flag looks
 * like one), so its check can say what was wrong with it.
 */
function joinNegativeValues(args: string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = args[i + 1];
    const name = a.startsWith('--') ? a.slice(2) : undefined;
    if (name && options[name]?.type === 'string' && next !== undefined && /^-(\d|\.\d|Infinity|NaN)/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** Print an exception's stack for `--debug`: the error's own, then those of the problems' causes. */
function printStacks(e: unknown, err: (s: string) => void): void {
  err(e instanceof Error && e.stack ? e.stack : String(e));
  if (e instanceof ConfigError) {
    for (const p of e.problems) if (p.cause !== undefined) err(`caused by (${p.file}: ${p.path}): ${p.cause instanceof Error && p.cause.stack ? p.cause.stack : String(p.cause)}`);
  }
}

export interface MainOptions {
  cwd?: string;
  out?: (s: string) => void;
  err?: (s: string) => void;
  /** Ends long-running commands (serve); the CLI wires SIGINT/SIGTERM to it. */
  signal?: AbortSignal;
}

export async function main(argv: string[], opts: MainOptions = {}): Promise<number> {
  const cwd = opts.cwd ?? process.cwd();
  const out = opts.out ?? ((s: string) => console.log(s));
  const err = opts.err ?? ((s: string) => console.error(s));
  // `--debug` is global: any command, any position.
  const debug = argv.includes('--debug');
  argv = argv.filter((a) => a !== '--debug');
  try {
    const first = argv[0];
    const command = first !== undefined && !first.startsWith('-') ? first : 'run';
    const rest = first === command ? argv.slice(1) : argv;
    if (command === 'help') return out(USAGE), EXIT.ok;
    const known = COMMAND_OPTIONS[command as keyof typeof COMMAND_OPTIONS];
    if (!known) {
      throw new UsageError(`unknown command "${command}"; commands: init, validate, demo, run, report, compare, merge, serve, worker`);
    }
    let values: Record<string, string | boolean | undefined>;
    let positionals: string[];
    try {
      const parsed = parseArgs({ args: joinNegativeValues(rest, known), options: known, allowPositionals: POSITIONALS.has(command), strict: true });
      values = parsed.values as Record<string, string | boolean | undefined>;
      positionals = parsed.positionals;
    } catch (e) {
      throw new UsageError(`${command}: ${(e as Error).message.replace(/\. To specify a positional argument.*$/s, '')}`);
    }
    if (values.help) return out(USAGE), EXIT.ok;
    if (values.version) return out(loadsimVersion()), EXIT.ok;
    checkSeconds('runtime', values.runtime);
    checkSeconds('timeout', values.timeout);
    // `--seed=` (or `--seed ""`) is a slip, not a seed: every run would replay the same empty-seed streams.
    if (values.seed !== undefined && String(values.seed).trim() === '') throw new UsageError('--seed: expected a non-empty seed (any text or number), got ""');
    const flags = values as Record<string, string | undefined>;

    switch (command) {
      case 'init':
        (await import('./init-command.js')).initCommand(values as InitFlags, cwd, out);
        return EXIT.ok;
      case 'validate':
        await validateCommand(flags, cwd, out, err);
        return EXIT.ok;
      case 'demo': {
        const { config } = await loadChecked({}, cwd, err);
        const { demoCommand } = await runModule();
        return await demoCommand(config, values.runtime !== undefined ? Number(values.runtime) : 60, out, err, opts.signal ?? new AbortController().signal, flags);
      }
      case 'run': {
        // Bad input is refused first, with exit 2, before anything is sent.
        const { config } = await loadChecked(flags, cwd, err);
        const { runCommand } = await runModule();
        return await runCommand(config, flags, out, err, opts.signal ?? new AbortController().signal);
      }
      case 'report':
        return await (await reportModule()).reportCommand(positionals, flags, out, err);
      case 'merge':
        return await (await reportModule()).mergeCommand(positionals, flags, out, err);
      case 'worker': {
        const { runWorker } = await import('../workers/worker.js');
        return await runWorker({ input: process.stdin, send: (m) => void process.stdout.write(`${JSON.stringify(m)}\n`), log: err, ...(opts.signal ? { signal: opts.signal } : {}) });
      }
      case 'compare':
        return (await reportModule()).compareCommand(positionals, flags, out, err);
      case 'serve': {
        const { serveCommand } = await import('./serve-command.js');
        await serveCommand(values as ServeFlags, cwd, out, opts.signal ?? new AbortController().signal);
        return EXIT.ok;
      }
    }
    return EXIT.ok;
  } catch (e) {
    if (debug && e instanceof LoadsimError) printStacks(e, err);
    if (e instanceof ConfigError) return EXIT.badInput; // already printed, every problem
    if (e instanceof UsageError) {
      err(`loadsim: ${e.message}\n\n${USAGE}`);
      return EXIT.badInput;
    }
    if (e instanceof LoadsimError) {
      err(`loadsim: ${e.message}`);
      return EXIT.badInput;
    }
    throw e;
  }
}

// Run when executed as the `loadsim` command (npm's bin link resolves to this file), not when imported.
function isEntryPoint(): boolean {
  try {
    return !!process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}
if (isEntryPoint()) {
  // Output nobody reads any more (`loadsim run | head`, a parent that died): EPIPE on stdout or
  // stderr is not an error of the run. Unhandled, it was an uncaught exception whose report,
  // written to the same closed pipe, raised another one, and so on: the process spun at 100 %
  // of a core and never reached its signal handlers. The run goes on; its result files are
  // written as usual.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
    });
  }
  const stop = new AbortController();
  let signals = 0;
  const onSignal = () => {
    // The first signal stops cleanly; a second one exits at once.
    if (++signals > 1) process.exit(EXIT.interrupted);
    stop.abort();
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  // stdout's lines in batches (line-batcher.ts); stderr at once, after the lines before it.
  // Both are flushed by `exit`, which a second signal's process.exit() also runs.
  const stdout = new LineBatcher((s) => console.log(s));
  process.on('exit', stdout.flush);
  const err = (s: string) => {
    stdout.flush();
    console.error(s);
  };
  main(process.argv.slice(2), { signal: stop.signal, out: stdout.line, err }).then(
    (code) => (process.exitCode = code),
    (e) => {
      // A bug of loadsim's, not bad input: one line, and the stack when asked for.
      stdout.flush();
      if (process.argv.includes('--debug')) console.error(e);
      else console.error(`loadsim: internal error: ${e instanceof Error ? e.message : String(e)} (run again with --debug for the stack trace)`);
      process.exitCode = 70;
    },
  );
}
