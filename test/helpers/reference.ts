import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

/** The repository root (tests run from dist/test/…). */
export const REPO = path.resolve(fileURLToPath(new URL('../../../', import.meta.url)));

/** ../shared beside the repository, read at run time (never copied into the repo). */
export const SHARED = process.env.LOADSIM_SHARED ?? path.resolve(REPO, '..', 'shared');
export const REFERENCE = path.join(SHARED, 'reference');

export type Generation = 'calendarserver-2013' | 'calendarserver-master';

/** The config/clients pairs shipped with the original, per generation. */
export const REFERENCE_PAIRS: { generation: Generation; config: string; clients: string }[] = [
  { generation: 'calendarserver-2013', config: 'config.plist', clients: 'clients.plist' },
  { generation: 'calendarserver-2013', config: 'config.dist.plist', clients: 'clients.plist' },
  { generation: 'calendarserver-master', config: 'config.plist', clients: 'clients.plist' },
  { generation: 'calendarserver-master', config: 'config.dist.plist', clients: 'clients.plist' },
  { generation: 'calendarserver-master', config: 'config-old.plist', clients: 'clients-old.plist' },
  { generation: 'calendarserver-master', config: 'standard-configs/accelerated-activity-config.plist', clients: 'standard-configs/accelerated-activity-clients.plist' },
  { generation: 'calendarserver-master', config: 'standard-configs/accelerated-activity-config.plist', clients: 'standard-configs/constant-invites.plist' },
];

/**
 * A working folder laid out like the original's repository root, where the
 * reference plists' relative paths (`contrib/performance/loadtest/accounts.csv`,
 * thresholds.json, benchmarks.json) resolve: symlinks to ../shared, not copies.
 */
export function referenceWorkspace(generation: Generation): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'loadsim-ref-'));
  const loadtest = path.join(dir, 'contrib', 'performance', 'loadtest');
  mkdirSync(loadtest, { recursive: true });
  for (const f of ['accounts.csv', 'thresholds.json', 'benchmarks.json']) symlinkSync(path.join(REFERENCE, generation, f), path.join(loadtest, f));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function referenceFile(generation: Generation, name: string): string {
  const p = path.join(REFERENCE, generation, name);
  assert.ok(existsSync(p), `reference file missing: ${p} (is ../shared beside the repository?)`);
  return p;
}

/**
 * Write a mutated copy of a reference file into `dir` (a temp folder). The
 * mutation must change the text: a test whose mutation silently matched
 * nothing would pass without testing anything.
 */
export function mutated(dir: string, source: string, name: string, mutate: (text: string) => string): string {
  const text = readFileSync(source, 'utf8');
  const next = mutate(text);
  assert.notEqual(next, text, `mutation of ${source} changed nothing`);
  const out = path.join(dir, name);
  writeFileSync(out, next);
  return out;
}

/** Replace the first match, asserting there is one. */
export function replaceOnce(text: string, pattern: RegExp, replacement: string): string {
  assert.match(text, pattern, `pattern ${pattern} not found`);
  return text.replace(pattern, replacement);
}

export function copyInto(dir: string, source: string, name = path.basename(source)): string {
  const out = path.join(dir, name);
  copyFileSync(source, out);
  return out;
}
