import type { Distribution, DistributionContext, DistributionDefinition } from '../params/distribution.js';
import type { ParamSpec, ParamValues } from '../params/param-spec.js';
import type { Observer, ObserverContext } from '../registry/observer.js';
import type { AccountRecord } from '../core/account-record.js';
import type { ArrivalPolicy } from '../registry/arrival-policy.js';
import type { Profile, ProfileContext } from '../registry/profile.js';
import { clientModelParams } from '../registry/client-models.js';
import type { AccountLoaderDefinition, ArrivalDefinition, ClientModelDefinition, ObserverDefinition, ProfileDefinition } from '../registry/definitions.js';
import type { ModuleAdapter, PluginDefinition, PluginKind } from '../params/registry.js';

/**
 * What a user's module may export for each kind, and how it becomes the same
 * kind of definition the built-ins are. The first choice is always a
 * definition object (`{ name, summary, params, create }`, as `defineProfile`
 * and friends make): its params are checked against its spec exactly as a
 * built-in's. A plain class (or function) is taken too, and wrapped: its
 * params are declared by a static `params` spec when it has one, or passed
 * through as written when it has none (the older style of user modules).
 */

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isFunction = (v: unknown): v is (...args: unknown[]) => unknown => typeof v === 'function';
/** A class cannot be called, a plain function can: `new` for the first, a call for the second. */
const isClass = (v: unknown): boolean => isFunction(v) && /^class[\s{]/.test(Function.prototype.toString.call(v));

function construct(value: unknown, args: unknown[]): unknown {
  return isClass(value) ? new (value as new (...a: unknown[]) => unknown)(...args) : (value as (...a: unknown[]) => unknown)(...args);
}

/** The spec a class declares (`static params = {…}`), when it declares one. */
function staticSpec(value: unknown): ParamSpec | undefined {
  const p = (value as { params?: unknown }).params;
  return isObject(p) ? (p as ParamSpec) : undefined;
}

/** The params of a wrapped class: its static spec, checked as a built-in's; without one, passed through as written. */
function declaredParams(value: unknown, extra: ParamSpec = {}): { params: ParamSpec; openParams?: true } {
  const spec = staticSpec(value);
  return spec ? { params: { ...extra, ...spec } } : { params: extra, openParams: true };
}

function className(value: unknown, label: string): string {
  const n = (value as { name?: unknown }).name;
  return typeof n === 'string' && n !== '' && n !== 'default' ? n : label;
}

function summaryOf(value: unknown, fallback: string): string {
  const s = (value as { summary?: unknown }).summary;
  return typeof s === 'string' ? s : fallback;
}

/** A definition object of a kind: it has a name and the kind's function. */
function definitionWith(value: unknown, fn: string): value is PluginDefinition & Record<string, unknown> {
  return isObject(value) && typeof value.name === 'string' && isFunction(value[fn]);
}

/** The common `enabled` param every profile has, added to a user's spec that lacks it. */
const PROFILE_ENABLED: ParamSpec = { enabled: { type: 'boolean', default: true, doc: 'run this profile' } };

const profile: ModuleAdapter = (value, label) => {
  if (definitionWith(value, 'create') && !isFunction(value)) {
    const d = value as unknown as ProfileDefinition;
    return { ...d, summary: d.summary ?? 'a profile of your own', params: { ...PROFILE_ENABLED, ...(d.params ?? {}) } };
  }
  if (!isFunction(value)) return `${label} is not a profile: export defineProfile({ name, params, create }) or a class extending ProfileBase`;
  const d: ProfileDefinition = {
    name: className(value, label),
    summary: summaryOf(value, 'a profile of your own'),
    ...declaredParams(value, PROFILE_ENABLED),
    create: (ctx: ProfileContext) => construct(value, [ctx]) as Profile,
  };
  return d;
};

/** A user's observer needs only observe(event): report and failures default to nothing. */
function completeObserver(o: unknown, label: string): Observer {
  const x = o as Partial<Observer> | null;
  if (!isObject(x) || !isFunction(x.observe)) throw new PluginShapeError(`${label} made no observer: it has no observe(event) method`);
  if (!isFunction(x.report)) x.report = () => {};
  if (!isFunction(x.failures)) x.failures = () => [];
  return x as Observer;
}

const observer: ModuleAdapter = (value, label) => {
  if (definitionWith(value, 'create') && !isFunction(value)) {
    const d = value as unknown as ObserverDefinition;
    const create = d.create!.bind(d);
    return { ...d, summary: d.summary ?? 'an observer of your own', params: d.params ?? {}, create: (values: ParamValues, ctx: ObserverContext) => completeObserver(create(values, ctx), label) };
  }
  if (!isFunction(value)) return `${label} is not an observer: export defineObserver({ name, params, create }) or a class with observe(event)`;
  const d: ObserverDefinition = {
    name: className(value, label),
    summary: summaryOf(value, 'an observer of your own'),
    ...declaredParams(value),
    create: (values: ParamValues, ctx: ObserverContext) => completeObserver(construct(value, [values, ctx]), label),
  };
  return d;
};

const distribution: ModuleAdapter = (value, label) => {
  if (definitionWith(value, 'create') && !isFunction(value)) return value;
  if (!isFunction(value)) return `${label} is not a distribution: export a class with sample(), or a definition { name, create(params, context) }`;
  const name = className(value, label);
  const d: DistributionDefinition = {
    name,
    summary: summaryOf(value, 'a distribution of your own'),
    // `new Class(params, context)`: the class checks its raw params itself and throws when they are wrong.
    create(reader, ctx: DistributionContext) {
      let instance: Distribution<unknown>;
      try {
        instance = construct(value, [reader.values, ctx]) as Distribution<unknown>;
      } catch (e) {
        reader.scope.error(`${name} rejected its params: ${(e as Error).message}`, e);
        return undefined;
      }
      if (!isObject(instance) || !isFunction(instance.sample)) {
        reader.scope.error(`${label} has no sample() method`);
        return undefined;
      }
      return instance;
    },
    samplingIssues(instance) {
      try {
        instance.sample();
        return [];
      } catch (e) {
        return [{ key: '', message: `${name}.sample() failed: ${(e as Error).message}` }];
      }
    },
  };
  return d as unknown as PluginDefinition;
};

const client: ModuleAdapter = (value, label) => {
  if (!isObject(value) || typeof value.name !== 'string' || !isObject(value.behaviour)) {
    return `${label} is not a client model: export defineClientModel({ name, basedOn, … })`;
  }
  const d = value as unknown as ClientModelDefinition;
  return { ...d, summary: d.summary ?? 'a client model of your own', params: d.params ?? clientModelParams };
};

/** What a user's plug-in made is not what its kind needs: the message says what it lacks, as is. */
export class PluginShapeError extends Error {}

/** Checks what a user's arrival factory made: the fields the population walks. */
function arrivalPolicy(made: unknown, label: string): ArrivalPolicy {
  const p = made as Partial<ArrivalPolicy> | null;
  const bad =
    !p || typeof p !== 'object'
      ? 'not an object'
      : !(Number.isInteger(p.totalUsers) && p.totalUsers! >= 0)
        ? 'totalUsers is not a whole number'
        : !(Number.isInteger(p.clientsPerUser) && p.clientsPerUser! >= 1)
          ? 'clientsPerUser is not a whole number ≥ 1'
          : typeof p.arrivals !== 'function'
            ? 'it has no arrivals(random) method'
            : typeof p.describe !== 'function'
              ? 'it has no describe() method'
              : undefined;
  if (bad) throw new PluginShapeError(`${label} made no arrival policy: ${bad}`);
  return p as ArrivalPolicy;
}

const arrival: ModuleAdapter = (value, label) => {
  if (definitionWith(value, 'create') && !isFunction(value)) return value;
  if (!isFunction(value)) return `${label} is not an arrival factory: export a class or function making an ArrivalPolicy from the params`;
  const d: ArrivalDefinition = {
    name: className(value, label),
    summary: summaryOf(value, 'an arrival policy of your own'),
    ...declaredParams(value),
    create: (values: ParamValues) => arrivalPolicy(construct(value, [values]), className(value, label)),
  };
  return d;
};

const accounts: ModuleAdapter = (value, label) => {
  if (definitionWith(value, 'load') && !isFunction(value)) return value;
  if (!isFunction(value)) return `${label} is not an account loader: export a function (params) => records`;
  const d: AccountLoaderDefinition = {
    name: className(value, label),
    summary: summaryOf(value, 'an account loader of your own'),
    ...declaredParams(value),
    load: (values: ParamValues) => construct(value, [values]) as AccountRecord[] | Promise<AccountRecord[]>,
  };
  return d;
};

export const moduleAdapters: Readonly<Record<PluginKind, ModuleAdapter>> = { profile, observer, distribution, client, arrival, accounts };

