import type { LabelStats, LabelTable } from './label-table.js';
import type { ThresholdSection } from './thresholds-file.js';
import { judge, type LabelVerdict } from './thresholds.js';

/** One label's row: its samples, its share of all samples, its verdict. */
export interface SummaryRow {
  stats: LabelStats;
  /** Percent of all samples in the table. */
  share: number;
  verdict: LabelVerdict;
}

/** Rows of `table` in label order, each judged against `section`: what the report prints and the result saves. */
export function summaryRows(table: LabelTable, section: ThresholdSection, failCutoff: number): SummaryRow[] {
  const total = table.total;
  return table.sorted().map((stats) => ({
    stats,
    share: total ? (100 * stats.all.count) / total : 0,
    verdict: judge(stats, section, failCutoff),
  }));
}
