import { DateTime } from 'luxon';
import type { Clock } from '../lib/core/clock.js';
import type { Distribution, DistributionContext, DistributionDefinition } from '../lib/params/distribution.js';
import { formatNumber } from './common.js';
import { LogNormalDistribution } from './log-normal.js';

/** The plist takes no params; these are for code, with the original's values as defaults. */
export interface NearFutureOptions {
  /** mu of the log-normal number of seconds ahead (median e^mu s). */
  mu?: number;
  /** sigma of the log-normal number of seconds ahead, ≥ 0. */
  sigma?: number;
}

/** Median e^7 ≈ 1097 s ≈ 18 min ahead; mean e^7.32 ≈ 25 min. */
export const nearFutureDefaults = { mu: 7, sigma: 0.8 } as const;

/**
 * Now plus a log-normal number of whole seconds, as a UTC date-time. "Now" is
 * taken to the whole second (iCalendar dates have no fractions), so a sample
 * is always on a whole second.
 */
export class NearFutureDistribution implements Distribution<DateTime> {
  readonly offset: LogNormalDistribution;
  private readonly clock: Clock;

  constructor(options: NearFutureOptions, ctx: DistributionContext) {
    // Invalid mu or sigma make LogNormalDistribution throw.
    const mu = options.mu ?? nearFutureDefaults.mu;
    const sigma = options.sigma ?? nearFutureDefaults.sigma;
    this.offset = new LogNormalDistribution({ mu, sigma }, ctx);
    this.clock = ctx.clock;
  }

  /** Whole seconds ahead of now for one sample. */
  sampleOffsetSeconds(): number {
    return Math.floor(this.offset.sample());
  }

  sample(): DateTime {
    const now = Math.floor(this.clock.now() / 1000) * 1000;
    return DateTime.fromMillis(now + this.sampleOffsetSeconds() * 1000, { zone: 'utc' });
  }

  describe(): string {
    return `NearFutureDistribution(now + LogNormal(mu=${formatNumber(this.offset.mu)}, sigma=${formatNumber(this.offset.sigma)}) s)`;
  }
}

export const nearFutureDistribution: DistributionDefinition<DateTime> = {
  name: 'NearFutureDistribution',
  summary: 'Now plus a log-normal number of seconds (median about 18 minutes), in UTC.',
  create(params, ctx) {
    params.finish();
    return new NearFutureDistribution({}, ctx);
  },
};
