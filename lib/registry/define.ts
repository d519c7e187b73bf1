import type { ParamSpec, ParamValues, ParamsOf } from '../params/param-spec.js';
import type { Observer, ObserverContext } from './observer.js';
import type { Profile, ProfileContext } from './profile.js';
import type { ObserverDefinition, ProfileDefinition } from './definitions.js';

/**
 * How a module of your own declares a profile or an observer: the same kind of
 * definition the built-ins are, so `loadsim validate` checks its params
 * against `params` (types, ranges, defaults, unknown keys) exactly as it
 * checks a built-in's, and the run builds it with `create`. Name it in a
 * plist as `./my-module.js#ExportName`.
 */

export interface ProfileOptions<S extends ParamSpec = ParamSpec> {
  /** Its name in listings and failure messages. */
  name: string;
  summary?: string;
  /** Its clients.plist params; `enabled` is added (default true). */
  params?: S;
  /**
   * One profile per simulated client that has it; `ctx.params` holds the checked params,
   * defaults applied, typed from `params` (a `ProfileBase<ParamsOf<typeof spec>>` reads them so).
   */
  create(ctx: ProfileContext<ParamsOf<S>>): Profile;
}

export function defineProfile<S extends ParamSpec>(o: ProfileOptions<S>): ProfileDefinition {
  return {
    name: o.name,
    summary: o.summary ?? 'a profile of your own',
    params: { enabled: { type: 'boolean', default: true, doc: 'run this profile' }, ...(o.params ?? {}) },
    // The loader gives exactly the declared params, checked: the typed view is sound.
    create: o.create as (ctx: ProfileContext) => Profile,
  };
}

export interface ObserverOptions {
  name: string;
  summary?: string;
  /** Its config.plist params (`observers: [{type, params}]`). */
  params?: ParamSpec;
  create(values: ParamValues, ctx: ObserverContext): Observer;
}

export function defineObserver(o: ObserverOptions): ObserverDefinition {
  return { name: o.name, summary: o.summary ?? 'an observer of your own', params: o.params ?? {}, create: o.create };
}
