import type { Observer, ReportContext } from '../registry/observer.js';

export interface Verdict {
  passed: boolean;
  /** Every observer's failures, in observer order. */
  reasons: string[];
}

/**
 * The end of a run, as the original printed it (the original's sim.py): each observer's
 * report in config order, then a blank line and `*** PASS`, or `*** FAIL`
 * followed by the reasons, one per line. An observer whose report or
 * failures throw does not hide the others: its error becomes a reason, so the
 * run fails rather than passing on a broken observer.
 */
export function writeVerdict(observers: readonly Observer[], out: (line: string) => void, ctx: ReportContext): Verdict {
  const reasons: string[] = [];
  const nameOf = (o: Observer) => o.constructor?.name || 'observer';
  for (const o of observers) {
    try {
      o.report(out, ctx);
    } catch (e) {
      out(`${nameOf(o)}: report failed: ${(e as Error).message}`);
      reasons.push(`${nameOf(o)} could not write its report: ${(e as Error).message}`);
    }
  }
  for (const o of observers) {
    try {
      reasons.push(...o.failures());
    } catch (e) {
      reasons.push(`${nameOf(o)} could not judge the run: ${(e as Error).message}`);
    }
  }
  out('');
  if (reasons.length === 0) {
    out('*** PASS');
    return { passed: true, reasons };
  }
  out('*** FAIL');
  for (const r of reasons) out(r);
  return { passed: false, reasons };
}
