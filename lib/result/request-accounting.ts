import type { SimEvent } from '../core/events.js';
import type { IntervalRecord, RequestCounts, ResultDocument } from './result-document.js';

/**
 * The accounting invariant, kept per label as the run goes: every request
 * started ends as exactly one of succeeded, failed or interrupted. It is
 * counted here from the raw events, apart from the statistics, so that a
 * bug that loses or double-counts a response in either shows as an
 * imbalance instead of a quietly wrong report. A server that resets, stalls
 * or answers garbage changes which column a request lands in, never whether
 * it is counted.
 */
export class RequestAccounting {
  private readonly labels = new Map<string, RequestCounts>();

  observe(e: SimEvent): void {
    if (e.type === 'request') this.counts(e.label).started++;
    else if (e.type === 'response') {
      const c = this.counts(e.label);
      if (e.success) c.succeeded++;
      else if (e.error === 'interrupted') c.interrupted++;
      else c.failed++;
    }
  }

  private counts(label: string): RequestCounts {
    let c = this.labels.get(label);
    if (!c) this.labels.set(label, (c = { started: 0, succeeded: 0, failed: 0, interrupted: 0 }));
    return c;
  }

  /** The table, labels sorted. */
  table(): Record<string, RequestCounts> {
    const out: Record<string, RequestCounts> = {};
    for (const label of [...this.labels.keys()].sort()) out[label] = { ...this.labels.get(label)! };
    return out;
  }
}

/** Sum of several tables (the slices of a run merged). */
export function mergeAccounting(tables: readonly Record<string, RequestCounts>[]): Record<string, RequestCounts> {
  const sum = new Map<string, RequestCounts>();
  for (const t of tables) {
    for (const [label, c] of Object.entries(t)) {
      const s = sum.get(label) ?? { started: 0, succeeded: 0, failed: 0, interrupted: 0 };
      s.started += c.started;
      s.succeeded += c.succeeded;
      s.failed += c.failed;
      s.interrupted += c.interrupted;
      sum.set(label, s);
    }
  }
  return Object.fromEntries([...sum.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Where a finished run's books do not balance, one line each (empty when
 * they do): per label, started = succeeded + failed + interrupted, and the
 * report's count and failures agree with those; the labels together account
 * for every request and response event. A result without the table is a
 * problem too, not a pass: every loadsim that writes results keeps it, so its
 * absence means the books were lost, and a check that passed on nothing
 * would hide exactly the bug it is there for.
 */
export function accountingProblems(doc: {
  accounting?: ResultDocument['accounting'];
  /** The report's per-label counts; absent = only the books themselves are checked. */
  requests?: Record<string, { count: number; failed: number }>;
  events: Pick<ResultDocument['events'], 'requests' | 'responses'>;
}): string[] {
  const table = doc.accounting?.requests;
  if (!table) return ['the result has no accounting table (accounting.requests): the books cannot be checked'];
  const out: string[] = [];
  let started = 0;
  let ended = 0;
  for (const [label, c] of Object.entries(table)) {
    started += c.started;
    ended += c.succeeded + c.failed + c.interrupted;
    if (c.started !== c.succeeded + c.failed + c.interrupted) out.push(`${label}: ${c.started} started ≠ ${c.succeeded} succeeded + ${c.failed} failed + ${c.interrupted} interrupted`);
    if (!doc.requests) continue;
    const reported = doc.requests[label];
    const responses = c.succeeded + c.failed + c.interrupted;
    if (responses > 0 && !reported) out.push(`${label}: ${responses} responses are missing from the report`);
    else if (reported && (reported.count !== responses || reported.failed !== c.failed + c.interrupted)) {
      out.push(`${label}: the report counts ${reported.count} (${reported.failed} failed), the accounting ${responses} (${c.failed + c.interrupted} failed or interrupted)`);
    }
  }
  for (const label of Object.keys(doc.requests ?? {})) if (!table[label]) out.push(`${label}: in the report but never started`);
  if (started !== doc.events.requests) out.push(`the labels account for ${started} requests started, the run counted ${doc.events.requests}`);
  if (ended !== doc.events.responses) out.push(`the labels account for ${ended} responses, the run counted ${doc.events.responses}`);
  return out;
}

/** An interval's started and in-flight requests (and the clients' cached data) over the slices, when every slice counted them. */
export function sumAccountingColumns(rows: readonly Pick<IntervalRecord, 'started' | 'inFlight' | 'cachedBytes'>[]): Pick<IntervalRecord, 'started' | 'inFlight' | 'cachedBytes'> {
  const out: Pick<IntervalRecord, 'started' | 'inFlight' | 'cachedBytes'> = {};
  if (rows.every((r) => r.started !== undefined)) out.started = rows.reduce((a, r) => a + r.started!, 0);
  if (rows.every((r) => r.inFlight !== undefined)) out.inFlight = rows.reduce((a, r) => a + r.inFlight!, 0);
  if (rows.every((r) => r.cachedBytes !== undefined)) out.cachedBytes = rows.reduce((a, r) => a + r.cachedBytes!, 0);
  return out;
}

/**
 * The invariant at every interval boundary: requests started so far minus
 * responses so far equals the requests open at that boundary. One line per
 * interval where it does not hold, or that lacks `started` or `inFlight`
 * (the columns every interval carries: without them nothing was checked,
 * which must not read as balanced books).
 */
export function intervalAccountingProblems(rows: readonly Pick<IntervalRecord, 'index' | 'count' | 'started' | 'inFlight'>[]): string[] {
  const out: string[] = [];
  let started = 0;
  let responses = 0;
  for (const r of rows) {
    if (r.started === undefined || r.inFlight === undefined) {
      out.push(`interval ${r.index}: no ${r.started === undefined ? 'started' : 'inFlight'} column: the books cannot be checked from here on`);
      return out;
    }
    started += r.started;
    responses += r.count;
    if (started - responses !== r.inFlight) out.push(`interval ${r.index}: ${started} started − ${responses} answered = ${started - responses}, but ${r.inFlight} were open`);
  }
  return out;
}
