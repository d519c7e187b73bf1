import path from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import { renderHtml } from './html.js';
import { renderJUnit } from './junit.js';
import type { ResultDocument } from '../result/result-document.js';
import { appendRunToDb } from './results-db.js';

/** The files a run or `loadsim report` writes from a result document. */
export interface ResultFiles {
  /** `--json`: the result document itself. */
  json?: string;
  /** `--html`: the self-contained HTML report. */
  html?: string;
  /** `--junit`: JUnit XML, a test case per label and rule. */
  junit?: string;
  /** `--results-db sqlite:FILE`: a row per run, label and interval appended. */
  resultsDb?: string;
  /** `--timeseries`: already written during the run; read here for the database's per-label rows. */
  timeseries?: string;
}

/**
 * Write every requested file. Each is written whole (temporary file and
 * rename), and one that fails does not stop the others: the errors come back
 * as messages naming the file, for the caller to print after the report.
 */
export async function writeResultFiles(doc: ResultDocument, files: ResultFiles): Promise<{ written: string[]; errors: string[] }> {
  const written: string[] = [];
  const errors: string[] = [];
  const attempt = async (what: string, file: string | undefined, write: (file: string) => unknown) => {
    if (!file) return;
    try {
      await write(file);
      written.push(`${what} ${file.startsWith('sqlite:') ? `sqlite:${path.resolve(file.slice(7))}` : path.resolve(file)}`);
    } catch (e) {
      errors.push(`${what}: ${(e as Error).message}`);
    }
  };
  await attempt('result', files.json, (f) => writeFileAtomic(f, `${JSON.stringify(doc, null, 2)}\n`));
  await attempt('HTML report', files.html, (f) => writeFileAtomic(f, renderHtml(doc)));
  await attempt('JUnit XML', files.junit, (f) => writeFileAtomic(f, renderJUnit(doc)));
  await attempt('results database', files.resultsDb, (target) => appendRunToDb(target, doc, files.timeseries ? { timeseriesFile: files.timeseries } : {}));
  return { written, errors };
}
