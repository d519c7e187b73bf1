import type { Observer } from '../registry/observer.js';
import type { OperationTables, RequestTables } from '../result/result-tables.js';
import { OperationLogger } from './operation-logger.js';
import { ReportStatistics } from './report-statistics.js';

/**
 * The tables a run's result is built from: its ReportStatistics' and
 * OperationLogger's. A config without one of them still gets that section of
 * the result, empty and judged by the default rules, so that every result
 * has the same shape and can be merged with any other.
 */
export function resultTablesOf(observers: readonly Observer[]): { requests: RequestTables; operations: OperationTables } {
  const rs = observers.find((o): o is ReportStatistics => o instanceof ReportStatistics) ?? new ReportStatistics();
  const ol = observers.find((o): o is OperationLogger => o instanceof OperationLogger) ?? new OperationLogger({ out: () => {} });
  return { requests: rs.tables(), operations: ol.tables() };
}
