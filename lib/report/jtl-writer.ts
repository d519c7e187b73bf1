import { close as closeFd, constants, fsync, mkdirSync, openSync, write } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import path from 'node:path';
import type { Clock, Timer } from '../core/clock.js';
import type { ResponseEvent, SimEvent } from '../core/events.js';

/**
 * The columns of JMeter's default CSV results file, in its order. JMeter's
 * dashboard generator and the tools built on JTL files read the header line
 * to find each column, so the names and their spelling must match exactly.
 */
export const JTL_COLUMNS = [
  'timeStamp',
  'elapsed',
  'label',
  'responseCode',
  'responseMessage',
  'threadName',
  'dataType',
  'success',
  'failureMessage',
  'bytes',
  'sentBytes',
  'grpThreads',
  'allThreads',
  'URL',
  'Latency',
  'IdleTime',
  'Connect',
] as const;

export interface JtlWriterOptions {
  /** Writes pending rows at most `flushIntervalMs` after they were observed, so a quiet run still reaches the disk as it goes. */
  clock?: Clock;
  /** With `clock`: how long a row may wait in memory, ms (default 1000). */
  flushIntervalMs?: number;
  /** Rows are written once this much text is pending (default 64 KiB). */
  chunkBytes?: number;
  /** When the disk falls this far behind, further rows are dropped and counted rather than held (default 32 MiB). */
  maxPendingBytes?: number;
  /** The thread-group part of `threadName` (default `loadsim`). */
  threadGroup?: string;
  /** Told once, at the first problem (a failed write, or rows dropped because the disk fell behind); the run goes on. */
  onError?: (message: string) => void;
}

// JMeter's own prefixes for a sample that got no HTTP response (its HTTP
// samplers' error results), so the dashboard's error tables group ours as
// they group JMeter's socket timeouts and refused connections.
const NON_HTTP_CODE = 'Non HTTP response code';
const NON_HTTP_MESSAGE = 'Non HTTP response message';

const NEEDS_QUOTES = /[",\r\n]/;

/** One CSV field per RFC 4180: quoted (quotes doubled) only when it has to be. */
export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * `threadName` as JMeter's dashboard reads it: the text before the last
 * space names a thread group (one series of "Active Threads Over Time",
 * plotted from `grpThreads`), the rest names the thread. Every simulated
 * client is in one group, since `grpThreads` is the run's whole client count;
 * the thread part is the user and the client (`<title> <instance>`), with
 * spaces made underscores so the split stays where the dashboard expects it.
 */
export function jtlThreadName(e: Pick<ResponseEvent, 'user' | 'clientType'>, group = 'loadsim'): string {
  return `${group} ${`${e.user}/${e.clientType}`.replace(/\s/g, '_')}`;
}

/** `responseCode` and `responseMessage` of one response. */
function codeAndMessage(e: ResponseEvent): [string, string] {
  if (e.status > 0) return [String(e.status), STATUS_CODES[e.status] ?? ''];
  const reason = e.error ?? 'no response';
  // The code stays categorical (`timeout`, `connection reset`): a detail in
  // parentheses goes to the message only, so errors group by kind.
  const kind = reason.replace(/\s*\(.*$/s, '') || reason;
  return [`${NON_HTTP_CODE}: ${kind}`, `${NON_HTTP_MESSAGE}: ${reason}`];
}

/** One JTL line (with its newline) for a response, `activeClients` being the run's client count at the time. */
export function jtlRow(e: ResponseEvent, activeClients: number, threadName = jtlThreadName(e)): string {
  const [code, message] = codeAndMessage(e);
  // JMeter's Latency is the time to the response head; with no response, the whole wait.
  const latency = e.firstByteMs ?? e.durationMs;
  return (
    `${Math.round(e.at - e.durationMs)},${Math.round(e.durationMs)},${csvField(e.label)},${csvField(code)},${csvField(message)},` +
    `${csvField(threadName)},text,${e.success ? 'true' : 'false'},${csvField(e.error ?? '')},` +
    `${e.bytesIn},${e.bytesOut},${activeClients},${activeClients},${csvField(e.url)},` +
    `${Math.round(latency)},0,${Math.round(e.connectMs ?? 0)}\n`
  );
}

/** fs.write until every byte is out (a write may take only part of a buffer). */
function writeAll(fd: number, buf: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const next = (offset: number): void => {
      if (offset >= buf.length) {
        resolve();
        return;
      }
      write(fd, buf, offset, buf.length - offset, null, (err, n) => (err ? reject(err) : next(offset + n)));
    };
    next(0);
  });
}

const fsyncFd = (fd: number) => new Promise<void>((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));
const closeFile = (fd: number) => new Promise<void>((resolve, reject) => closeFd(fd, (err) => (err ? reject(err) : resolve())));

/**
 * `--jtl FILE`: every response as a row of a JMeter CSV results file, so
 * JMeter's dashboard and the tools built on JTL files read our runs.
 *
 * Rows are built into a text buffer and written in large chunks by one
 * asynchronous `fs.write` at a time on a descriptor opened for appending: a
 * syscall per row would cost more than the simulation at tens of thousands of
 * responses a second, and a synchronous write would stall the event loop the
 * clients run on. With a clock, rows also go out within `flushIntervalMs`, so
 * the file grows as the run goes; `close()` writes the rest and fsyncs.
 *
 * A full disk must not end a run whose report is still to be printed: the
 * first failed write is kept in `error` and told once through `onError`,
 * later rows are dropped and counted in `dropped`, and nothing throws. If the
 * disk is merely slow, memory is bounded the same way (`maxPendingBytes`).
 */
export class JtlWriter {
  /** The first write error, if any. */
  error: Error | undefined;
  /** Rows on disk (their writes completed). */
  written = 0;
  /** Rows lost: after a write error, in a failed write, when the disk fell behind, or observed after `close()`. */
  dropped = 0;

  private fd: number | undefined;
  private pending: string;
  private pendingRows = 0;
  private writing: Promise<void> | undefined;
  private flushWanted = false;
  private timer: Timer | undefined;
  private closing: Promise<void> | undefined;
  private reported = false;
  private activeClients = 0;
  private readonly chunkBytes: number;
  private readonly maxPendingBytes: number;
  private readonly threadGroup: string;
  private readonly threadNames = new Map<string, string>();

  private constructor(
    /** Absolute path of the file. */
    readonly file: string,
    fd: number,
    private readonly options: JtlWriterOptions,
  ) {
    this.fd = fd;
    this.chunkBytes = options.chunkBytes ?? 64 * 1024;
    this.maxPendingBytes = Math.max(options.maxPendingBytes ?? 32 * 1024 * 1024, this.chunkBytes);
    this.threadGroup = options.threadGroup ?? 'loadsim';
    this.pending = `${JTL_COLUMNS.join(',')}\n`;
  }

  /**
   * Create (or truncate) `file`, creating its folder. Throws when the file
   * cannot be opened: that is worth stopping for before a run starts.
   */
  static open(file: string, options: JtlWriterOptions = {}): JtlWriter {
    const absolute = path.resolve(file);
    mkdirSync(path.dirname(absolute), { recursive: true });
    const fd = openSync(absolute, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_APPEND, 0o644);
    const writer = new JtlWriter(absolute, fd, options);
    writer.armTimer();
    return writer;
  }

  observe(e: SimEvent): void {
    if (e.type === 'status') {
      this.activeClients = e.clientCount;
      return;
    }
    if (e.type !== 'response') return;
    if (this.error || this.closing) {
      this.dropped++;
      return;
    }
    if (this.pending.length >= this.maxPendingBytes) {
      this.dropped++;
      this.report(`the disk is not keeping up with ${this.file}: JTL rows are being dropped (the run goes on)`);
      return;
    }
    this.pending += jtlRow(e, this.activeClients, this.threadName(e));
    this.pendingRows++;
    if (this.pending.length >= this.chunkBytes) this.kick();
    else this.armTimer();
  }

  /** Write what is pending, fsync, close. Never rejects (problems are in `error`); idempotent. */
  close(): Promise<void> {
    return (this.closing ??= this.finish());
  }

  private async finish(): Promise<void> {
    this.cancelTimer();
    this.flushWanted = true;
    this.kick();
    while (this.writing) await this.writing;
    const fd = this.fd;
    if (fd === undefined) return;
    this.fd = undefined;
    if (!this.error) {
      try {
        await fsyncFd(fd);
      } catch (err) {
        // A pipe or a character device (`--jtl /dev/stdout`) cannot be fsynced: nothing is lost.
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EINVAL' && code !== 'ENOTSUP') this.fail(err as Error, 0);
      }
    }
    try {
      await closeFile(fd);
    } catch (err) {
      if (!this.error) this.fail(err as Error, 0);
    }
  }

  /** Start writing if a chunk is full or a flush was asked for, unless a write is already under way (it continues on its own). */
  private kick(): void {
    if (this.writing || this.error || this.fd === undefined) return;
    if (!(this.pending.length >= this.chunkBytes || (this.flushWanted && this.pending.length > 0))) return;
    this.writing = this.drain();
  }

  private async drain(): Promise<void> {
    const fd = this.fd!;
    while (!this.error && this.pending.length > 0 && (this.flushWanted || this.pending.length >= this.chunkBytes)) {
      // A flush asks for what is pending now; rows arriving during the write wait for the next chunk or timer.
      this.flushWanted = false;
      this.cancelTimer();
      const text = this.pending;
      const rows = this.pendingRows;
      this.pending = '';
      this.pendingRows = 0;
      try {
        await writeAll(fd, Buffer.from(text, 'utf8'));
        this.written += rows;
      } catch (err) {
        this.fail(err as Error, rows);
      }
    }
    this.writing = undefined;
    if (this.pending.length > 0 && !this.error) this.armTimer();
  }

  /** A client's thread name, made once per client rather than once per row. */
  private threadName(e: ResponseEvent): string {
    let name = this.threadNames.get(e.clientId);
    if (name === undefined) {
      // Clients come and go over a long run: start over rather than grow without end.
      if (this.threadNames.size >= 100_000) this.threadNames.clear();
      this.threadNames.set(e.clientId, (name = jtlThreadName(e, this.threadGroup)));
    }
    return name;
  }

  private armTimer(): void {
    const clock = this.options.clock;
    if (!clock || this.timer || this.closing) return;
    this.timer = clock.setTimer(this.options.flushIntervalMs ?? 1000, () => {
      this.timer = undefined;
      this.flushWanted = true;
      this.kick();
    });
  }

  private cancelTimer(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  private fail(err: Error, rowsLost: number): void {
    this.dropped += rowsLost + this.pendingRows;
    this.pending = '';
    this.pendingRows = 0;
    if (this.error) return;
    this.error = err;
    this.cancelTimer();
    this.report(`cannot write the JTL file ${this.file}: ${err.message}; further rows are dropped, the run goes on`);
  }

  private report(message: string): void {
    if (this.reported) return;
    this.reported = true;
    this.options.onError?.(message);
  }
}
