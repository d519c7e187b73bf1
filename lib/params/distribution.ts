import type { Clock } from '../core/clock.js';
import type { ParamReader } from './params.js';
import type { Random } from '../core/random.js';

/**
 * The extension point for everything sampled: intervals, delays, counts, dates,
 * recurrence rules. A user's own class only needs `sample()`; loadsim builds it
 * with `new Class(params, context)` from a plist entry such as
 * `{type: "./my-dists.js#ParetoDistribution", params: {...}}`.
 */
export interface Distribution<T = number> {
  sample(): T;
  /** One line for `loadsim validate`, e.g. `NormalDistribution(mu=600, sigma=60)`. */
  describe?(): string;
}

/** What a distribution may use. Its randomness must come from `random` only, so a seed replays a run. */
export interface DistributionContext {
  /** The stream of the client or profile that owns this distribution. */
  random: Random;
  /** For distributions of dates relative to now (NearFuture, Work). */
  clock: Clock;
}

/** How a built-in distribution is named in plists, validated and built. */
export interface DistributionDefinition<T = unknown> {
  /** Short name as in plists, e.g. `NormalDistribution`. */
  readonly name: string;
  /** Other accepted short names; the original's dotted names are added by the registry. */
  readonly aliases?: readonly string[];
  /** One sentence for listings. */
  readonly summary: string;
  /**
   * Validate the plist params, reporting every problem through the reader
   * (against its key path), and build the distribution. Returns undefined when
   * the params are unusable. Must not draw random numbers while building.
   */
  create(params: ParamReader, ctx: DistributionContext): Distribution<T> | undefined;
  /**
   * Whether the built distribution can be sampled in practice, e.g. a
   * `maximum` below nearly every draw, so that `sample()` would throw mid-run.
   * Checked when a config is loaded, after `create`; each issue names a key of
   * the params. Kept out of `create` and the constructors on purpose: code may
   * build such an object (to test the redraw limit, say); a config may not.
   */
  samplingIssues?(distribution: Distribution<T>): { key: string; message: string }[];
}
