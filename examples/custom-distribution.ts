/**
 * A distribution of your own: any class with `sample()` works. loadsim builds
 * it with `new TriangularDistribution(params, context)`, where `params` is the
 * plist dict as it is and `context.random` is the seeded stream to draw from
 * (never Math.random, or `--seed` cannot replay the run).
 *
 * In a clients.plist (examples/custom-distribution-clients.plist; the path is
 * relative to the plist, and names the compiled module):
 *
 *   <key>eventDurationDistribution</key>
 *   <dict>
 *     <key>type</key>   <string>../dist/examples/custom-distribution.js#TriangularDistribution</string>
 *     <key>params</key> <dict>
 *       <key>min</key> <integer>900</integer>
 *       <key>mode</key> <integer>1800</integer>
 *       <key>max</key> <integer>7200</integer>
 *     </dict>
 *   </dict>
 */
import type { Distribution, DistributionContext, Random } from '../lib/index.js';

/** Triangular on [min, max] with its peak at mode: a quick "usually about X, never outside Y–Z". */
export class TriangularDistribution implements Distribution<number> {
  readonly min: number;
  readonly mode: number;
  readonly max: number;
  private readonly random: Random;

  constructor(params: Record<string, unknown>, context: DistributionContext) {
    const read = (key: string): number => {
      const v = params[key];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new Error(`TriangularDistribution: ${key} must be a number, got ${JSON.stringify(v) ?? 'nothing'}`);
      }
      return v;
    };
    this.min = read('min');
    this.mode = read('mode');
    this.max = read('max');
    if (!(this.min < this.max)) throw new Error(`TriangularDistribution: min (${this.min}) must be less than max (${this.max})`);
    if (this.mode < this.min || this.mode > this.max) {
      throw new Error(`TriangularDistribution: mode (${this.mode}) must lie between min (${this.min}) and max (${this.max})`);
    }
    this.random = context.random;
  }

  /** By inverting the CDF: one uniform number per sample. */
  sample(): number {
    const { min: a, mode: c, max: b } = this;
    const u = this.random.next();
    return u < (c - a) / (b - a) ? a + Math.sqrt(u * (b - a) * (c - a)) : b - Math.sqrt((1 - u) * (b - a) * (b - c));
  }

  describe(): string {
    return `TriangularDistribution(min=${this.min}, mode=${this.mode}, max=${this.max})`;
  }
}

export default TriangularDistribution;
