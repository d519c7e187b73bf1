import path from 'node:path';
import type { Problem } from '../core/errors.js';

/** A file that problems are reported against. */
export interface SourceFile {
  /** As the user named it, for messages. */
  display: string;
  /** Absolute path. */
  abs: string;
  /** Key path → 1-based line, when the file was parsed with positions. */
  lines?: ReadonlyMap<string, number>;
}

export function sourceFile(display: string, cwd = process.cwd(), lines?: ReadonlyMap<string, number>): SourceFile {
  return { display, abs: path.resolve(cwd, display), lines };
}

/** Collects every problem of a load, so the user sees all of them at once, not the first. */
export class Problems {
  readonly list: Problem[] = [];

  add(p: Problem): void {
    // The same key can be reached twice (e.g. a shared default); say it once.
    if (this.list.some((q) => q.file === p.file && q.path === p.path && q.message === p.message)) return;
    this.list.push(p);
  }
  get errors(): Problem[] {
    return this.list.filter((p) => p.severity === 'error');
  }
  get warnings(): Problem[] {
    return this.list.filter((p) => p.severity === 'warning');
  }
  get hasErrors(): boolean {
    return this.list.some((p) => p.severity === 'error');
  }
}

/** A position inside a file: where a value came from, and where its problems go. */
export class Scope {
  constructor(
    readonly problems: Problems,
    readonly file: SourceFile,
    readonly path: string = '',
  ) {}

  /** The scope of a dict key (`a.b`) or an array index (`a[3]`). */
  child(key: string | number): Scope {
    const next = typeof key === 'number' ? `${this.path}[${key}]` : this.path ? `${this.path}.${key}` : key;
    return new Scope(this.problems, this.file, next);
  }

  /** Folder of the file: relative paths and module names in it are resolved from here first. */
  get dir(): string {
    return path.dirname(this.file.abs);
  }

  /** `cause`: the exception behind it, kept for `--debug` (its stack is shown only then). */
  error(message: string, cause?: unknown): void {
    this.report('error', message, cause);
  }
  warning(message: string): void {
    this.report('warning', message);
  }
  private report(severity: Problem['severity'], message: string, cause?: unknown): void {
    const line = this.file.lines?.get(this.path);
    this.problems.add({ severity, file: this.file.display, path: this.path, message, ...(line !== undefined ? { line } : {}), ...(cause !== undefined ? { cause } : {}) });
  }
}

/** How a value looks in a message: `got -5`, `got "abc"`, `got a dict`. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v instanceof Date) return `a date (${v.toISOString()})`;
  // plist gives <data> as a Uint8Array (a Buffer is one too).
  if (v instanceof Uint8Array) return 'data';
  return 'a dict';
}

export function isDict(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date) && !(v instanceof Uint8Array);
}
