import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** loadsim's version, from its package.json (`unknown` if that cannot be read); read once. */
export function loadsimVersion(): string {
  if (cached === undefined) {
    try {
      // dist/lib/core/version.js → the package root, three folders up.
      cached = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
    } catch {
      cached = 'unknown';
    }
  }
  return cached;
}
