import { readJsonFile, type FileParam, type ParamValues } from '../params/param-spec.js';
import type { ParamReader } from '../params/params.js';
import { describeValue, isDict, Problems, Scope } from '../params/problems.js';

/** One section (`requests` or `operations`) of thresholds.json. */
export interface ThresholdSection {
  /** Seconds, ascending. */
  limits: number[];
  /** Label → allowed percentage slower than each limit; `default` for labels without a row. */
  thresholds: Record<string, number[]>;
}

export interface Thresholds {
  requests?: ThresholdSection;
  operations?: ThresholdSection;
}

function checkSection(value: unknown, where: string, scope: Scope): ThresholdSection | undefined {
  const bad = (m: string) => (scope.error(`${where}: ${m}`), undefined);
  if (!isDict(value)) return bad(`expected a dict with "limits" and "thresholds", got ${describeValue(value)}`);
  const { limits, thresholds } = value;
  if (!Array.isArray(limits) || limits.length === 0 || !limits.every((n) => typeof n === 'number' && n >= 0)) {
    return bad(`limits: expected a non-empty array of seconds, got ${describeValue(limits)}`);
  }
  if (limits.some((n, i) => i > 0 && n <= (limits[i - 1] as number))) return bad('limits: expected ascending values');
  if (!isDict(thresholds)) return bad(`thresholds: expected a dict of label → percentages, got ${describeValue(thresholds)}`);
  let ok = true;
  for (const [label, row] of Object.entries(thresholds)) {
    if (!Array.isArray(row) || row.length !== limits.length || !row.every((n) => typeof n === 'number' && n >= 0 && n <= 100)) {
      scope.error(`${where}.thresholds["${label}"]: expected ${limits.length} percentages from 0 to 100 (one per limit), got ${JSON.stringify(row)}`);
      ok = false;
    }
  }
  return ok ? { limits: limits as number[], thresholds: thresholds as Record<string, number[]> } : undefined;
}

/** Validate a thresholds value (file content or inline `thresholds` param). */
export function checkThresholds(value: unknown, scope: Scope, label: string): Thresholds | undefined {
  if (!isDict(value)) {
    scope.error(`${label}: expected a dict with "requests" and/or "operations", got ${describeValue(value)}`);
    return undefined;
  }
  const out: Thresholds = {};
  for (const key of Object.keys(value)) {
    if (key !== 'requests' && key !== 'operations') scope.warning(`${label}: unknown section "${key}", ignored`);
  }
  if (value.requests !== undefined) out.requests = checkSection(value.requests, `${label}: requests`, scope);
  if (value.operations !== undefined) out.operations = checkSection(value.operations, `${label}: operations`, scope);
  return out;
}

export function checkThresholdsFile(abs: string, scope: Scope): void {
  const value = readJsonFile(abs, scope);
  if (value !== undefined) checkThresholds(value, scope, abs);
}

/** benchmarks.json: label → {mean seconds, weight}. */
export function checkBenchmarksFile(abs: string, scope: Scope): void {
  const value = readJsonFile(abs, scope);
  if (value === undefined) return;
  if (!isDict(value)) {
    scope.error(`${abs}: expected a dict of label → {mean, weight}, got ${describeValue(value)}`);
    return;
  }
  for (const [label, row] of Object.entries(value)) {
    if (!isDict(row) || typeof row.mean !== 'number' || !(row.mean > 0) || typeof row.weight !== 'number' || row.weight < 0) {
      scope.error(`${abs}: ["${label}"]: expected {"mean": seconds > 0, "weight": number ≥ 0}, got ${JSON.stringify(row)}`);
    }
  }
}

/**
 * Rules across an observer's thresholds params, for `loadsim validate`: the
 * inline `thresholds` dict is checked like a file; both given is a warning
 * (`thresholdsPath` wins, as in the original); a source without the section
 * the observer reads (`requests` for ReportStatistics, `operations` for
 * OperationLogger) is a warning, since the defaults then apply.
 */
export function checkThresholdParams(values: ParamValues, params: ParamReader, section: 'requests' | 'operations'): void {
  const file = values.thresholdsPath as FileParam | undefined;
  const inline = values.thresholds;
  if (file && inline !== undefined) params.at('thresholds').warning('ignored: thresholdsPath is given and wins');
  let parsed: Thresholds | undefined;
  if (file) {
    // Its content was checked (and reported) with the file itself; only the section matters here.
    const quiet = new Scope(new Problems(), params.scope.file, params.scope.path);
    const value = readJsonFile(file.abs, quiet);
    parsed = value === undefined ? undefined : checkThresholds(value, quiet, file.abs);
  } else if (inline !== undefined) {
    parsed = checkThresholds(inline, params.at('thresholds'), 'thresholds');
  } else {
    return;
  }
  if (isDict(parsed) && !(section in parsed)) {
    params.at(file ? 'thresholdsPath' : 'thresholds').warning(`no "${section}" section; the default ${section} thresholds apply`);
  }
}
