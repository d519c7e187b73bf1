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

/**
 * The tests that read the original's files (the reference plists, thresholds.json,
 * benchmarks.json, accounts.csv, request bodies) need REFERENCE; a clone without
 * ../shared beside it runs everything else. Such a test takes `needsReference()` as
 * its options: it skips with REFERENCE_MISSING when the files are not there, unless
 * LOADSIM_REFERENCE_REQUIRED=1 (.ci/run), where it runs and fails on the first
 * missing file (referenceFile, referenceWorkspace and referenceDir say which).
 */
export const REFERENCE_AVAILABLE = existsSync(REFERENCE);
export const REFERENCE_REQUIRED = process.env.LOADSIM_REFERENCE_REQUIRED === '1';
const shownReference = process.env.LOADSIM_SHARED === undefined ? '../shared/reference' : REFERENCE;
/** The one line a test that reads the original's files skips with when they are missing. */
export const REFERENCE_MISSING = `${shownReference} not found: the checks against the original's files run in .ci/run`;

/** The options of an `it` or `test` that reads the original's files (`options` kept). */
export function needsReference<T extends object>(options?: T): T & { skip?: string } {
  const o = { ...options } as T & { skip?: string };
  if (!REFERENCE_AVAILABLE && !REFERENCE_REQUIRED) o.skip = REFERENCE_MISSING;
  return o;
}

function assertPresent(p: string): void {
  assert.ok(existsSync(p), `reference file missing: ${p} (${REFERENCE_REQUIRED ? 'LOADSIM_REFERENCE_REQUIRED=1' : 'is ../shared beside the repository, or LOADSIM_SHARED set to it?'})`);
}

/** The reference folder itself, asserting it is there. */
export function referenceDir(): string {
  assertPresent(REFERENCE);
  return REFERENCE;
}

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
  assertPresent(path.join(REFERENCE, generation));
  const dir = mkdtempSync(path.join(tmpdir(), 'loadsim-ref-'));
  const loadtest = path.join(dir, 'contrib', 'performance', 'loadtest');
  mkdirSync(loadtest, { recursive: true });
  for (const f of ['accounts.csv', 'thresholds.json', 'benchmarks.json']) symlinkSync(path.join(REFERENCE, generation, f), path.join(loadtest, f));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function referenceFile(generation: Generation, name: string): string {
  const p = path.join(REFERENCE, generation, name);
  assertPresent(p);
  return p;
}

/**
 * Write a mutated copy of a file (a reference file, or a fixture of ours)
 * into `dir` (a temp folder). The mutation must change the text: a test whose
 * mutation silently matched nothing would pass without testing anything.
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
