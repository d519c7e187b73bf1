/**
 * Why requests (or operations) failed: per label, each distinct kind of
 * failure (failure-kind.ts: `HTTP 500 Internal Server Error`, `timeout`,
 * `connection reset`, …) and how many times it happened. Locust's "Error
 * report", k6's failed checks: the counts behind a label's `failed` column.
 *
 * Bounded: a server that puts a request id in every error message must not
 * grow the table (or the result document) with the run. Each label keeps at
 * most `maxKinds` distinct kinds; a kind first seen after that is counted
 * under one `(other kinds)` bucket, so a label's counts always add up to its
 * failures, exactly, however many kinds there were.
 */

/** The bounds of a table and of what the reports show of it. */
export const FAILURE_TABLE_DEFAULTS = {
  /** Distinct kinds kept per label; later ones are counted under `OTHER_KINDS`. */
  maxKinds: 50,
  /** Longest kind kept, characters; a longer one (a reason quoting a whole server message) is cut and ends with `…`. */
  maxKindLength: 200,
  /** Kinds per label the reports show (text, HTML, JUnit), most frequent first; the rest are summed on one line. */
  shown: 10,
} as const;

export interface FailureTableOptions {
  maxKinds?: number;
  maxKindLength?: number;
}

/** The bucket of the kinds a label had no room left for. Parenthesised: no failure reason reads like that. */
export const OTHER_KINDS = '(other kinds)';

/** The failures of a label whose kinds were never recorded (a result saved before error tables existed). */
export const NOT_RECORDED = '(not recorded)';

/** Label → kind → count, as the result document keeps it. */
export type FailureCounts = Record<string, Record<string, number>>;

interface Row {
  kinds: Map<string, number>;
  /** Failures of the kinds that found no room. */
  other: number;
}

export class FailureTable {
  readonly maxKinds: number;
  readonly maxKindLength: number;
  private readonly rows = new Map<string, Row>();

  constructor(options: FailureTableOptions = {}) {
    this.maxKinds = options.maxKinds ?? FAILURE_TABLE_DEFAULTS.maxKinds;
    this.maxKindLength = options.maxKindLength ?? FAILURE_TABLE_DEFAULTS.maxKindLength;
    if (!Number.isInteger(this.maxKinds) || this.maxKinds < 1) throw new RangeError(`maxKinds must be a whole number ≥ 1, got ${this.maxKinds}`);
    if (!Number.isInteger(this.maxKindLength) || this.maxKindLength < 2) throw new RangeError(`maxKindLength must be a whole number ≥ 2, got ${this.maxKindLength}`);
  }

  /** The table a result document saved (`errors`), bounded by these options (a table with more kinds is folded). */
  static fromJSON(counts: Readonly<FailureCounts>, options: FailureTableOptions = {}): FailureTable {
    const t = new FailureTable(options);
    for (const [label, kinds] of Object.entries(counts)) {
      // Counted all at once, then folded: which kinds keep their names must not depend on the order they were saved in.
      const row = t.row(label);
      for (const [kind, n] of Object.entries(kinds)) t.add(row, kind, n, false);
      t.fold(row);
      if (row.kinds.size === 0 && row.other === 0) t.rows.delete(label);
    }
    return t;
  }

  /** Count `count` failures of `kind` for `label`. */
  record(label: string, kind: string, count = 1): void {
    if (count === 0) return;
    this.add(this.row(label), kind, count, true);
  }

  /**
   * Fold another table (a worker's, a slice's) into this one: counts of the
   * same kind are added. When a label then has more kinds than fit, the most
   * frequent keep their names and the rest join `(other kinds)`, so totals
   * stay exact.
   */
  merge(other: FailureTable): void {
    for (const [label, theirs] of other.rows) {
      const mine = this.row(label);
      for (const [kind, n] of theirs.kinds) this.add(mine, kind, n, false);
      mine.other += theirs.other;
      this.fold(mine);
    }
  }

  /** Failures counted for `label`, over all its kinds. */
  total(label: string): number {
    const row = this.rows.get(label);
    if (!row) return 0;
    let n = row.other;
    for (const c of row.kinds.values()) n += c;
    return n;
  }

  /** Labels with failures, in the reports' order (code units, as `LabelTable.labels()`). */
  labels(): string[] {
    return [...this.rows.keys()].sort(byCodeUnit);
  }

  /** Labels with failures. */
  get size(): number {
    return this.rows.size;
  }

  /** One label's kinds and counts, most frequent first, `(other kinds)` last; empty for a label without failures. */
  countsOf(label: string): Record<string, number> {
    const row = this.rows.get(label);
    if (!row) return {};
    const out: Record<string, number> = Object.fromEntries(sortedKinds(row.kinds));
    if (row.other > 0) out[OTHER_KINDS] = row.other;
    return out;
  }

  /** Label → kind → count, labels in order, kinds most frequent first: the result document's `errors`. */
  toJSON(): FailureCounts {
    return Object.fromEntries(this.labels().map((l) => [l, this.countsOf(l)]));
  }

  private row(label: string): Row {
    let row = this.rows.get(label);
    if (!row) this.rows.set(label, (row = { kinds: new Map(), other: 0 }));
    return row;
  }

  /** Add to a kind; `bounded`: a new kind with no room left goes to `(other kinds)` (recording), else it is kept for `fold` to decide. */
  private add(row: Row, kind: string, count: number, bounded: boolean): void {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`a failure count must be a whole number ≥ 0, got ${count}`);
    if (count === 0) return;
    if (kind === OTHER_KINDS) {
      row.other += count;
      return;
    }
    const k = cut(kind, this.maxKindLength);
    const had = row.kinds.get(k);
    if (had !== undefined) row.kinds.set(k, had + count);
    else if (!bounded || row.kinds.size < this.maxKinds) row.kinds.set(k, count);
    else row.other += count;
  }

  /** Keep the `maxKinds` most frequent kinds by name; the others' counts join `(other kinds)`. */
  private fold(row: Row): void {
    if (row.kinds.size <= this.maxKinds) return;
    const sorted = sortedKinds(row.kinds);
    for (const [kind, n] of sorted.slice(this.maxKinds)) {
      row.kinds.delete(kind);
      row.other += n;
    }
  }
}

/** One line of a label's error table. */
export interface KindCount {
  kind: string;
  count: number;
}

/** The kinds a report shows of a label, and what it sums up on one line. */
export interface ShownKinds {
  shown: KindCount[];
  /** The failures of the kinds not shown; absent when every kind is shown. */
  rest?: {
    /** Kinds not shown (named ones, plus one for `(other kinds)`). */
    kinds: number;
    failures: number;
    /** `(other kinds)` is among them: it holds one kind or more, so `kinds` is a lower bound. */
    atLeast: boolean;
  };
}

/**
 * The `shown` most frequent kinds of one label's counts (ties in code-unit
 * order, so every report lists them alike) and the rest summed up.
 * `(other kinds)` is never shown by name: it is part of the rest.
 */
export function topKinds(counts: Readonly<Record<string, number>>, shown: number = FAILURE_TABLE_DEFAULTS.shown): ShownKinds {
  const named = sortedKinds(Object.entries(counts).filter(([k, n]) => k !== OTHER_KINDS && n > 0));
  const other = Math.max(0, counts[OTHER_KINDS] ?? 0);
  const out: ShownKinds = { shown: named.slice(0, Math.max(0, shown)).map(([kind, count]) => ({ kind, count })) };
  const hidden = named.slice(out.shown.length);
  const failures = hidden.reduce((a, [, n]) => a + n, other);
  if (failures > 0) out.rest = { kinds: hidden.length + (other > 0 ? 1 : 0), failures, atLeast: other > 0 };
  return out;
}

/** `… and 3 more kinds`, `… and at least 1 more kind` (with `failures`: `… and 3 more kinds (12 failures)`). */
export function moreKindsText(rest: NonNullable<ShownKinds['rest']>, withFailures = false): string {
  const kinds = `${rest.atLeast ? 'at least ' : ''}${rest.kinds} more ${rest.kinds === 1 ? 'kind' : 'kinds'}`;
  return `… and ${kinds}${withFailures ? ` (${rest.failures} ${rest.failures === 1 ? 'failure' : 'failures'})` : ''}`;
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Most frequent first; equal counts in code-unit order of the kind. */
function sortedKinds(entries: Iterable<[string, number]>): [string, number][] {
  return [...entries].sort(([ka, a], [kb, b]) => b - a || byCodeUnit(ka, kb));
}

/** At most `max` characters, the last an ellipsis when cut; a surrogate pair is never split. */
function cut(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = max - 1;
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return `${s.slice(0, end)}…`;
}
