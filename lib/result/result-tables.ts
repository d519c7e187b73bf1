import type { FailureTable } from '../stats/failure-table.js';
import type { LabelTable } from '../stats/label-table.js';
import type { LatencyHistogram } from '../stats/latency-histogram.js';
import type { ThresholdSection } from '../stats/thresholds-file.js';

/**
 * What a result document is built from: the request and operation tables as
 * a run's observers ended them (ReportStatistics.tables(), OperationLogger.tables()),
 * or as `loadsim merge` added them up from saved slices. Plain data, so that
 * building and merging results need no observer.
 */

/** The requests' side: one row per request label, and what the `* Client` block counts. */
export interface RequestTables {
  table: LabelTable;
  /** Why requests failed, per label and kind. */
  errors: FailureTable;
  thresholds: ThresholdSection;
  failCutoff: number;
  /** Label → benchmark mean (s) and weight, for QoS. */
  benchmarks: Record<string, { mean: number; weight: number }>;
  /** Distinct users and clients seen in responses. */
  seen: { users: number; clients: number };
  /** Client-failure reason → how many times. */
  clientFailures: Record<string, number>;
  /** Notice → how many clients said it. */
  notices: Record<string, number>;
  /** Failed-operation reason → how many times. */
  simFailures: Record<string, number>;
}

/** The operations' side: one row per operation label, with the lag of the timers that started them. */
export interface OperationTables {
  table: LabelTable;
  /** Why operations failed, per label and reason. */
  errors: FailureTable;
  thresholds: ThresholdSection;
  failCutoff: number;
  /** Seconds of median scheduling lag above which an operation fails. */
  lagCutoff: number;
  /** Label → lag (ms) of the timers that started its operations. */
  lags: ReadonlyMap<string, LatencyHistogram>;
}
