import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import type { FileParam, ParamValues } from '../params/param-spec.js';
import type { OperationEvent, SimEvent } from '../core/events.js';
import { operationFailureKind } from '../stats/failure-kind.js';
import { FailureTable } from '../stats/failure-table.js';
import { LabelTable } from '../stats/label-table.js';
import { LatencyHistogram } from '../stats/latency-histogram.js';
import type { ResultDocument } from '../result/result-document.js';
import { restoreFailures, restoreLags, restoreTable, thresholdsOf } from '../result/saved-section.js';
import { writeErrorTable } from './error-table.js';
import { fixed, pad } from '../core/format.js';
import type { Observer, ObserverContext, ReportContext } from '../registry/observer.js';
import { labelColumns, statusColumn, writeTable, type Column } from './summary-table.js';
import { summaryRows, type SummaryRow } from '../stats/summary-rows.js';
import { operationFailureReasons } from '../stats/verdict-reasons.js';
import type { OperationTables } from '../result/result-tables.js';
import type { ThresholdSection } from '../stats/thresholds-file.js';
import { DEFAULT_OPERATION_THRESHOLDS, thresholdSection } from '../stats/thresholds.js';

export interface OperationLoggerOptions {
  /** Where the live lines go. */
  out: (line: string) => void;
  /** The `operations` section of thresholds.json (default: the original's limits, every percentage 100). */
  thresholds?: ThresholdSection;
  /** Seconds of median scheduling lag above which an operation fails (default 1.0). */
  lagCutoff?: number;
  /** Percent of failed operations above which an operation fails (default 1.0). */
  failCutoff?: number;
  /** Fail when no `push` operation ended: push was configured but never arrived (default false). */
  failIfNoPush?: boolean;
  /** Called by `close()`, e.g. to end the `outfile` stream. */
  onClose?: () => Promise<void> | void;
  /** Start from this table and these lags (a saved result read back). */
  table?: LabelTable;
  lags?: Map<string, LatencyHistogram>;
  /** Start from this error table (a saved result read back). */
  errors?: FailureTable;
}

/**
 * Operations (a client's `startup`, `poll`, `push`; a profile's `create`,
 * `invite`, …), the original's OperationLogger (profiles.py): a live line per
 * start, end and failure, and at the end a table per operation label with
 * the threshold columns and the scheduling lag of the timers that started
 * them. Lag is the simulator's own health: a growing lag means the load
 * generator, not the server, is the bottleneck, and the run says so.
 */
export class OperationLogger implements Observer {
  readonly table: LabelTable;
  /** Why operations failed: per label, each reason and its count (the report's `* Operation errors` block). */
  readonly errors: FailureTable;
  readonly thresholds: ThresholdSection;
  readonly lagCutoff: number;
  readonly failCutoff: number;
  readonly failIfNoPush: boolean;
  /** Label → lag of the timers that started its operations, ms. */
  private readonly lags = new Map<string, LatencyHistogram>();

  private pushes = 0;
  private readonly out: (line: string) => void;
  private readonly onClose: (() => Promise<void> | void) | undefined;

  constructor(options: OperationLoggerOptions) {
    this.out = options.out;
    this.thresholds = options.thresholds ?? DEFAULT_OPERATION_THRESHOLDS;
    this.lagCutoff = options.lagCutoff ?? 1.0;
    this.failCutoff = options.failCutoff ?? 1.0;
    this.failIfNoPush = options.failIfNoPush ?? false;
    this.onClose = options.onClose;
    this.table = options.table ?? new LabelTable(this.thresholds.limits);
    this.errors = options.errors ?? new FailureTable();
    for (const [label, h] of options.lags ?? []) this.lags.set(label, h);
  }

  /** The observer as it stood at the end of a saved run (`loadsim report`); live lines are not replayed. */
  static restore(doc: ResultDocument): OperationLogger {
    const saved = doc.saved.operations;
    return new OperationLogger({
      out: () => {},
      thresholds: thresholdsOf(saved),
      lagCutoff: saved.lagCutoff,
      failCutoff: saved.failCutoff,
      table: restoreTable(saved),
      lags: restoreLags(saved),
      // A result of an older version has no error table: it is re-rendered as it was printed, without one.
      ...(doc.operationErrors ? { errors: restoreFailures(saved.labels, doc.operationErrors) } : {}),
    });
  }

  /**
   * From validated config params (`thresholdsPath` | `thresholds`,
   * `lagCutoff`, `failCutoff`, `failIfNoPush`, `outfile`). Live lines go to
   * `outfile` when given (its folder is created), else to `ctx.out`.
   */
  static fromParams(values: ParamValues, ctx: ObserverContext): OperationLogger {
    const outfile = values.outfile as FileParam | undefined;
    let out = ctx.out;
    let stream: WriteStream | undefined;
    if (outfile) {
      mkdirSync(path.dirname(outfile.abs), { recursive: true });
      const s = createWriteStream(outfile.abs, { flags: 'w' });
      // A write error (disk full) must not crash the run: say it once, keep going.
      s.on('error', (e) => ctx.out(`OperationLogger: cannot write ${outfile.abs}: ${e.message}`));
      out = (line) => void s.write(`${line}\n`);
      stream = s;
    }
    return new OperationLogger({
      out,
      thresholds: thresholdSection(values, 'operations', DEFAULT_OPERATION_THRESHOLDS),
      ...(typeof values.lagCutoff === 'number' ? { lagCutoff: values.lagCutoff } : {}),
      ...(typeof values.failCutoff === 'number' ? { failCutoff: values.failCutoff } : {}),
      failIfNoPush: values.failIfNoPush === true,
      ...(stream ? { onClose: () => new Promise<void>((resolve) => (stream.writableFinished || stream.destroyed ? resolve() : stream.end(resolve))) } : {}),
    });
  }

  observe(event: SimEvent): void {
    if (event.type !== 'operation') return;
    for (const line of liveLines(event)) this.out(line);
    switch (event.phase) {
      case 'start':
        if (event.lagMs !== undefined) this.lagOf(event.label).record(Math.max(0, event.lagMs));
        break;
      case 'end':
        this.table.record(event.label, Math.max(0, event.durationMs ?? 0), event.success !== false);
        if (event.success === false) this.errors.record(event.label, operationFailureKind(event.reason));
        if (event.label === 'push') this.pushes += 1;
        break;
      case 'failed':
        // The original followed a `failed` event with an `end`; only `end` is counted.
        break;
    }
  }

  report(out: (line: string) => void, _ctx: ReportContext): void {
    out('');
    const lag = (r: SummaryRow) => this.lags.get(r.stats.label);
    const lagMs = (header: string, value: (h: LatencyHistogram) => number): Column<SummaryRow> => ({
      header,
      width: 10,
      cell: (r) => {
        const h = lag(r);
        return fixed(h && h.count > 0 ? value(h) : 0, 2);
      },
    });
    const columns: Column<SummaryRow>[] = [
      { header: 'operation', width: -30, cell: (r) => r.stats.label },
      ...labelColumns(this.thresholds.limits),
      // The original's column: mean lag, 0 when no operation of the label carried one.
      { header: 'avglag (ms)', width: 12, cell: (r) => fixed(lag(r)?.count ? lag(r)!.mean : 0, 4) },
      lagMs('lag p50', (h) => h.median()),
      lagMs('lag p99', (h) => h.percentile(99)),
      lagMs('lag max', (h) => h.max),
      statusColumn,
    ];
    writeTable(out, columns, summaryRows(this.table, this.thresholds, this.failCutoff));
    writeErrorTable(out, this.errors, { title: 'Operation errors', labelHeader: 'operation', countOf: (l) => this.table.get(l)?.all.count ?? 0 });
  }

  /** The original's reasons (operationFailureReasons): lag, failure share, thresholds, and no push with `failIfNoPush`. */
  failures(): string[] {
    return operationFailureReasons({ ...this.tables(), noPush: this.failIfNoPush && this.pushes === 0 });
  }

  /** The tables a result document is built from (buildResult). */
  tables(): OperationTables {
    return { table: this.table, errors: this.errors, thresholds: this.thresholds, failCutoff: this.failCutoff, lagCutoff: this.lagCutoff, lags: this.lags };
  }

  async close(): Promise<void> {
    await this.onClose?.();
  }

  private lagOf(label: string): LatencyHistogram {
    let h = this.lags.get(label);
    // The cutoff is a tracked limit: the verdict on the median is then exact, not within 0.1 %.
    if (!h) this.lags.set(label, (h = new LatencyHistogram([this.lagCutoff])));
    return h;
  }
}

/**
 * The original's live lines: `<user> - - - - - - - - - - - <label %8s> BEGIN {lag %5.2f ms}`,
 * `… END [<duration %5.2f> s]`, `<user> x x x x x x x x x x x <label %8s> FAILED <reason>`.
 * An unsuccessful `end` (our clients' only way to report a failure) prints
 * the FAILED line first, as the original's `failed` event came before its `end`.
 */
export function liveLines(e: OperationEvent): string[] {
  const label = pad(e.label, 8);
  const ok = `${e.user} - - - - - - - - - - - ${label}`;
  const failed = `${e.user} x x x x x x x x x x x ${label} FAILED ${e.reason ?? ''}`.trimEnd();
  switch (e.phase) {
    case 'start':
      return [e.lagMs === undefined ? `${ok} BEGIN` : `${ok} BEGIN {lag ${fixed(e.lagMs, 2, 5)} ms}`];
    case 'end': {
      const end = `${ok} END [${fixed((e.durationMs ?? 0) / 1000, 2, 5)} s]`;
      return e.success === false ? [failed, end] : [end];
    }
    case 'failed':
      return [failed];
  }
}
