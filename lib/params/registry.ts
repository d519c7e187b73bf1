import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Scope } from './problems.js';
import { describeValue } from './problems.js';

/** Every kind of plug-in a config file can name. */
export type PluginKind = 'distribution' | 'profile' | 'client' | 'arrival' | 'observer' | 'accounts';

export const KIND_NOUN: Readonly<Record<PluginKind, string>> = {
  distribution: 'distribution',
  profile: 'profile',
  client: 'client model',
  arrival: 'arrival policy',
  observer: 'observer',
  accounts: 'account loader',
};

/** What every registered plug-in definition has. */
export interface PluginDefinition {
  /** Canonical short name, e.g. `Eventer`, `NormalDistribution`, `SmoothRampUp`. */
  readonly name: string;
  /** Other accepted short names. */
  readonly aliases?: readonly string[];
  readonly summary: string;
}

/**
 * A name from a config file, resolved to its definition. A built-in and a
 * user's module give the same kind of definition (name, declared params,
 * create), so everything after resolution treats them alike: the params are
 * checked against the spec, and the run builds it with `create`.
 */
export type Resolved<D> =
  | { readonly source: 'builtin'; readonly written: string; readonly definition: D }
  | {
      readonly source: 'module';
      readonly written: string;
      readonly definition: D;
      /** Absolute path of the user's module. */
      readonly modulePath: string;
      readonly exportName: string;
    }
  /** Given in code (a simulation written in TypeScript): the definition or class itself, in place of a name. */
  | { readonly source: 'code'; readonly written: string; readonly definition: D };

/**
 * Turns what a user's module exports into a definition of one kind: a
 * definition object as the built-ins are, or a plain class (`new Class(…)`),
 * wrapped. Returns a message saying what was expected when it is neither.
 */
export type ModuleAdapter = (value: unknown, label: string) => PluginDefinition | string;

/** The name to show for a resolved plug-in. */
export function resolvedName(r: Resolved<PluginDefinition>): string {
  return r.source === 'builtin' ? r.definition.name : r.source === 'code' ? `${r.definition.name} (in code)` : `${r.definition.name} from ${r.modulePath}`;
}

/**
 * A reference to a user's own module: `./my-dists.js#ParetoDistribution`,
 * `../lib/inviter.mjs` (default export), `/abs/path.js#Name`, `file:///…#Name`.
 */
export function isModuleReference(name: string): boolean {
  return name.includes('#') || /^(\.{1,2}[\\/]|\/|file:)/.test(name) || /\.(m?js|cjs)$/.test(name);
}

/** The first line of an exception's message (a SyntaxError's can run on with the source excerpt). */
function firstLine(e: unknown): string {
  const m = e instanceof Error ? `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}` : String(e);
  return m.split('\n')[0]!;
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

interface Entry<D> {
  definition: D;
}

/**
 * Maps the names used in plists — the original's Python dotted names
 * (`contrib.performance.stats.NormalDistribution`), short names
 * (`NormalDistribution`) and a user's own modules (`./x.js#Export`, resolved
 * relative to the plist that names them) — to implementations, per kind.
 */
export class Registry {
  private readonly entries = new Map<PluginKind, Map<string, Entry<PluginDefinition>>>();
  private readonly adapters = new Map<PluginKind, ModuleAdapter>();

  /** How a user's module export becomes a definition of `kind` (without one, only definition objects are taken). */
  adapt(kind: PluginKind, adapter: ModuleAdapter): this {
    this.adapters.set(kind, adapter);
    return this;
  }

  /**
   * Register a definition under its short name, its aliases, and each of the
   * dotted `prefixes` followed by each of those names.
   */
  register<D extends PluginDefinition>(kind: PluginKind, definition: D, prefixes: readonly string[] = []): this {
    let byName = this.entries.get(kind);
    if (!byName) this.entries.set(kind, (byName = new Map()));
    const shortNames = [definition.name, ...(definition.aliases ?? [])];
    for (const short of shortNames) {
      for (const name of [short, ...prefixes.map((p) => `${p}.${short}`)]) {
        const existing = byName.get(name);
        if (existing && existing.definition !== definition) {
          throw new Error(`${KIND_NOUN[kind]} name "${name}" is registered twice (${existing.definition.name}, ${definition.name})`);
        }
        byName.set(name, { definition });
      }
    }
    return this;
  }

  /** The distinct definitions of a kind, in registration order. */
  definitions<D extends PluginDefinition>(kind: PluginKind): D[] {
    return [...new Set([...(this.entries.get(kind)?.values() ?? [])].map((e) => e.definition as D))];
  }

  /** A built-in by exact name, or undefined. */
  get<D extends PluginDefinition>(kind: PluginKind, name: string): D | undefined {
    return this.entries.get(kind)?.get(name)?.definition as D | undefined;
  }

  /** Up to three canonical names closest to `name`. */
  closest(kind: PluginKind, name: string): string[] {
    const last = name.split('.').pop() ?? name;
    const scored = this.definitions(kind).map((d) => ({
      name: d.name,
      score: Math.min(...[d.name, ...(d.aliases ?? [])].map((n) => distance(last, n))),
    }));
    scored.sort((a, b) => a.score - b.score || a.name.localeCompare(b.name));
    return scored.slice(0, 3).map((s) => s.name);
  }

  /**
   * Resolve a name written at `scope`. Problems (unknown name, missing module,
   * missing export) are reported there; the result is then undefined.
   */
  async resolve<D extends PluginDefinition>(kind: PluginKind, written: unknown, scope: Scope): Promise<Resolved<D> | undefined> {
    const noun = KIND_NOUN[kind];
    if (typeof written === 'function' || (typeof written === 'object' && written !== null && !Array.isArray(written))) return this.resolveInCode<D>(kind, written, scope);
    if (typeof written !== 'string' || written.trim() === '') {
      scope.error(`expected the name of a ${noun}, got ${describeValue(written)}`);
      return undefined;
    }
    if (isModuleReference(written)) return this.resolveModule<D>(kind, written, scope);
    const definition = this.get<D>(kind, written);
    if (definition) return { source: 'builtin', written, definition };

    const elsewhere = (Object.keys(KIND_NOUN) as PluginKind[]).filter((k) => k !== kind && this.get(k, written));
    const hint = elsewhere.length
      ? `; "${written}" is a${/^[aeiou]/.test(KIND_NOUN[elsewhere[0]!]) ? 'n' : ''} ${KIND_NOUN[elsewhere[0]!]}, not a${/^[aeiou]/.test(noun) ? 'n' : ''} ${noun}`
      : `; did you mean ${this.closest(kind, written).join(', ')}?`;
    scope.error(`unknown ${noun} "${written}"${hint} (a module of your own is written ./file.js#ExportName)`);
    return undefined;
  }

  /** A definition or class given in code instead of a name: made into a definition as a module's export is. */
  private resolveInCode<D>(kind: PluginKind, value: unknown, scope: Scope): Resolved<D> | undefined {
    const label = `the ${KIND_NOUN[kind]} given in code`;
    const definition = (this.adapters.get(kind) ?? definitionObject)(value, label);
    if (typeof definition === 'string') {
      scope.error(definition);
      return undefined;
    }
    return { source: 'code', written: definition.name, definition: definition as D };
  }

  private async resolveModule<D>(kind: PluginKind, written: string, scope: Scope): Promise<Resolved<D> | undefined> {
    const hash = written.lastIndexOf('#');
    const spec = hash >= 0 ? written.slice(0, hash) : written;
    const exportName = hash >= 0 && hash < written.length - 1 ? written.slice(hash + 1) : 'default';
    let modulePath: string;
    if (spec.startsWith('file:')) modulePath = new URL(spec).pathname;
    else {
      // Relative to the plist that names it, and only that: the working directory is wherever the
      // run was started, so a module of that name there must not be run in the config's place.
      const candidates = path.isAbsolute(spec) ? [spec] : [path.resolve(scope.dir, spec)];
      const found = candidates.find((c) => existsSync(c));
      if (!found) {
        scope.error(`${KIND_NOUN[kind]} module not found: tried ${[...new Set(candidates)].join(' and ')}`);
        return undefined;
      }
      modulePath = found;
    }
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(modulePath).href)) as Record<string, unknown>;
    } catch (e) {
      // The module's own code threw (or does not parse): its message, not its stack, unless --debug.
      scope.error(`cannot load ${KIND_NOUN[kind]} module ${modulePath}: ${firstLine(e)}`, e);
      return undefined;
    }
    const value = mod[exportName];
    if (value === undefined) {
      const names = Object.keys(mod).filter((k) => k !== '__esModule');
      scope.error(`module ${modulePath} has no export "${exportName}"; it exports ${names.length ? names.join(', ') : 'nothing'}`);
      return undefined;
    }
    const label = `${exportName === 'default' ? 'the default export' : exportName} of ${modulePath}`;
    const adapter = this.adapters.get(kind) ?? definitionObject;
    let definition: PluginDefinition | string;
    try {
      definition = adapter(value, label);
    } catch (e) {
      definition = `${label}: ${firstLine(e)}`;
    }
    if (typeof definition === 'string') {
      scope.error(definition);
      return undefined;
    }
    return { source: 'module', written, modulePath, exportName, definition: definition as D };
  }
}

/** The adapter of a kind that takes definition objects only: `{ name, summary?, params, … }`. */
function definitionObject(value: unknown, label: string): PluginDefinition | string {
  if (typeof value !== 'object' || value === null || typeof (value as { name?: unknown }).name !== 'string') {
    return `${label} is not a plug-in definition: expected an object with a name and params`;
  }
  return value as PluginDefinition;
}
