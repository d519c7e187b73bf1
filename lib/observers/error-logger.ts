import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FileParam, ParamValues } from '../params/param-spec.js';
import type { ResponseEvent, SimEvent } from '../core/events.js';
import { fixed } from '../core/format.js';
import type { Observer, ObserverContext, ReportContext } from '../registry/observer.js';
import { withoutCredentials } from './request-logger.js';

export interface ErrorLoggerOptions {
  /** Folder for the files; created if missing, and its files from an earlier run removed. */
  directory: string;
  /** Seconds above which a successful response is logged as slow (default 10). */
  durationThreshold?: number;
  /** Where the "logged to <file>" notices go. */
  out: (line: string) => void;
}

/** The files this observer writes; only these are ever removed. */
const OWN_FILE = /^(error|duration)-\d{8}\.txt$/;

/**
 * A file per failed response (`error-%08d.txt`) and per successful response
 * slower than `durationThreshold` (`duration-%08d.txt`), the original's
 * ErrorLogger (the original's ical.py), each with what the event knows: status, URL,
 * method, user, client, duration, error. Events carry no headers or bodies,
 * so no Authorization header (nor any other credential) can reach a file,
 * and URLs are written without `user:password@`.
 *
 * The original deleted and recreated the whole folder at start; a mistyped
 * `directory` (a home folder) would have lost everything in it, so we remove
 * only our own files from an earlier run and leave anything else alone.
 */
export class ErrorLogger implements Observer {
  readonly directory: string;
  readonly durationThreshold: number;
  private readonly out: (line: string) => void;
  private counter = 0;
  private readonly pending = new Set<Promise<void>>();
  private writeError: string | undefined;

  constructor(options: ErrorLoggerOptions) {
    this.directory = options.directory;
    this.durationThreshold = options.durationThreshold ?? 10.0;
    this.out = options.out;
    mkdirSync(this.directory, { recursive: true });
    for (const name of readdirSync(this.directory)) if (OWN_FILE.test(name)) rmSync(path.join(this.directory, name), { force: true });
  }

  /** From validated config params (`directory`, `durationThreshold`). */
  static fromParams(values: ParamValues, ctx: ObserverContext): ErrorLogger {
    const directory = values.directory as FileParam | undefined;
    if (!directory) throw new Error('ErrorLogger: directory is required');
    return new ErrorLogger({
      directory: directory.abs,
      ...(typeof values.durationThreshold === 'number' ? { durationThreshold: values.durationThreshold } : {}),
      out: ctx.out,
    });
  }

  observe(event: SimEvent): void {
    if (event.type !== 'response') return;
    const seconds = event.durationMs / 1000;
    if (!event.success) {
      const file = this.write('error', describe(event));
      this.out(`Incorrect Response Code logged to ${file}`);
    } else if (seconds > this.durationThreshold) {
      const file = this.write('duration', [`LONG RESPONSE: ${fixed(seconds, 1)} sec`, ...describe(event)]);
      this.out(`Long Duration logged to ${file}`);
    }
  }

  report(_out: (line: string) => void, _ctx: ReportContext): void {}

  failures(): string[] {
    return [];
  }

  /** Wait for every file to be written. */
  async close(): Promise<void> {
    await Promise.all(this.pending);
  }

  /** Files are written asynchronously: a slow disk must not stall the clients' event loop. */
  private write(kind: 'error' | 'duration', lines: string[]): string {
    const file = path.join(this.directory, `${kind}-${String(++this.counter).padStart(8, '0')}.txt`);
    const p = writeFile(file, `${lines.join('\n')}\n`)
      .catch((e: Error) => {
        // Say it once; the run goes on.
        if (this.writeError === undefined) {
          this.writeError = e.message;
          this.out(`ErrorLogger: cannot write ${file}: ${e.message}`);
        }
      })
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
    return file;
  }
}

function describe(e: ResponseEvent): string[] {
  return [
    `RESPONSE CODE: ${e.status}`,
    `URL: ${withoutCredentials(e.url)}`,
    `METHOD: ${e.label}${e.label === e.method ? '' : ` (${e.method})`}`,
    `USER: ${e.user}`,
    `CLIENT: ${e.clientType} ${e.clientId}`,
    `DURATION: ${fixed(e.durationMs / 1000, 3)} sec`,
    ...(e.error ? [`ERROR: ${e.error}`] : []),
    `AT: ${Number.isFinite(e.at) ? new Date(e.at).toISOString() : String(e.at)}`,
  ];
}
