import { ConfigError } from '../core/errors.js';
import { compareResults, parsePercent, renderComparison } from '../report/compare.js';
import { readResultDocument } from '../result/read-result.js';
import type { ResultDocument } from '../result/result-document.js';
import { writeResultFiles, type ResultFiles } from '../report/result-files.js';
import { reportText } from '../report/text-report.js';
import { UsageError } from '../core/errors.js';
import { EXIT } from './exit-codes.js';
import { mergeResults } from '../result/merge-results.js';

/** A saved result, or exit 2 with every problem printed. */
function read(file: string, err: (s: string) => void): ResultDocument {
  try {
    return readResultDocument(file);
  } catch (e) {
    if (e instanceof ConfigError) err(e.message);
    throw e;
  }
}

/**
 * Print a result's report and write its files, saying where each went; the
 * exit code is its verdict, or FAIL when a file could not be written (CI
 * reading it would otherwise see nothing, or last week's).
 */
export async function printAndWrite(doc: ResultDocument, files: ResultFiles, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  out(reportText(doc));
  const { written, errors } = await writeResultFiles(doc, files);
  for (const w of written) err(`loadsim: wrote ${w}`);
  for (const e of errors) err(`loadsim: ${e}`);
  if (errors.length) return EXIT.fail;
  return doc.verdict === 'PASS' ? EXIT.ok : EXIT.fail;
}

/**
 * `loadsim report RESULT.json [--html F] [--junit F]`: print the text report of
 * a saved run again and write the other forms from it (Pyak47's results
 * re-processing). The exit code is the saved verdict.
 */
export async function reportCommand(positionals: string[], flags: { html?: string; junit?: string; json?: string }, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  if (positionals.length !== 1) throw new UsageError(`report: expected one result file (written by loadsim run --json), got ${positionals.length}`);
  const doc = read(positionals[0]!, err);
  return await printAndWrite(doc, { html: flags.html, junit: flags.junit, json: flags.json }, out, err);
}

/**
 * `loadsim merge PART.json… [--json F] [--html F] [--junit F]`: one result from
 * the results of slices of a run (independent workers on a batch system):
 * the merged report, judged again; the exit code is the merged verdict.
 */
export async function mergeCommand(positionals: string[], flags: { html?: string; junit?: string; json?: string }, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  if (positionals.length === 0) throw new UsageError('merge: expected the result files of the slices (written by loadsim run --worker-index I --worker-count N --json F)');
  const inputs = positionals.map((file) => ({ file, doc: read(file, err) }));
  let doc: ResultDocument;
  try {
    doc = mergeResults(inputs);
  } catch (e) {
    if (e instanceof ConfigError) err(e.message);
    throw e;
  }
  err(`loadsim: merged ${inputs.length} results: ${doc.events.responses} responses from ${doc.users} users`);
  return await printAndWrite(doc, { html: flags.html, junit: flags.junit, json: flags.json }, out, err);
}

/**
 * `loadsim compare BASE.json NEW.json [--max-regression 10%]`: per label, how
 * p50, p95, p99 and the failure rate moved; exit 1 when any moved further than
 * allowed, 0 otherwise.
 */
export function compareCommand(positionals: string[], flags: { 'max-regression'?: string; 'min-delta-ms'?: string; 'max-failure-increase'?: string }, out: (s: string) => void, err: (s: string) => void): number {
  if (positionals.length !== 2) throw new UsageError(`compare: expected two result files, BASE.json NEW.json, got ${positionals.length}`);
  const option = (flag: string, value: string | undefined, parse: (v: string) => number): number | undefined => {
    if (value === undefined) return undefined;
    try {
      return parse(value);
    } catch (e) {
      throw new UsageError(`--${flag}: ${(e as Error).message}`);
    }
  };
  const nonNegative = (v: string) => {
    const n = Number(v);
    if (!(Number.isFinite(n) && n >= 0)) throw new RangeError(`expected a number ≥ 0, got "${v}"`);
    return n;
  };
  const maxRegression = option('max-regression', flags['max-regression'], parsePercent);
  const minDeltaMs = option('min-delta-ms', flags['min-delta-ms'], nonNegative);
  const maxFailureIncrease = option('max-failure-increase', flags['max-failure-increase'], nonNegative);
  const base = read(positionals[0]!, err);
  const next = read(positionals[1]!, err);
  const c = compareResults(base, next, {
    ...(maxRegression !== undefined ? { maxRegression } : {}),
    ...(minDeltaMs !== undefined ? { minDeltaMs } : {}),
    ...(maxFailureIncrease !== undefined ? { maxFailureIncrease } : {}),
  });
  out(`base ${positionals[0]} (${base.verdict}, seed ${base.seed}, ${base.runSeconds} s)  →  new ${positionals[1]} (${next.verdict}, seed ${next.seed}, ${next.runSeconds} s)`);
  out(`allowed: latency +${(c.options.maxRegression * 100).toFixed(1)}% (and more than ${c.options.minDeltaMs} ms), failure rate +${c.options.maxFailureIncrease} points`);
  out('');
  for (const line of renderComparison(c)) out(line);
  return c.regressed ? EXIT.fail : EXIT.ok;
}
