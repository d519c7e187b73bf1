import { DistributionError } from '../lib/core/errors.js';
/**
 * Small helpers shared by the built-in distributions. Each distribution checks
 * its options twice with the same rules: from a plist (through ParamReader, so
 * every problem lands on its key path) and when built in code (its constructor
 * throws a RangeError), so an invalid object can never exist.
 */
import { checkNumber, expectation, type NumberRule, type ParamReader } from '../lib/params/params.js';

/** One problem with one option, named by its plist key. */
export interface Issue {
  key: string;
  message: string;
}

/** Checks numeric options given in code against the rules the plist reader applies. */
export function numberIssues(
  options: object,
  rules: Readonly<Record<string, NumberRule>>,
  optional: readonly string[] = [],
): Issue[] {
  const issues: Issue[] = [];
  for (const [key, rule] of Object.entries(rules)) {
    const value = (options as Record<string, unknown>)[key];
    if (value === undefined) {
      if (!optional.includes(key)) issues.push({ key, message: `missing; expected ${expectation(rule)}` });
      continue;
    }
    const message = checkNumber(value, rule);
    if (message) issues.push({ key, message });
  }
  return issues;
}

/** Throws one RangeError naming every issue (for options given in code). */
export function assertValid(name: string, issues: readonly Issue[]): void {
  if (issues.length > 0) {
    throw new RangeError(`${name}: ${issues.map((i) => `${i.key}: ${i.message}`).join('; ')}`);
  }
}

export function reportIssues(params: ParamReader, issues: readonly Issue[]): void {
  for (const issue of issues) params.error(issue.key, issue.message);
}

/**
 * An optional number that keeps "given but invalid" apart from "absent":
 * undefined when absent, NaN when invalid (already reported), else the value.
 * Parametrisation checks (LogNormal, Exponential) need that difference.
 */
export function maybeNumber(params: ParamReader, key: string, rule: NumberRule = {}): number | undefined {
  if (!params.has(key)) {
    params.markUsed(key);
    return undefined;
  }
  return params.number(key, rule);
}

export const isNumber = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);

/** Numbers in `describe()`: as given when short, else 6 significant digits. */
export function formatNumber(n: number): string {
  const plain = String(n);
  return plain.length <= 10 ? plain : String(Number(n.toPrecision(6)));
}

/** A plist value in `describe()`. */
export function formatValue(v: unknown): string {
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return `[${v.map(formatValue).join(', ')}]`;
  if (Buffer.isBuffer(v)) return `<${v.length} bytes>`;
  return '{…}';
}

/** Redraws allowed after a first draw above `maximum` (the original's 10). */
export const MAXIMUM_REDRAWS = 10;

/**
 * Draw until a value is at most `maximum`: the first draw and up to
 * MAXIMUM_REDRAWS more, then give up with a DistributionError, as the original.
 */
export function drawBelow(name: string, maximum: number, draw: () => number): number {
  let x = draw();
  for (let redraws = 0; x > maximum; redraws++) {
    if (redraws === MAXIMUM_REDRAWS) {
      throw new DistributionError(
        `Unable to generate ${name} sample within required range (maximum ${formatNumber(maximum)}; ${MAXIMUM_REDRAWS + 1} draws all exceeded it)`,
      );
    }
    x = draw();
  }
  return x;
}

/**
 * The largest share of samples allowed to fail with "unable to generate …
 * within required range". A `maximum` that most draws exceed makes sampling
 * impossible in practice: the error would come mid-run, from a profile, long
 * after validation said yes. One in a thousand keeps every plist we know of
 * (mode 1, median 6, maximum 60 fails about once in 10²⁰) while refusing a
 * maximum below the bulk of the distribution.
 */
export const MAX_SAMPLE_FAILURE = 1e-3;

/**
 * An issue at `maximum` when a sample would fail too often: `below` is the
 * chance that one draw is at most `maximum`; a sample fails when the draw and
 * all its redraws exceed it.
 */
export function maximumIssue(below: number, maximum: number, bulk: string): Issue[] {
  const failure = (1 - below) ** (MAXIMUM_REDRAWS + 1);
  if (!(failure > MAX_SAMPLE_FAILURE)) return [];
  const odds = failure >= 0.5 ? 'almost every sample' : `about 1 sample in ${Math.round(1 / failure)}`;
  return [
    {
      key: 'maximum',
      message: `expected a maximum the distribution can sample below, got ${formatNumber(maximum)}: only ${(100 * below).toPrecision(2)} % of draws are at most that, so ${odds} would fail after ${MAXIMUM_REDRAWS + 1} draws; ${bulk}`,
    },
  ];
}

/** Φ(z), the standard normal CDF (Abramowitz & Stegun 7.1.26, error < 1.5·10⁻⁷: enough to judge a maximum). */
export function normalCdf(z: number): number {
  if (z === Infinity) return 1;
  if (z === -Infinity) return 0;
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}
