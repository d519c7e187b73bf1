import { type Scope, describeValue, isDict } from './problems.js';

/** Constraints on a numeric parameter. */
export interface NumberRule {
  /** > 0 */
  positive?: boolean;
  /** inclusive */
  min?: number;
  /** inclusive */
  max?: number;
  integer?: boolean;
}

export function expectation(rule: NumberRule): string {
  const noun = rule.integer ? 'integer' : 'number';
  if (rule.positive) return `a positive ${noun}`;
  if (rule.min !== undefined && rule.max !== undefined) return `${rule.integer ? 'an integer' : 'a number'} from ${rule.min} to ${rule.max}`;
  if (rule.min !== undefined) return `${rule.integer ? 'an integer' : 'a number'} ≥ ${rule.min}`;
  if (rule.max !== undefined) return `${rule.integer ? 'an integer' : 'a number'} ≤ ${rule.max}`;
  return rule.integer ? 'an integer' : 'a number';
}

/** Checks a value against a rule; returns the message when it fails. */
export function checkNumber(v: unknown, rule: NumberRule): string | undefined {
  const ok =
    typeof v === 'number' &&
    Number.isFinite(v) &&
    (!rule.integer || Number.isInteger(v)) &&
    (!rule.positive || v > 0) &&
    (rule.min === undefined || v >= rule.min);
  if (!ok) return `expected ${expectation(rule)}, got ${describeValue(v)}`;
  if (rule.max === undefined || (v as number) <= rule.max) return undefined;
  // Only the upper bound failed: name it, also where `expectation` leaves it out ("a positive number").
  const expected = expectation(rule);
  return `expected ${expected}${expected.includes(String(rule.max)) ? '' : ` ≤ ${rule.max}`}, got ${describeValue(v)}`;
}

/**
 * Reads one parameter dict (a plist `params`) with validation at the boundary:
 * every bad value is reported against its key path, all of them, and the reader
 * returns the default so checking can go on. Keys never read are warned about
 * by `finish()` — the original raised TypeError on them; a warning keeps old
 * files usable while still telling the user about a typo.
 */
export class ParamReader {
  private readonly used = new Set<string>();
  private errorsAtStart: number;

  constructor(
    readonly values: Readonly<Record<string, unknown>>,
    readonly scope: Scope,
  ) {
    this.errorsAtStart = scope.problems.errors.length;
  }

  /** A reader for `value`, which must be a dict (absent counts as empty). */
  static of(value: unknown, scope: Scope): ParamReader {
    if (value === undefined) return new ParamReader({}, scope);
    if (!isDict(value)) {
      scope.error(`expected a dict, got ${describeValue(value)}`);
      return new ParamReader({}, scope);
    }
    return new ParamReader(value, scope);
  }

  /** True when no error was reported since this reader was made. */
  get ok(): boolean {
    return this.scope.problems.errors.length === this.errorsAtStart;
  }

  has(key: string): boolean {
    return this.values[key] !== undefined;
  }
  at(key: string): Scope {
    return this.scope.child(key);
  }
  keys(): string[] {
    return Object.keys(this.values);
  }
  /** The raw value, marked as used. */
  raw(key: string): unknown {
    this.used.add(key);
    return this.values[key];
  }
  markUsed(...keys: string[]): void {
    for (const k of keys) this.used.add(k);
  }
  error(key: string, message: string): void {
    this.at(key).error(message);
  }

  /** A required number when `def` is undefined. */
  number(key: string, rule: NumberRule = {}, def?: number): number {
    const v = this.raw(key);
    if (v === undefined) {
      if (def === undefined) this.error(key, `missing; expected ${expectation(rule)}`);
      return def ?? NaN;
    }
    const message = checkNumber(v, rule);
    if (message) {
      this.error(key, message);
      return def ?? NaN;
    }
    return v as number;
  }

  optionalNumber(key: string, rule: NumberRule = {}): number | undefined {
    if (!this.has(key)) {
      this.used.add(key);
      return undefined;
    }
    const n = this.number(key, rule);
    return Number.isNaN(n) ? undefined : n;
  }

  boolean(key: string, def: boolean): boolean {
    const v = this.raw(key);
    if (v === undefined) return def;
    if (typeof v !== 'boolean') {
      this.error(key, `expected true or false, got ${describeValue(v)}`);
      return def;
    }
    return v;
  }

  /** A required string when `def` is undefined; `oneOf` restricts the values. */
  string(key: string, def?: string, oneOf?: readonly string[]): string {
    const v = this.raw(key);
    if (v === undefined) {
      if (def === undefined) this.error(key, oneOf ? `missing; expected one of ${oneOf.join(', ')}` : 'missing; expected a string');
      return def ?? '';
    }
    if (typeof v !== 'string') {
      this.error(key, `expected a string, got ${describeValue(v)}`);
      return def ?? '';
    }
    if (oneOf && !oneOf.includes(v)) {
      this.error(key, `expected one of ${oneOf.join(', ')}, got ${describeValue(v)}`);
      return def ?? '';
    }
    return v;
  }

  optionalString(key: string): string | undefined {
    if (!this.has(key)) {
      this.used.add(key);
      return undefined;
    }
    return this.string(key);
  }

  strings(key: string, def?: readonly string[]): string[] {
    const v = this.raw(key);
    if (v === undefined) {
      if (def === undefined) this.error(key, 'missing; expected an array of strings');
      return [...(def ?? [])];
    }
    if (!Array.isArray(v)) {
      this.error(key, `expected an array of strings, got ${describeValue(v)}`);
      return [...(def ?? [])];
    }
    const out: string[] = [];
    v.forEach((item, i) => {
      if (typeof item === 'string') out.push(item);
      else this.at(key).child(i).error(`expected a string, got ${describeValue(item)}`);
    });
    return out;
  }

  numbers(key: string, rule: NumberRule, def?: readonly number[]): number[] {
    const v = this.raw(key);
    if (v === undefined) {
      if (def === undefined) this.error(key, `missing; expected an array of ${expectation(rule).replace(/^an? /, '')}s`);
      return [...(def ?? [])];
    }
    if (!Array.isArray(v)) {
      this.error(key, `expected an array, got ${describeValue(v)}`);
      return [...(def ?? [])];
    }
    const out: number[] = [];
    v.forEach((item, i) => {
      const message = checkNumber(item, rule);
      if (message) this.at(key).child(i).error(message);
      else out.push(item as number);
    });
    return out;
  }

  /** A nested dict, as a reader of its own (absent → empty). */
  dict(key: string): ParamReader {
    return ParamReader.of(this.raw(key), this.at(key));
  }

  /** Warn about every key that was never read. */
  finish(): void {
    for (const key of Object.keys(this.values)) {
      if (!this.used.has(key)) this.at(key).warning('unknown key, ignored');
    }
  }
}
