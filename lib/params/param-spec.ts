import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Clock } from '../core/clock.js';
import type { Registry } from './registry.js';
import { resolveDistribution, type DistributionSpec } from './distribution-spec.js';
import type { ParamReader, NumberRule } from './params.js';
import type { Scope } from './problems.js';
import { MAX_WAIT_SECONDS } from './limits.js';
import { checkUtf8 } from './text-file.js';

/**
 * Declarative parameters of a plug-in (profile, client model, observer, arrival
 * policy, account loader): what `loadsim validate` checks and prints, and what
 * the implementation receives, defaults applied.
 */
export type ParamType =
  | { type: 'number'; rule?: NumberRule; unit?: string }
  | { type: 'boolean' }
  | { type: 'string'; oneOf?: readonly string[] }
  | { type: 'strings' }
  | { type: 'numbers'; rule?: NumberRule }
  /** `{type, params}`; also every key ending in `Distribution`, declared or not. */
  | { type: 'distribution' }
  /** An existing file, relative to the naming plist's folder, then the working directory. `check` validates its content. */
  | { type: 'file'; check?: (abs: string, scope: Scope) => void }
  /** A path that need not exist yet (output folders). */
  | { type: 'path' }
  /** Free-form dict, passed through. */
  | { type: 'dict' };

export type ParamDef = ParamType & {
  /** Applied when the key is absent. For a distribution: `{type, params}`. */
  default?: unknown;
  required?: boolean;
  doc: string;
};

export type ParamSpec = Readonly<Record<string, ParamDef>>;

/** A resolved file parameter. */
export interface FileParam {
  /** As written. */
  written: string;
  abs: string;
}

export type ParamValue = number | boolean | string | string[] | number[] | DistributionSpec | FileParam | Record<string, unknown> | undefined;
export type ParamValues = Record<string, ParamValue>;

/** The value a declared param has once read (defaults applied): `number` for `{ type: 'number' }`, … */
export type ParamValueOf<D extends ParamDef> = D extends { type: 'number' }
  ? number
  : D extends { type: 'boolean' }
    ? boolean
    : D extends { type: 'string' }
      ? string
      : D extends { type: 'strings' }
        ? string[]
        : D extends { type: 'numbers' }
          ? number[]
          : D extends { type: 'distribution' }
            ? DistributionSpec
            : D extends { type: 'file' } | { type: 'path' }
              ? FileParam
              : Record<string, unknown>;

/**
 * The params a spec declares, typed: what a profile of your own reads from
 * `this.params` (defineProfile gives them to ProfileBase). Declare the spec
 * `as const` or inline, so each `type` stays a literal.
 */
export type ParamsOf<S extends ParamSpec> = { readonly [K in keyof S]: ParamValueOf<S[K]> };

export interface ResolveContext {
  registry: Registry;
  clock: Clock;
  /** Working directory: the second place relative paths are looked up. */
  cwd: string;
}

/**
 * Find a relative file: the naming file's folder first, then the working
 * directory. Last, the original's layout: its plists name files relative to
 * the CalendarServer checkout (`contrib/performance/loadtest/accounts.csv`)
 * while the files sit beside the plist (or one or two folders up, for
 * `standard-configs/`), so shorter tails of the path are tried there, with a
 * warning that says which file was taken.
 */
export function resolveFile(written: string, scope: Scope, cwd: string): string | undefined {
  const candidates = path.isAbsolute(written) ? [written] : [...new Set([path.resolve(scope.dir, written), path.resolve(cwd, written)])];
  const found = (c: string): string | undefined => {
    if (!existsSync(c)) return undefined;
    if (statSync(c).isDirectory()) {
      scope.error(`${c} is a folder, expected a file`);
      return undefined;
    }
    return c;
  };
  for (const c of candidates) if (existsSync(c)) return found(c);
  if (!path.isAbsolute(written)) {
    const segments = written.split(/[\\/]/).filter(Boolean);
    const up = [scope.dir, path.dirname(scope.dir), path.dirname(path.dirname(scope.dir))];
    for (const dir of up) {
      for (let i = 1; i < segments.length; i++) {
        const c = path.resolve(dir, ...segments.slice(i));
        if (existsSync(c) && !statSync(c).isDirectory()) {
          scope.warning(`not beside the plist nor in the working directory; using ${path.relative(cwd, c).startsWith('..') ? c : path.relative(cwd, c)}, where the original keeps it`);
          return c;
        }
      }
    }
  }
  scope.error(`file not found: tried ${candidates.join(' and ')}`);
  return undefined;
}

/** Read a JSON file, reporting syntax errors against `scope`. */
export function readJsonFile(abs: string, scope: Scope): unknown {
  try {
    return JSON.parse(readFileSync(abs, 'utf8'));
  } catch (e) {
    scope.error(`${abs}: not valid JSON: ${(e as Error).message}`);
    return undefined;
  }
}

const isDistributionKey = (k: string) => k.endsWith('Distribution');

/**
 * Validate `raw` against `spec`, applying defaults. Every problem is reported
 * at its key path. Keys the spec does not know are warnings, except keys
 * ending in `Distribution`, which are resolved anyway (the original converted
 * every such key) and then warned about.
 */
export async function readParams(spec: ParamSpec, reader: ParamReader, ctx: ResolveContext): Promise<ParamValues> {
  const out: ParamValues = {};
  for (const [key, def] of Object.entries(spec)) {
    const present = reader.has(key);
    if (!present && def.required) {
      reader.markUsed(key);
      reader.error(key, `missing; ${def.doc}`);
      continue;
    }
    switch (def.type) {
      case 'number': {
        // A number of seconds is a wait: bounded, so it stays one working timer (see limits.ts).
        const rule = def.unit === 's' && def.rule?.max === undefined ? { ...def.rule, max: MAX_WAIT_SECONDS } : def.rule ?? {};
        out[key] = present || def.default !== undefined ? reader.number(key, rule, def.default as number | undefined) : reader.optionalNumber(key, rule);
        break;
      }
      case 'boolean':
        out[key] = reader.boolean(key, (def.default as boolean | undefined) ?? false);
        break;
      case 'string':
        out[key] = present ? reader.string(key, undefined, def.oneOf) : (reader.markUsed(key), def.default as string | undefined);
        break;
      case 'strings':
        out[key] = present ? reader.strings(key) : (reader.markUsed(key), def.default as string[] | undefined);
        break;
      case 'numbers':
        out[key] = present ? reader.numbers(key, def.rule ?? {}) : (reader.markUsed(key), def.default as number[] | undefined);
        break;
      case 'dict':
        out[key] = present ? reader.dict(key).values : (reader.markUsed(key), def.default as Record<string, unknown> | undefined);
        break;
      case 'distribution': {
        const value = present ? reader.raw(key) : (reader.markUsed(key), def.default);
        // Defaults are checked too, against the key they stand for.
        out[key] = value === undefined ? undefined : await resolveDistribution(value, reader.at(key), ctx.registry, ctx.clock);
        break;
      }
      case 'file':
      case 'path': {
        const written = present ? reader.string(key) : (reader.markUsed(key), def.default as string | undefined);
        if (!written) break;
        if (def.type === 'path') {
          out[key] = { written, abs: path.isAbsolute(written) ? written : path.resolve(reader.scope.dir, written) };
          break;
        }
        const abs = resolveFile(written, reader.at(key), ctx.cwd);
        // Files a config names are text (CSV, JSON): refuse bytes that are not UTF-8 rather than read U+FFFD in their place.
        if (abs && checkUtf8(abs, written, reader.at(key))) {
          def.check?.(abs, reader.at(key));
          out[key] = { written, abs };
        }
        break;
      }
    }
  }
  for (const key of reader.keys()) {
    if (key in spec || !isDistributionKey(key)) continue;
    reader.markUsed(key);
    out[key] = await resolveDistribution(reader.raw(key), reader.at(key), ctx.registry, ctx.clock);
    reader.at(key).warning('unknown parameter (resolved as a distribution, but nothing reads it)');
  }
  reader.finish();
  return out;
}
