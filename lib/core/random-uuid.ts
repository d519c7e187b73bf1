import type { Random } from './random.js';

/**
 * A version-4-shaped UUID drawn from a profile's own stream, for UIDs and
 * resource names: the original used uuid4(); drawing it from the seeded stream
 * lets `--seed` replay the same UIDs (and so the same hrefs).
 */
export function randomUuid(random: Random): string {
  const hex = (n: number) => Array.from({ length: n }, () => random.integer(0, 16).toString(16)).join('');
  const variant = (8 + random.integer(0, 4)).toString(16);
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${variant}${hex(3)}-${hex(12)}`;
}
