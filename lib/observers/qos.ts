import { readFileSync } from 'node:fs';
import type { LabelTable } from '../stats/label-table.js';

/**
 * "Quality of service": how far a run's mean response times are from a set of
 * benchmark means (benchmarks.json), weighted per label, so that runs can be
 * compared with one number. 1.0 is "on benchmark"; above is slower.
 */

export interface Benchmark {
  /** Seconds. */
  mean: number;
  weight: number;
}

export type Benchmarks = Readonly<Record<string, Benchmark>>;

/** Read benchmarks.json (validated by `loadsim validate`); throws when it cannot be read. */
export function loadBenchmarks(abs: string): Benchmarks {
  try {
    return JSON.parse(readFileSync(abs, 'utf8')) as Benchmarks;
  } catch (e) {
    throw new Error(`${abs}: cannot read benchmarks: ${(e as Error).message}`);
  }
}

/** ((mean / benchmark mean) − 1) × weight + 1 for a label with a benchmark; undefined without one. */
export function qosValue(benchmarks: Benchmarks, label: string, meanSeconds: number): number | undefined {
  const b = Object.hasOwn(benchmarks, label) ? benchmarks[label] : undefined;
  if (!b || !(b.mean > 0)) return undefined;
  return (meanSeconds / b.mean - 1) * b.weight + 1;
}

/**
 * The run's QoS: the average of the labels' values, each from the mean of its
 * *successful* samples (a failure's time says nothing about service). Labels
 * without a benchmark or without a successful sample are left out; undefined
 * when none is left (the original printed "None"; its 2013 revision divided
 * by zero when a label had only failures).
 */
export function overallQos(table: LabelTable, benchmarks: Benchmarks): number | undefined {
  const values: number[] = [];
  for (const row of table.sorted()) {
    if (row.successful.count === 0) continue;
    const v = qosValue(benchmarks, row.label, row.successful.mean / 1000);
    if (v !== undefined) values.push(v);
  }
  return values.length === 0 ? undefined : values.reduce((s, v) => s + v, 0) / values.length;
}
