import { readFileSync } from 'node:fs';
import type { FileParam, ParamValues } from '../params/param-spec.js';
import { Problems, Scope, sourceFile } from '../params/problems.js';
import type { LabelStats } from './label-table.js';
import type { LatencyHistogram } from './latency-histogram.js';
import { checkThresholds, type ThresholdSection } from './thresholds-file.js';

/**
 * Thresholds as the observers apply them: which section of thresholds.json,
 * which row for a label, and whether a label's samples break it.
 */

/** The original's limits, seconds. */
export const DEFAULT_LIMITS: readonly number[] = [0.1, 0.5, 1.0, 3.0, 5.0, 10.0, 30.0];

/** ReportStatistics without thresholds: at most 5 % over 3 s, 1 % over 5 s, 0.5 % over 10 s, none over 30 s. */
export const DEFAULT_REQUEST_THRESHOLDS: ThresholdSection = {
  limits: [...DEFAULT_LIMITS],
  thresholds: { default: [100, 100, 100, 5, 1, 0.5, 0] },
};

/** OperationLogger without thresholds: the columns are shown, nothing fails on time. */
export const DEFAULT_OPERATION_THRESHOLDS: ThresholdSection = {
  limits: [...DEFAULT_LIMITS],
  thresholds: { default: [100, 100, 100, 100, 100, 100, 100] },
};

export type SectionName = 'requests' | 'operations';

/**
 * The section an observer applies: from `thresholdsPath` (which wins, as in
 * the original), else the inline `thresholds` dict, else `fallback`; a source
 * without that section also gives `fallback` (the config check warns about it).
 * Content that does not validate throws: `loadsim validate` reports it first.
 */
export function thresholdSection(values: ParamValues, name: SectionName, fallback: ThresholdSection): ThresholdSection {
  const file = values.thresholdsPath as FileParam | undefined;
  let raw: unknown;
  let where: string;
  if (file) {
    where = file.abs;
    try {
      raw = JSON.parse(readFileSync(file.abs, 'utf8'));
    } catch (e) {
      throw new Error(`${file.abs}: cannot read thresholds: ${(e as Error).message}`);
    }
  } else if (values.thresholds !== undefined) {
    where = 'thresholds';
    raw = values.thresholds;
  } else {
    return fallback;
  }
  const problems = new Problems();
  const parsed = checkThresholds(raw, new Scope(problems, sourceFile(where)), where);
  if (problems.hasErrors || !parsed) throw new Error(problems.errors.map((p) => p.message).join('; '));
  return parsed[name] ?? fallback;
}

/** The percentages that apply to `label`: its own row, else `default`; undefined when neither exists (nothing fails on time). */
export function rowFor(section: ThresholdSection, label: string): readonly number[] | undefined {
  return Object.hasOwn(section.thresholds, label) ? section.thresholds[label] : section.thresholds.default;
}

/** How one label fares against the rules. */
export interface LabelVerdict {
  /** More than `failCutoff` % of its samples failed. */
  failedTooOften: boolean;
  /** Each limit whose share of slower samples exceeds its percentage. */
  exceeded: { limit: number; threshold: number }[];
  /** Either of the above: the STATUS column says FAIL. */
  fail: boolean;
}

/**
 * The original's rules, comparisons strict: a label fails when
 * failed × 100 / count > failCutoff, or for some limit i when
 * (samples strictly slower than limit i) × 100 / count > threshold i.
 * Shares are of all samples, failed ones included.
 */
export function judge(stats: LabelStats, section: ThresholdSection, failCutoff: number): LabelVerdict {
  const count = stats.all.count;
  if (count === 0) return { failedTooOften: false, exceeded: [], fail: false };
  const failedTooOften = (stats.failures * 100) / count > failCutoff;
  const row = rowFor(section, stats.label);
  const exceeded: LabelVerdict['exceeded'] = [];
  section.limits.forEach((limit, i) => {
    const threshold = row?.[i];
    if (threshold !== undefined && (stats.all.countAbove(limit) * 100) / count > threshold) exceeded.push({ limit, threshold });
  });
  return { failedTooOften, exceeded, fail: failedTooOften || exceeded.length > 0 };
}

/**
 * OperationLogger's lag rule: the median lag (the original's: element ⌊n/2⌋
 * of the sorted lags) strictly above `cutoff` seconds. That element is above
 * the cutoff exactly when at least n − ⌊n/2⌋ lags are, which the exact count
 * gives when the histogram tracks the cutoff (the logger's do); otherwise the
 * HDR median decides, within 0.1 %.
 */
export function medianLagAbove(h: LatencyHistogram, cutoff: number): boolean {
  if (h.count === 0) return false;
  if (h.limits.includes(cutoff)) return h.countAbove(cutoff) >= h.count - Math.floor(h.count / 2);
  return h.median() / 1000 > cutoff;
}
