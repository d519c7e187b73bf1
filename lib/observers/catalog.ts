import type { ObserverDefinition } from '../registry/definitions.js';
import { ErrorLogger } from './error-logger.js';
import { OperationLogger } from './operation-logger.js';
import { ReportStatistics } from './report-statistics.js';
import { RequestLogger } from './request-logger.js';
import { SimpleStatistics } from './simple-statistics.js';
import { checkBenchmarksFile, checkThresholdParams, checkThresholdsFile } from '../stats/thresholds-file.js';

/** The original's observers, with their parameters and how each is built. */

const thresholdsParams = {
  thresholdsPath: { type: 'file', check: checkThresholdsFile, doc: 'thresholds.json: per-label limits' },
  thresholds: { type: 'dict', doc: 'inline thresholds, same shape as thresholds.json' },
} as const;

export const reportStatistics: ObserverDefinition = {
  name: 'ReportStatistics',
  summary: 'end-of-run table per request label, thresholds, QoS, PASS/FAIL',
  params: {
    ...thresholdsParams,
    benchmarksPath: { type: 'file', check: checkBenchmarksFile, doc: 'benchmarks.json: per-label mean and weight for QoS' },
    failCutoff: { type: 'number', rule: { min: 0, max: 100 }, default: 1.0, doc: 'percent of failed requests that fails a label' },
  },
  check: (values, params) => checkThresholdParams(values, params, 'requests'),
  create: (values) => ReportStatistics.fromParams(values),
};

export const operationLogger: ObserverDefinition = {
  name: 'OperationLogger',
  summary: 'a line per operation, and a table per operation label with scheduling lag',
  params: {
    ...thresholdsParams,
    lagCutoff: { type: 'number', rule: { min: 0 }, default: 1.0, doc: 'seconds of median scheduling lag that fails an operation' },
    failCutoff: { type: 'number', rule: { min: 0, max: 100 }, default: 1.0, doc: 'percent of failed operations that fails a label' },
    failIfNoPush: { type: 'boolean', default: false, doc: 'fail when push was configured but none arrived' },
    outfile: { type: 'path', doc: 'file for the live lines (default: standard output)' },
  },
  check: (values, params) => checkThresholdParams(values, params, 'operations'),
  create: (values, ctx) => OperationLogger.fromParams(values, ctx),
};

export const requestLogger: ObserverDefinition = {
  name: 'RequestLogger',
  summary: 'a line per response',
  params: {},
  create: (_values, ctx) => new RequestLogger(ctx.out),
};

export const errorLogger: ObserverDefinition = {
  name: 'ErrorLogger',
  summary: 'files for failed and slow responses',
  params: {
    directory: { type: 'path', required: true, doc: 'expected a folder for error files' },
    durationThreshold: { type: 'number', rule: { positive: true }, default: 10.0, doc: 'seconds above which a response is logged as slow' },
  },
  create: (values, ctx) => ErrorLogger.fromParams(values, ctx),
};

export const simpleStatistics: ObserverDefinition = {
  name: 'SimpleStatistics',
  summary: 'running mean/median/stddev of response times',
  params: {},
  create: (_values, ctx) => new SimpleStatistics({ out: ctx.out }),
};

export const builtinObservers: readonly ObserverDefinition[] = [reportStatistics, operationLogger, requestLogger, errorLogger, simpleStatistics];
