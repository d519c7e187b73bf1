import type { ObserverDefinition } from '../registry/definitions.js';
import { checkBenchmarksFile, checkThresholdsFile } from './thresholds-file.js';

/**
 * The original's observers. Their parameters are checked today; the observers
 * themselves land with the simulator (issue #6).
 */
const PLANNED = 6;

const thresholdsParams = {
  thresholdsPath: { type: 'file', check: checkThresholdsFile, doc: 'thresholds.json: per-label limits' },
  thresholds: { type: 'dict', doc: 'inline thresholds, same shape as thresholds.json' },
} as const;

export const reportStatistics: ObserverDefinition = {
  name: 'ReportStatistics',
  summary: 'end-of-run table per request label, thresholds, QoS, PASS/FAIL',
  plannedIn: PLANNED,
  params: {
    ...thresholdsParams,
    benchmarksPath: { type: 'file', check: checkBenchmarksFile, doc: 'benchmarks.json: per-label mean and weight for QoS' },
    failCutoff: { type: 'number', rule: { min: 0, max: 100 }, default: 1.0, doc: 'percent of failed requests that fails a label' },
  },
};

export const operationLogger: ObserverDefinition = {
  name: 'OperationLogger',
  summary: 'a line per operation, and a table per operation label with scheduling lag',
  plannedIn: PLANNED,
  params: {
    ...thresholdsParams,
    lagCutoff: { type: 'number', rule: { min: 0 }, default: 1.0, doc: 'seconds of median scheduling lag that fails an operation' },
    failCutoff: { type: 'number', rule: { min: 0, max: 100 }, default: 1.0, doc: 'percent of failed operations that fails a label' },
    failIfNoPush: { type: 'boolean', default: false, doc: 'fail when push was configured but none arrived' },
    outfile: { type: 'path', doc: 'file for the live lines (default: standard output)' },
  },
};

export const requestLogger: ObserverDefinition = {
  name: 'RequestLogger',
  summary: 'a line per response',
  plannedIn: PLANNED,
  params: {},
};

export const errorLogger: ObserverDefinition = {
  name: 'ErrorLogger',
  summary: 'files for failed and slow responses',
  plannedIn: PLANNED,
  params: {
    directory: { type: 'path', required: true, doc: 'expected a folder for error files' },
    durationThreshold: { type: 'number', rule: { positive: true }, default: 10.0, doc: 'seconds above which a response is logged as slow' },
  },
};

export const simpleStatistics: ObserverDefinition = {
  name: 'SimpleStatistics',
  summary: 'running mean/median/stddev of response times',
  plannedIn: PLANNED,
  params: {},
};

export const builtinObservers: readonly ObserverDefinition[] = [reportStatistics, operationLogger, requestLogger, errorLogger, simpleStatistics];
