import { readFileSync } from 'node:fs';
import type { AccountRecord } from '../core/account-record.js';
import type { FileParam } from '../params/param-spec.js';
import type { Scope } from '../params/problems.js';

/** Up to this many repeated uids are named; the rest are counted. */
const SHOWN = 3;

/** 1-based lines of a CSV whose first column is `uid` (quotes and blanks around it ignored). */
function csvLines(text: string, uid: string): number[] {
  const out: number[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const first = line.split(',')[0]!.trim().replace(/^"(.*)"$/, '$1');
    if (first === uid) out.push(i + 1);
  });
  return out;
}

/**
 * Every simulated user logs in as one account; two users on one uid would
 * share a calendar home, see each other's events and invitations, and make
 * the numbers of the run mean something else than they say. The original
 * accepted a repeated line silently; here it is an error naming the uid, and
 * the CSV lines when the records came from a file.
 */
export function checkDuplicateAccounts(records: readonly AccountRecord[], scope: Scope, csv?: FileParam): void {
  const seen = new Map<string, number[]>();
  records.forEach((r, i) => {
    const list = seen.get(r.uid);
    if (list) list.push(i + 1);
    else seen.set(r.uid, [i + 1]);
  });
  const repeated = [...seen.entries()].filter(([, at]) => at.length > 1);
  if (repeated.length === 0) return;
  let text: string | undefined;
  if (csv) {
    try {
      text = readFileSync(csv.abs, 'utf8');
    } catch {
      text = undefined;
    }
  }
  const shown = repeated.slice(0, SHOWN).map(([uid, at]) => {
    const lines = text !== undefined ? csvLines(text, uid) : [];
    return lines.length > 1 ? `"${uid}" on lines ${lines.join(', ')}` : `"${uid}" in records ${at.join(', ')}`;
  });
  const more = repeated.length > SHOWN ? ` and ${repeated.length - SHOWN} more` : '';
  scope.error(
    `${csv ? `${csv.written}: ` : ''}expected one account per uid, got repeated uids: ${shown.join('; ')}${more} (two simulated users would share one calendar home)`,
  );
}
