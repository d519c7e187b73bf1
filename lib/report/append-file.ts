import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';

/**
 * A results file written as the run goes (the NDJSON time series): each
 * write is a plain synchronous append, on disk before the next interval, so a
 * crash loses at most what was still to come; `finish()` fsyncs and closes.
 * A write that fails (disk full) is told once through `onError`, later ones
 * are skipped, and nothing throws: the run and its report go on.
 */
export class AppendFile {
  private fd: number | undefined;
  private failed = false;

  /** Creates (truncates) the file and its folder; throws when it cannot: worth stopping for before a run. */
  constructor(
    readonly file: string,
    private readonly onError?: (message: string) => void,
  ) {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.fd = openSync(file, 'w');
  }

  write(text: string): void {
    if (this.fd === undefined || this.failed) return;
    try {
      writeSync(this.fd, text);
    } catch (e) {
      this.fail(e as Error);
    }
  }

  /** Make it durable and close it (idempotent). */
  finish(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try {
      fsyncSync(fd);
    } catch (e) {
      this.fail(e as Error);
    } finally {
      closeSync(fd);
    }
  }

  private fail(e: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.onError?.(`cannot write ${this.file}: ${e.message}; the run goes on, the report is still printed`);
  }
}
