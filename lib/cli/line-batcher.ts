/**
 * Lines for stdout, written a batch at a time.
 *
 * A run prints a line per operation begun and ended, as the original did. One
 * write per line was a write(2) each, and, with the formatting console.log does
 * around it, about 8 % of the generator's main thread at 2,500 accelerated-mix
 * clients (docs/performance-notes.md). Lines are now gathered and written
 * together when `delayMs` has passed since the first of them, when `maxChars`
 * are waiting, before anything is written to stderr (so a warning still comes
 * out after the lines that preceded it), and at exit. The lines and their
 * order are unchanged; only when they reach the terminal moves, by at most
 * `delayMs`.
 */
export interface LineBatcherOptions {
  /** Most time a line waits, in ms of real time (output is not part of the simulated clock). */
  delayMs: number;
  /** Characters waiting that make a write at once. */
  maxChars: number;
}

export const lineBatcherDefaults: LineBatcherOptions = { delayMs: 50, maxChars: 64 * 1024 };

export class LineBatcher {
  private pending: string[] = [];
  private chars = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly o: LineBatcherOptions;

  /** `write` gets the lines joined by newlines, without the last newline (as console.log takes them). */
  constructor(
    private readonly write: (lines: string) => void,
    options: Partial<LineBatcherOptions> = {},
  ) {
    this.o = { ...lineBatcherDefaults, ...options };
  }

  /** Queue one line (it may hold newlines of its own). */
  readonly line = (s: string): void => {
    this.pending.push(s);
    this.chars += s.length + 1;
    if (this.chars >= this.o.maxChars) this.flush();
    // unref: waiting lines never keep a finished process alive; exit flushes them.
    else this.timer ??= setTimeout(this.flush, this.o.delayMs).unref();
  };

  /** Write every waiting line now. */
  readonly flush = (): void => {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const text = this.pending.join('\n');
    this.pending = [];
    this.chars = 0;
    this.write(text);
  };
}
