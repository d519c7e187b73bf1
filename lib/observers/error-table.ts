import { FAILURE_TABLE_DEFAULTS, moreKindsText, topKinds, type FailureTable } from '../stats/failure-table.js';
import { fixed } from '../core/format.js';
import { writeTable, type Column } from './summary-table.js';

/**
 * The `* Errors` block of the text report, after a details table: per label
 * with failures, each kind of failure with its count and its share of the
 * label's samples, most frequent first; past `shown` kinds, one line sums up
 * the rest. Nothing at all when nothing failed.
 *
 *   * Errors
 *   request                           count       % error
 *   -----------------------------------------------------
 *   PROPFIND{home}                        3    6.67 HTTP 500 Internal Server Error
 *                                         1    2.22 timeout
 *                                         4    8.89 … and 3 more kinds
 */

export interface ErrorTableOptions {
  /** The block's title, e.g. `Errors`. */
  title: string;
  /** The first column's header: `request` or `operation`. */
  labelHeader: string;
  /** Samples of a label (its `count`): the base of the % column. */
  countOf: (label: string) => number;
  /** Kinds shown per label (default FAILURE_TABLE_DEFAULTS.shown). */
  shown?: number;
}

interface Line {
  /** The label on its first line, blank below it: the kinds read as a group. */
  label: string;
  count: number;
  of: number;
  kind: string;
}

export function writeErrorTable(out: (line: string) => void, failures: FailureTable, o: ErrorTableOptions): void {
  if (failures.size === 0) return;
  const lines: Line[] = [];
  for (const label of failures.labels()) {
    const of = o.countOf(label);
    const { shown, rest } = topKinds(failures.countsOf(label), o.shown ?? FAILURE_TABLE_DEFAULTS.shown);
    const rows = shown.map(({ kind, count }) => ({ count, kind }));
    if (rest) rows.push({ count: rest.failures, kind: moreKindsText(rest) });
    rows.forEach((r, i) => lines.push({ label: i === 0 ? label : '', of, ...r }));
  }
  const columns: Column<Line>[] = [
    { header: o.labelHeader, width: -30, cell: (l) => l.label },
    { header: 'count', width: 8, cell: (l) => String(l.count) },
    // Of the label's samples, as the details table's `failed` column counts them.
    { header: '%', width: 7, cell: (l) => (l.of > 0 ? fixed((100 * l.count) / l.of, 2) : '') },
    { header: 'error', width: 0, cell: (l) => l.kind },
  ];
  out('');
  out(`* ${o.title}`);
  writeTable(out, columns, lines);
}
