/**
 * The built-in distributions: the original's eight (same plist names and
 * parameters) and four new ones. Each module exports its class, its options
 * and its plist definition.
 */
import type { DistributionDefinition } from '../lib/params/distribution.js';
import { binomialDistribution } from './binomial.js';
import { exponentialDistribution } from './exponential.js';
import { fixedDistribution } from './fixed.js';
import { logNormalDistribution } from './log-normal.js';
import { nearFutureDistribution } from './near-future.js';
import { normalDistribution } from './normal.js';
import { paretoDistribution } from './pareto.js';
import { recurrenceDistribution } from './recurrence.js';
import { uniformDistribution } from './uniform.js';
import { uniformDiscreteDistribution } from './uniform-discrete.js';
import { uniformIntegerDistribution } from './uniform-integer.js';
import { workDistribution } from './work.js';

export * from './binomial.js';
export * from './exponential.js';
export * from './fixed.js';
export * from './log-normal.js';
export * from './near-future.js';
export * from './normal.js';
export * from './pareto.js';
export * from './recurrence.js';
export * from './uniform.js';
export * from './uniform-discrete.js';
export * from './uniform-integer.js';
export * from './work.js';

export const builtinDistributions: readonly DistributionDefinition[] = [
  uniformDiscreteDistribution,
  uniformIntegerDistribution,
  normalDistribution,
  logNormalDistribution,
  fixedDistribution,
  nearFutureDistribution,
  workDistribution,
  recurrenceDistribution,
  binomialDistribution,
  exponentialDistribution,
  uniformDistribution,
  paretoDistribution,
];
