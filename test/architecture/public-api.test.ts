/**
 * The public API (lib/index.ts) is what users build on, and nothing else: this
 * list changes only on purpose. The values a module exports are checked here
 * (types vanish at run time; tsc checks those the examples use), and the
 * engine's internals are checked to stay out of it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as api from '../../lib/index.js';

const PUBLIC = [
  // A simulation.
  'LoadSimulator', 'runInVirtualTime', 'configInCode', 'loadConfig', 'createRegistry', 'runCli',
  // Time, randomness, errors.
  'RealClock', 'ScaledClock', 'VirtualClock', 'Random', 'ConfigError', 'DistributionError', 'LoadsimError', 'OutputError', 'UsageError',
  // Plug-ins of your own.
  'defineProfile', 'defineObserver', 'defineClientModel', 'ProfileBase', 'OperationFailed', 'IncorrectResponseCode',
  // Users and arrival.
  'generateRecords', 'parseAccountsCSV', 'recordsFromCSVFile', 'SmoothRampUp', 'smoothRampUpDefaults', 'ConstantArrivalRate', 'constantArrivalRateDefaults',
  // The testbed.
  'startTestbed', 'testbedUsers',
  // Results.
  'readResultDocument', 'reportText', 'renderHtml', 'renderJUnit', 'compareResults', 'renderComparison', 'mergeResults',
];

/** The built-in distributions (distributions/index.ts), each with its class, its factory and defaults. */
const DISTRIBUTIONS = [
  'BinomialDistribution', 'ExponentialDistribution', 'FixedDistribution', 'LogNormalDistribution', 'NearFutureDistribution', 'NormalDistribution', 'ParetoDistribution',
  'RecurrenceDistribution', 'UniformDiscreteDistribution', 'UniformDistribution', 'UniformIntegerDistribution', 'WorkDistribution',
  'binomialDistribution', 'exponentialDistribution', 'fixedDistribution', 'logNormalDistribution', 'nearFutureDistribution', 'normalDistribution', 'paretoDistribution',
  'recurrenceDistribution', 'uniformDiscreteDistribution', 'uniformDistribution', 'uniformIntegerDistribution', 'workDistribution', 'builtinDistributions',
  'logNormalDefaults', 'nearFutureDefaults', 'paretoDefaults', 'recurrenceDefaults', 'uniformDiscreteDefaults', 'workDefaults',
  'resolveLogNormal', 'truncatedNormal', 'DAY_NAMES', 'RECURRENCE_RULES', 'WORK_OFFSET_DAYS',
];

/** The engine's parts: reached through the API, never exported by it. */
const INTERNAL = ['DavHttp', 'AuthSession', 'AmpPushHub', 'Population', 'EventBus', 'LabelTable', 'FailureTable', 'IntervalRecorder', 'buildResult', 'writeResultFiles', 'JtlWriter', 'Registry', 'ParamReader', 'Problems', 'Scope', 'MODELS', 'CalDAVClient', 'ReportStatistics'];

describe('the public API', () => {
  it('exports exactly the names users build on', () => {
    assert.deepEqual(Object.keys(api).sort(), [...PUBLIC, ...DISTRIBUTIONS].sort());
  });

  it('exports none of the engine’s internals', () => {
    for (const name of INTERNAL) assert.equal(name in api, false, name);
  });

  it('every export is defined (no re-export of a name that moved)', () => {
    for (const [name, value] of Object.entries(api)) assert.notEqual(value, undefined, name);
  });
});
