import type { SectionName } from '../stats/thresholds.js';
import type { LabelSummary, ResultDocument } from '../result/result-document.js';

/**
 * Two saved results side by side (`loadsim compare base.json next.json`): per
 * label, how its latency percentiles and failure rate moved, and which moves
 * are regressions, so CI can fail a change that made the server slower.
 */

export interface CompareOptions {
  /** Allowed relative growth of a latency percentile, as a fraction: 0.10 = 10 %. */
  maxRegression: number;
  /**
   * Growth of a percentile at or below this many ms is never a regression,
   * whatever its share: 0.2 → 0.3 ms is +50 % but noise.
   */
  minDeltaMs: number;
  /** Allowed growth of a label's failure rate, in percentage points. */
  maxFailureIncrease: number;
}

export const DEFAULT_COMPARE_OPTIONS: Readonly<CompareOptions> = Object.freeze({ maxRegression: 0.1, minDeltaMs: 1, maxFailureIncrease: 1 });

/** The summary's latency percentiles (seconds) that are compared. */
export type LatencyMetric = 'p50' | 'p95' | 'p99';
export type ComparedMetric = LatencyMetric | 'failureRate';
export const COMPARED_METRICS: readonly ComparedMetric[] = ['p50', 'p95', 'p99', 'failureRate'];

/** How one figure of one label moved. */
export interface MetricChange {
  metric: ComparedMetric;
  /** Seconds for latencies, percent for the failure rate. */
  base: number;
  next: number;
  /** next − base: seconds, or percentage points. */
  delta: number;
  /** delta / base; null when base is 0 (no ratio exists). */
  relative: number | null;
  /** Worse than the options allow. */
  regressed: boolean;
}

export interface LabelComparison {
  section: SectionName;
  label: string;
  /** In COMPARED_METRICS order. */
  metrics: MetricChange[];
  regressed: boolean;
}

export interface LabelRef {
  section: SectionName;
  label: string;
}

export interface Comparison {
  options: CompareOptions;
  /** Labels present in both, requests first, each section in code-unit order. */
  labels: LabelComparison[];
  /** Labels only in base: listed, not regressions (a profile may have changed). */
  missing: LabelRef[];
  /** Labels only in next: listed, not regressions. */
  new: LabelRef[];
  /** One line per regressed figure, naming the label, the metric and both values. */
  regressions: string[];
  regressed: boolean;
}

const SECTIONS: readonly SectionName[] = ['requests', 'operations'];

/**
 * The summaries' figures are seconds to the microsecond and percentages; a
 * difference that only binary floating point made (1.1 × 0.7 ≠ 0.77) must not
 * flip a strict comparison, so "greater" means greater by more than this.
 */
const SLACK = 1e-9;
const greater = (a: number, b: number) => a - b > SLACK * Math.max(1, Math.abs(b));

export function compareResults(base: ResultDocument, next: ResultDocument, options: Partial<CompareOptions> = {}): Comparison {
  const o: CompareOptions = { ...DEFAULT_COMPARE_OPTIONS, ...definedOnly(options) };
  for (const [key, value] of Object.entries(o)) {
    if (!(Number.isFinite(value) && value >= 0)) throw new RangeError(`compare option ${key}: expected a finite number ≥ 0, got ${value}`);
  }
  const labels: LabelComparison[] = [];
  const missing: LabelRef[] = [];
  const added: LabelRef[] = [];
  const regressions: string[] = [];
  for (const section of SECTIONS) {
    const b = base[section];
    const n = next[section];
    for (const label of Object.keys(b).sort(byCodeUnit)) if (!Object.hasOwn(n, label)) missing.push({ section, label });
    for (const label of Object.keys(n).sort(byCodeUnit)) if (!Object.hasOwn(b, label)) added.push({ section, label });
    for (const label of Object.keys(b).sort(byCodeUnit)) {
      if (!Object.hasOwn(n, label)) continue;
      const metrics = COMPARED_METRICS.map((m) => change(m, b[label]!, n[label]!, o));
      labels.push({ section, label, metrics, regressed: metrics.some((m) => m.regressed) });
      for (const m of metrics) if (m.regressed) regressions.push(`${section} ${printable(label)} ${METRIC_NAME[m.metric]}: ${fromTo(m)} (${changeText(m)})`);
    }
  }
  return { options: o, labels, missing, new: added, regressions, regressed: regressions.length > 0 };
}

function change(metric: ComparedMetric, b: LabelSummary, n: LabelSummary, o: CompareOptions): MetricChange {
  const base = b[metric];
  const next = n[metric];
  const delta = next - base;
  const relative = base === 0 ? null : delta / base;
  const regressed =
    metric === 'failureRate'
      ? greater(next, base + o.maxFailureIncrease)
      : greater(next, base * (1 + o.maxRegression)) && greater(delta * 1000, o.minDeltaMs);
  return { metric, base, next, delta, relative, regressed };
}

const METRIC_NAME: Record<ComparedMetric, string> = { p50: 'p50', p95: 'p95', p99: 'p99', failureRate: 'failure rate' };
const COLUMN: Record<ComparedMetric, string> = { p50: 'p50 (s)', p95: 'p95 (s)', p99: 'p99 (s)', failureRate: 'failed (%)' };

/** `0.1200 → 0.1800 s` or `0.50 → 2.00 %`. */
function fromTo(m: MetricChange): string {
  return m.metric === 'failureRate' ? `${m.base.toFixed(2)} → ${m.next.toFixed(2)} %` : `${m.base.toFixed(4)} → ${m.next.toFixed(4)} s`;
}

/** `+50.0 %` for latencies (`+0.0012 s` from zero, which has no ratio), `+1.50 pt` for the failure rate. */
function changeText(m: MetricChange): string {
  const sign = (x: number) => (x < 0 ? '-' : '+');
  if (m.metric === 'failureRate') return `${sign(m.delta)}${Math.abs(m.delta).toFixed(2)} pt`;
  if (m.relative === null) return `${sign(m.delta)}${Math.abs(m.delta).toFixed(4)} s`;
  return `${sign(m.relative)}${Math.abs(m.relative * 100).toFixed(1)} %`;
}

/**
 * The comparison as a text table, one section after the other: a row per
 * label with each metric as `base → next change`, `REGRESSED` after a row
 * with a regressed figure (its cells marked `!`); then the labels only one
 * side has; then `no regression` or `N regressions: …`.
 */
export function renderComparison(c: Comparison): string[] {
  const out: string[] = [];
  for (const section of SECTIONS) {
    const rows = c.labels.filter((l) => l.section === section);
    if (rows.length === 0) continue;
    const table: string[][] = [[section, ...COMPARED_METRICS.map((m) => COLUMN[m]), '']];
    for (const row of rows) {
      const cells = row.metrics.map((m) => {
        const values = m.metric === 'failureRate' ? `${m.base.toFixed(2)} → ${m.next.toFixed(2)}` : `${m.base.toFixed(4)} → ${m.next.toFixed(4)}`;
        return `${values} ${changeText(m)}${m.regressed ? ' !' : ''}`;
      });
      table.push([printable(row.label), ...cells, row.regressed ? 'REGRESSED' : '']);
    }
    if (out.length) out.push('');
    out.push(...alignColumns(table));
  }
  const only = (refs: LabelRef[], where: string) => {
    if (refs.length) out.push('', `only in ${where}: ${refs.map((r) => `${r.section} ${printable(r.label)}`).join(', ')}`);
  };
  only(c.missing, 'base (missing from next)');
  only(c.new, 'next (new)');
  if (out.length) out.push('');
  const n = c.regressions.length;
  out.push(n === 0 ? 'no regression' : `${n} ${n === 1 ? 'regression' : 'regressions'}: ${c.regressions.join('; ')}`);
  return out;
}

/** Left-aligned columns two spaces apart, trailing blanks trimmed. */
function alignColumns(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, [...cell].length)));
  return rows.map((r) => r.map((cell, i) => cell + ' '.repeat(widths[i]! - [...cell].length)).join('  ').trimEnd());
}

/**
 * The CLI's `--max-regression` value as a fraction. `10%`, `10 %` and `10`
 * all mean 10 % (0.1): a bare number is a percentage, so `0.1` means 0.1 %,
 * not 10 % — one rule, not a guess by magnitude.
 */
export function parsePercent(text: string): number {
  const m = /^\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*%?\s*$/i.exec(text);
  const value = m ? Number(m[1]) : NaN;
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`expected a percentage ≥ 0 such as "10%" or "10" (both mean 10 %), got ${JSON.stringify(text)}`);
  }
  return value / 100;
}

/** `{ maxRegression: undefined }` (an absent CLI flag) keeps the default rather than erasing it. */
function definedOnly(o: Partial<CompareOptions>): Partial<CompareOptions> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<CompareOptions>;
}

/**
 * Labels come from servers and users and are printed to a terminal: control
 * characters (an escape sequence could rewrite the screen) become visible
 * `\uXXXX` text. The comparison's data keeps the labels as they were.
 */
function printable(label: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finds control characters to show them escaped
  return label.replace(/[\u0000-\u001F\u007F-\u009F]/g, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
