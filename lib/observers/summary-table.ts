import { fixed, g, pad } from '../core/format.js';
import type { SummaryRow } from '../stats/summary-rows.js';

/**
 * The end-of-run table of ReportStatistics and OperationLogger (the original's
 * `printHeader`/`printData`): a header of cells padded to each column's width
 * (negative = left-aligned), joined by one space; a line of `-` as long as the
 * header; one row per label in label order.
 */

export interface Column<R> {
  header: string;
  /** As the original's `%<width>s`: negative is left-aligned; a longer value is never cut. */
  width: number;
  cell(row: R): string;
}

export function writeTable<R>(out: (line: string) => void, columns: readonly Column<R>[], rows: Iterable<R>): void {
  const header = columns.map((c) => pad(c.header, c.width)).join(' ');
  out(header);
  out('-'.repeat(header.length));
  for (const row of rows) out(columns.map((c) => pad(c.cell(row), c.width)).join(' '));
}

const seconds = (ms: number) => fixed(ms / 1000, 4);

/**
 * The columns both tables share, after the first: count, % of all, failed, one
 * `>N sec` column per limit (samples strictly slower), then mean, median and
 * stddev of all samples (seconds, as the original), and loadsim's tail
 * columns p90, p99, p99.9 and max (the original had no percentiles; a mean
 * hides the slow requests a user notices).
 */
export function labelColumns(limits: readonly number[]): Column<SummaryRow>[] {
  return [
    { header: 'count', width: 8, cell: (r) => String(r.stats.all.count) },
    { header: '%', width: 6, cell: (r) => fixed(r.share, 1) },
    { header: 'failed', width: 8, cell: (r) => String(r.stats.failures) },
    ...limits.map((limit): Column<SummaryRow> => ({ header: `>${g(limit)} sec`, width: 10, cell: (r) => String(r.stats.all.countAbove(limit)) })),
    { header: 'mean', width: 8, cell: (r) => seconds(r.stats.all.mean) },
    { header: 'median', width: 8, cell: (r) => seconds(r.stats.all.median()) },
    { header: 'stddev', width: 8, cell: (r) => seconds(r.stats.all.stddev) },
    { header: 'p90', width: 8, cell: (r) => seconds(r.stats.all.percentile(90)) },
    { header: 'p99', width: 8, cell: (r) => seconds(r.stats.all.percentile(99)) },
    { header: 'p99.9', width: 8, cell: (r) => seconds(r.stats.all.percentile(99.9)) },
    { header: 'max', width: 8, cell: (r) => seconds(r.stats.all.max) },
  ];
}

export const statusColumn: Column<SummaryRow> = { header: 'STATUS', width: 8, cell: (r) => (r.verdict.fail ? 'FAIL' : '') };
