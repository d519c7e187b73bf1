import type { ThresholdSection } from '../stats/thresholds-file.js';
import { FailureTable, NOT_RECORDED, type FailureCounts } from '../stats/failure-table.js';
import { LabelTable } from '../stats/label-table.js';
import { LatencyHistogram } from '../stats/latency-histogram.js';
import type { SavedLabel, SavedSection } from './result-document.js';

/**
 * A label table as the result document keeps it (encoded histograms), and
 * back. Nothing is summarised on the way: a table read back judges, merges and
 * prints exactly as the one that was saved.
 */
export function saveSection(table: LabelTable, thresholds: ThresholdSection, failCutoff: number, lagOf?: (label: string) => LatencyHistogram | undefined): SavedSection {
  const labels: Record<string, SavedLabel> = {};
  for (const row of table.sorted()) {
    const saved: SavedLabel = { all: row.all.encode(), successful: row.successful.encode(), failures: row.failures, timeouts: row.timeouts };
    if (row.connect) saved.connect = row.connect.encode();
    const lag = lagOf?.(row.label);
    if (lag?.count) saved.lag = lag.encode();
    labels[row.label] = saved;
  }
  return { thresholds: { limits: [...thresholds.limits], thresholds: cloneRows(thresholds.thresholds) }, failCutoff, labels };
}

/** The label table of a saved section. */
export function restoreTable(section: SavedSection): LabelTable {
  const table = new LabelTable(section.thresholds.limits);
  for (const [label, saved] of Object.entries(section.labels)) {
    table.adopt({
      label,
      all: LatencyHistogram.decode(saved.all),
      successful: LatencyHistogram.decode(saved.successful),
      failures: saved.failures,
      timeouts: saved.timeouts ?? 0,
      ...(saved.connect ? { connect: LatencyHistogram.decode(saved.connect) } : {}),
    });
  }
  return table;
}

/**
 * The error table of a saved section: its `errors` (or `operationErrors`),
 * and for the failures of a label that they do not account for (a result
 * saved before error tables existed) a `(not recorded)` kind, so that a
 * label's kinds always add up to its failures, restored or merged.
 */
export function restoreFailures(labels: Readonly<Record<string, Pick<SavedLabel, 'failures'>>>, counts: Readonly<FailureCounts> | undefined): FailureTable {
  const table = FailureTable.fromJSON(counts ?? {});
  for (const [label, saved] of Object.entries(labels)) {
    const missing = saved.failures - table.total(label);
    if (missing > 0 && Number.isInteger(missing)) table.record(label, NOT_RECORDED, missing);
  }
  return table;
}

/** Label → decoded lag histogram, for the labels that carried one. */
export function restoreLags(section: SavedSection): Map<string, LatencyHistogram> {
  const lags = new Map<string, LatencyHistogram>();
  for (const [label, saved] of Object.entries(section.labels)) if (saved.lag) lags.set(label, LatencyHistogram.decode(saved.lag));
  return lags;
}

/** The thresholds section in the form the observers use. */
export function thresholdsOf(section: SavedSection): ThresholdSection {
  return { limits: [...section.thresholds.limits], thresholds: cloneRows(section.thresholds.thresholds) };
}

function cloneRows(rows: Readonly<Record<string, readonly number[]>>): Record<string, number[]> {
  return Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, [...v]]));
}
