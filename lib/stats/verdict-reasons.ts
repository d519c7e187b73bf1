import { g, pyFloat } from '../core/format.js';
import type { LabelTable } from './label-table.js';
import type { LatencyHistogram } from './latency-histogram.js';
import { summaryRows } from './summary-rows.js';
import type { ThresholdSection } from './thresholds-file.js';
import { medianLagAbove } from './thresholds.js';

/**
 * Why a run FAILs, in the original's words (ReportStatistics.failures and
 * OperationLogger.failures, population.py and profiles.py). One function per
 * table, so that a run judges its observers and `loadsim merge` judges merged
 * tables by the same rules and prints the same sentences.
 */

export interface RequestVerdictInput {
  table: LabelTable;
  thresholds: ThresholdSection;
  failCutoff: number;
  /** Client-failure events. */
  clientFailures: number;
  /** Distinct failed-operation reasons. */
  simFailureReasons: number;
}

/** Each request label that failed too often or broke a threshold, then client and overall failures. */
export function requestFailureReasons(v: RequestVerdictInput): string[] {
  const reasons: string[] = [];
  for (const row of summaryRows(v.table, v.thresholds, v.failCutoff)) {
    const label = row.stats.label;
    if (row.verdict.failedTooOften) reasons.push(`Greater than ${g(v.failCutoff)}% ${label} failed`);
    for (const { limit, threshold } of row.verdict.exceeded) reasons.push(`Greater than ${g(threshold)}% ${label} exceeded ${g(limit)} second response time`);
  }
  if (v.clientFailures > 0) reasons.push(`Client failures: ${v.clientFailures}`);
  if (v.simFailureReasons > 0) reasons.push(`Overall failures: ${v.simFailureReasons}`);
  return reasons;
}

export interface OperationVerdictInput {
  table: LabelTable;
  thresholds: ThresholdSection;
  failCutoff: number;
  /** Seconds of median scheduling lag above which an operation fails. */
  lagCutoff: number;
  /** Label → lag of the timers that started its operations, ms. */
  lags: ReadonlyMap<string, LatencyHistogram>;
  /** Push was configured (`failIfNoPush`) and no `push` operation ended. */
  noPush?: boolean;
}

/**
 * Median lag over `lagCutoff`, failure share over `failCutoff`, each operation
 * threshold broken, and no push when one was required. Labels upper-cased, as
 * the original wrote them.
 */
export function operationFailureReasons(v: OperationVerdictInput): string[] {
  const reasons: string[] = [];
  for (const label of [...v.lags.keys()].sort(byCodeUnit)) {
    if (medianLagAbove(v.lags.get(label)!, v.lagCutoff)) reasons.push(`Median ${label.toUpperCase()} scheduling lag greater than ${pyFloat(v.lagCutoff * 1000)}ms`);
  }
  for (const row of summaryRows(v.table, v.thresholds, v.failCutoff)) {
    const label = row.stats.label.toUpperCase();
    // %g, not the original's %.0f, which printed a 0.5 % cutoff as "0%".
    if (row.verdict.failedTooOften) reasons.push(`Greater than ${g(v.failCutoff)}% ${label} failed`);
    for (const { limit, threshold } of row.verdict.exceeded) reasons.push(`Greater than ${g(threshold)}% ${label} exceeded ${g(limit)} second total time`);
  }
  if (v.noPush) reasons.push('Push was configured but no pushes were received by clients');
  return reasons;
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
