import type { ParamReader } from '../params/params.js';
import type { ParamSpec, ParamValues } from '../params/param-spec.js';
import type { Generation } from '../params/generation.js';
import type { Scope } from '../params/problems.js';
import type { Observer, ObserverContext } from './observer.js';
import type { AccountRecord } from '../core/account-record.js';
import type { ArrivalPolicy } from './arrival-policy.js';
import type { PluginDefinition } from '../params/registry.js';
import type { ModelBehaviour } from '../clients/models.js';
import type { Profile, ProfileContext } from './profile.js';

/** A plug-in whose plist params are described declaratively. */
export interface SpecDefinition extends PluginDefinition {
  readonly params: ParamSpec;
  /** Rules across parameters (e.g. begin before end), reported through the reader. */
  check?(values: ParamValues, params: ParamReader): void;
  /**
   * What a config of another generation gets under this name, where that
   * generation's code differed (its own params and implementation).
   */
  readonly generations?: Partial<Record<Generation, this>>;
  /** Set on such a variant: the generation it belongs to. */
  readonly generation?: Generation;
  /**
   * The params are not declared: they are passed through as written, unchecked (a user's
   * plain class or function without a static `params` spec).
   */
  readonly openParams?: boolean;
}

export interface ProfileDefinition extends SpecDefinition {
  /** Make the behaviour for one client. */
  create(ctx: ProfileContext): Profile;
}

export interface ClientModelDefinition extends SpecDefinition {
  /** What the title defaults to, e.g. `OS X 10.7`. */
  readonly defaultTitle: string;
  readonly userAgent: string;
  /** Everything the engine does differently for this model (lib/clients/models.ts). */
  readonly behaviour: ModelBehaviour;
}

export interface ObserverDefinition extends SpecDefinition {
  /** Build the observer from its validated params (defaults applied). */
  create(values: ParamValues, ctx: ObserverContext): Observer;
}

export interface ArrivalDefinition extends SpecDefinition {
  /** The policy; throws, saying why, when the params cannot make one. */
  create(values: ParamValues): ArrivalPolicy;
}

export interface AccountLoaderDefinition extends SpecDefinition {
  /** Load the records; problems (missing file, bad lines) go to `scope`. */
  load(values: ParamValues, scope: Scope): AccountRecord[] | undefined | Promise<AccountRecord[] | undefined>;
}
