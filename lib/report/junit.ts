import { g } from '../core/format.js';
import { judge, medianLagAbove, rowFor, type LabelVerdict, type SectionName } from '../stats/thresholds.js';
import type { ThresholdSection } from '../stats/thresholds-file.js';
import { FAILURE_TABLE_DEFAULTS, moreKindsText, topKinds, type FailureCounts, type FailureTable } from '../stats/failure-table.js';
import type { LabelStats } from '../stats/label-table.js';
import { LatencyHistogram } from '../stats/latency-histogram.js';
import { escapeAttr, escapeXml } from '../xml/write.js';
import type { ResultDocument, SavedLabel, SavedSection } from '../result/result-document.js';
import { restoreFailures } from '../result/saved-section.js';

/**
 * A saved result as JUnit XML (the schema Jenkins, GitLab and GitHub test
 * reporters read), so a CI page shows which label broke which rule rather
 * than one red "loadsim exited 1".
 *
 * Every rule is a test case: per label, the failure-rate rule (whose failure
 * names the label's most frequent kinds of failure, from the error table)
 * and each threshold limit that can fail; per operation, the scheduling-lag
 * rule; and for the run, the overall verdict, client failures, failed
 * operations and dropped events. The verdicts are recomputed from the saved
 * histograms with the observers' own `judge`, so they are the run's
 * verdicts, exactly.
 */

/** What kind of rule a `<failure>` broke: its `type` attribute, for filtering in CI. */
export type JUnitFailureType = 'failure-rate' | 'threshold' | 'scheduling-lag' | 'verdict' | 'client-failures' | 'failed-operations' | 'dropped-events';

/** A label whose saved histograms cannot be read cannot be judged: an `<error>`, not a pass. */
type JUnitErrorType = 'unreadable-statistics';

interface Outcome<T extends string> {
  type: T;
  /** One line, for the CI summary. */
  message: string;
  /** The details, several lines. */
  text: string;
}

interface TestCase {
  classname: string;
  name: string;
  /** Seconds. */
  time: number;
  failure?: Outcome<JUnitFailureType>;
  error?: Outcome<JUnitErrorType>;
}

interface TestSuite {
  name: string;
  /** Seconds. */
  time: number;
  cases: TestCase[];
  properties?: [string, string][];
}

/** How the messages name one sample of each section. */
const NOUN: Record<SectionName, string> = { requests: 'requests', operations: 'operations' };

export function renderJUnit(doc: ResultDocument): string {
  const suites: TestSuite[] = [
    { name: 'requests', time: doc.runSeconds, cases: sectionCases('requests', doc.saved.requests, doc.errors) },
    { name: 'operations', time: doc.runSeconds, cases: sectionCases('operations', doc.saved.operations, doc.operationErrors, doc.saved.operations.lagCutoff) },
    { name: 'run', time: doc.runSeconds, cases: runCases(doc), properties: runProperties(doc) },
  ];
  // The schema's timestamp is a local date-time without a zone; UTC is the only unambiguous choice.
  const timestamp = new Date(doc.startedAt).toISOString().slice(0, 19);
  const total = (count: (s: TestSuite) => number) => suites.reduce((n, s) => n + count(s), 0);
  const tests = (s: TestSuite) => s.cases.length;
  const failures = (s: TestSuite) => s.cases.filter((c) => c.failure).length;
  const errors = (s: TestSuite) => s.cases.filter((c) => c.error).length;

  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  // The suites ran side by side over the same run, so the whole took runSeconds, not their sum.
  out.push(`<testsuites name="loadsim" tests="${total(tests)}" failures="${total(failures)}" errors="${total(errors)}" time="${seconds(doc.runSeconds)}">`);
  for (const s of suites) {
    out.push(
      `  <testsuite name="${attr(s.name)}" tests="${tests(s)}" failures="${failures(s)}" errors="${errors(s)}" skipped="0" time="${seconds(s.time)}" timestamp="${timestamp}" hostname="${attr(doc.environment.hostname)}">`,
    );
    if (s.properties?.length) {
      out.push('    <properties>');
      for (const [name, value] of s.properties) out.push(`      <property name="${attr(name)}" value="${attr(value)}"/>`);
      out.push('    </properties>');
    }
    for (const c of s.cases) out.push(...renderCase(c));
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}

function renderCase(c: TestCase): string[] {
  const open = `    <testcase classname="${attr(c.classname)}" name="${attr(c.name)}" time="${seconds(c.time)}"`;
  const outcome = c.failure ? ['failure', c.failure] as const : c.error ? ['error', c.error] as const : undefined;
  if (!outcome) return [`${open}/>`];
  const [tag, o] = outcome;
  return [`${open}>`, `      <${tag} message="${attr(o.message)}" type="${o.type}">${text(o.text)}</${tag}>`, '    </testcase>'];
}

/** One section's cases, labels in the report's order (code units). `errors`: its error table, absent in results of older versions. */
function sectionCases(name: SectionName, saved: SavedSection, errors: FailureCounts | undefined, lagCutoff?: number): TestCase[] {
  const rules: ThresholdSection = { limits: saved.thresholds.limits, thresholds: saved.thresholds.thresholds };
  const failures = errors ? restoreFailures(saved.labels, errors) : undefined;
  const cases: TestCase[] = [];
  for (const label of Object.keys(saved.labels).sort(byCodeUnit)) {
    const classname = `${name}.${label}`;
    let stats: LabelStats;
    let verdict: LabelVerdict;
    let lag: LatencyHistogram | undefined;
    try {
      stats = rebuild(label, saved.labels[label]!);
      verdict = judge(stats, rules, saved.failCutoff);
      lag = lagCutoff !== undefined && saved.labels[label]!.lag !== undefined ? LatencyHistogram.decode(saved.labels[label]!.lag!) : undefined;
    } catch (e) {
      const message = `the saved statistics of ${label} cannot be read: ${(e as Error).message}`;
      cases.push({ classname, name: 'saved statistics', time: 0, error: { type: 'unreadable-statistics', message, text: message } });
      continue;
    }
    cases.push(...labelCases(name, classname, stats, verdict, rules, saved.failCutoff, failures));
    if (lag && lag.count > 0) cases.push(lagCase(name, classname, stats, lag, lagCutoff!));
  }
  return cases;
}

function rebuild(label: string, saved: SavedLabel): LabelStats {
  return { label, all: LatencyHistogram.decode(saved.all), successful: LatencyHistogram.decode(saved.successful), failures: saved.failures, timeouts: saved.timeouts ?? 0 };
}

function labelCases(section: SectionName, classname: string, stats: LabelStats, verdict: LabelVerdict, rules: ThresholdSection, failCutoff: number, failures: FailureTable | undefined): TestCase[] {
  const count = stats.all.count;
  // A CI duration trend of a label's cases then follows its mean latency.
  const time = count > 0 ? stats.all.mean / 1000 : 0;
  const figures = labelFigures(stats);
  const cases: TestCase[] = [];

  const failedShare = count > 0 ? (stats.failures * 100) / count : 0;
  const failCase: TestCase = { classname, name: `failed ≤ ${g(failCutoff)} %`, time };
  if (verdict.failedTooOften) {
    const why = failures ? whyFailed(failures.countsOf(stats.label), count) : undefined;
    const message = `${stats.failures} of ${count} ${NOUN[section]} (${share(failedShare, failCutoff)} %) failed${why ? `: ${why.brief}` : ''}; allowed ${g(failCutoff)} %`;
    failCase.failure = { type: 'failure-rate', message, text: [message, figures, ...(why?.lines ?? [])].join('\n') };
  }
  cases.push(failCase);

  const row = rowFor(rules, stats.label);
  rules.limits.forEach((limit, i) => {
    const threshold = row?.[i];
    // A share of samples cannot exceed 100 %: such a limit is shown in the report but is no rule.
    if (threshold === undefined || !(threshold < 100)) return;
    const c: TestCase = { classname, name: `at most ${g(threshold)} % slower than ${g(limit)} s`, time };
    if (verdict.exceeded.some((x) => x.limit === limit)) {
      const slower = stats.all.countAbove(limit);
      const message = `${slower} of ${count} ${NOUN[section]} (${share((slower * 100) / count, threshold)} %) were slower than ${g(limit)} s; allowed ${g(threshold)} %`;
      c.failure = { type: 'threshold', message, text: `${message}\n${figures}` };
    }
    cases.push(c);
  });
  return cases;
}

/** How many of each kind: the most frequent few on the message's line (`HTTP 404 Not Found ×2, timeout ×1`), more in the text, a line each. */
function whyFailed(counts: Record<string, number>, count: number): { brief: string; lines: string[] } | undefined {
  const few = topKinds(counts, 3);
  if (few.shown.length === 0 && !few.rest) return undefined;
  const items = few.shown.map(({ kind, count: n }) => `${kind} ×${n}`);
  if (few.rest) items.push(moreKindsText(few.rest, true));
  const many = topKinds(counts, FAILURE_TABLE_DEFAULTS.shown);
  const percent = (n: number) => (count > 0 ? ` (${((100 * n) / count).toFixed(2)} %)` : '');
  const lines = ['errors:', ...many.shown.map(({ kind, count: n }) => `  ${n}${percent(n)} ${kind}`)];
  if (many.rest) lines.push(`  ${many.rest.failures}${percent(many.rest.failures)} ${moreKindsText(many.rest)}`);
  return { brief: items.join(', '), lines };
}

function lagCase(section: SectionName, classname: string, stats: LabelStats, lag: LatencyHistogram, lagCutoff: number): TestCase {
  const c: TestCase = { classname, name: `median scheduling lag ≤ ${g(lagCutoff)} s`, time: stats.all.count > 0 ? stats.all.mean / 1000 : 0 };
  if (medianLagAbove(lag, lagCutoff)) {
    const message = `median scheduling lag was ${secondsText(lag.median())} s over ${lag.count} ${NOUN[section]}; allowed ${g(lagCutoff)} s`;
    const details = `lag p50 ${secondsText(lag.median())} s, p99 ${secondsText(lag.percentile(99))} s, max ${secondsText(lag.max)} s`;
    c.failure = { type: 'scheduling-lag', message, text: `${message}\n${details}` };
  }
  return c;
}

function runCases(doc: ResultDocument): TestCase[] {
  const cases: TestCase[] = [];
  const verdict: TestCase = { classname: 'run', name: 'overall verdict', time: 0 };
  if (doc.verdict === 'FAIL') {
    const reasons = doc.reasons.length ? doc.reasons : ['the run failed without a recorded reason'];
    verdict.failure = { type: 'verdict', message: `FAIL: ${brief(reasons)}`, text: reasons.join('\n') };
  }
  cases.push(verdict);
  cases.push(countedCase('no client failures', doc.clientFailures, 'client-failures', (n) => `${n} client ${n === 1 ? 'failure' : 'failures'}`));
  cases.push(countedCase('no failed operations', doc.simFailures, 'failed-operations', (n) => `${n} failed ${n === 1 ? 'operation' : 'operations'}`));
  const dropped: TestCase = { classname: 'run', name: 'no dropped events', time: 0 };
  if (doc.events.dropped > 0) {
    const message = `${doc.events.dropped} ${doc.events.dropped === 1 ? 'event was' : 'events were'} dropped: the observers could not keep up, so the results are incomplete`;
    dropped.failure = { type: 'dropped-events', message, text: message };
  }
  cases.push(dropped);
  return cases;
}

/** A case that fails when any reason was counted: `reason → count`. */
function countedCase(name: string, counts: Record<string, number>, type: JUnitFailureType, how: (n: number) => string): TestCase {
  const c: TestCase = { classname: 'run', name, time: 0 };
  const entries = Object.entries(counts).filter(([, n]) => n > 0).sort(([a], [b]) => byCodeUnit(a, b));
  const total = entries.reduce((n, [, k]) => n + k, 0);
  if (total > 0) {
    const lines = entries.map(([reason, n]) => `${reason} (${n})`);
    c.failure = { type, message: `${how(total)}: ${brief(lines)}`, text: lines.join('\n') };
  }
  return c;
}

/** What the run was, for whoever reads the CI page. */
function runProperties(doc: ResultDocument): [string, string][] {
  return [
    ['seed', doc.seed],
    ['endedBy', doc.endedBy],
    ['users', String(doc.users)],
    ['clients', String(doc.clients)],
    ['config', doc.run.config],
    ['clientsFile', doc.run.clients],
    ['servers', doc.run.servers.join(' ')],
    ['loadsim', doc.environment.loadsim],
    ['node', doc.environment.node],
  ];
}

/** The first few items on one line; the failure's text has them all. */
function brief(items: string[], most = 5): string {
  const shown = items.slice(0, most).join('; ');
  return items.length > most ? `${shown}; and ${items.length - most} more` : shown;
}

function labelFigures(stats: LabelStats): string {
  const h = stats.all;
  if (h.count === 0) return 'no samples';
  return `count ${h.count}, failed ${stats.failures}, mean ${secondsText(h.mean)} s, p50 ${secondsText(h.median())} s, p95 ${secondsText(h.percentile(95))} s, p99 ${secondsText(h.percentile(99))} s, max ${secondsText(h.max)} s`;
}

/**
 * A share in percent with two decimals, or more when two would round it onto
 * the wrong side of the limit it is compared with (5.004 % against 5 % must
 * not read "5.00 %" in a failure).
 */
function share(percent: number, limit: number): string {
  let digits = 2;
  while (digits < 10 && percent > limit !== Number(percent.toFixed(digits)) > limit) digits++;
  return percent.toFixed(digits);
}

/** Milliseconds as seconds, to the microsecond, without trailing zeros. */
function secondsText(ms: number): string {
  return Number.isFinite(ms) ? String(Number((ms / 1000).toFixed(6))) : 'n/a';
}

/** A `time` attribute: decimal seconds, never an exponent. */
function seconds(s: number): string {
  return Number.isFinite(s) && s > 0 ? String(Number(s.toFixed(6))) : '0';
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Characters XML 1.0 cannot carry at all (C0 controls other than tab, line
 * feed and carriage return; lone surrogates; U+FFFE and U+FFFF): not even as
 * character references. Labels and reasons come from servers and users, so
 * such characters are written as visible `\uXXXX` text instead of making the
 * whole report unreadable.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finds the characters XML 1.0 forbids, to escape them
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function xmlChars(s: string): string {
  return s.replace(NOT_XML, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
}

/** An attribute value: parsers turn literal tabs and line breaks into spaces, so those travel as references. */
function attr(s: string): string {
  return escapeAttr(xmlChars(s)).replace(/[\t\n\r]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Element text: a literal carriage return would be read back as a line feed. */
function text(s: string): string {
  return escapeXml(xmlChars(s)).replace(/\r/g, '&#13;');
}
