import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type LoadConfigResult } from '../config/load-config.js';
import { describePlan } from '../config/describe-plan.js';
import { ConfigError, UsageError, formatProblem } from '../core/errors.js';
import { isGeneration } from '../params/generation.js';

/** The package's own default plists (config/), used when no --config is given. */
export const DEFAULT_CONFIG_DIR = fileURLToPath(new URL('../../../config/', import.meta.url));

export interface ConfigFlags {
  config?: string;
  clients?: string;
  /** Accept self-signed certificates (overrides `tlsVerify`). */
  insecure?: boolean | string;
  /** Per-request timeout, seconds (overrides `requestTimeout`). */
  timeout?: string;
  /** `2013` or `master` (overrides the `generation` key and the config's shape). */
  generation?: string;
}

/** Which files to read: the flags, else our defaults; a lone --config takes clients.plist beside it when it has no `clients`. */
export function chooseFiles(flags: ConfigFlags, cwd: string): { configPath: string; clientsPath: string | null } {
  if (!flags.config) {
    if (flags.clients) return { configPath: path.join(DEFAULT_CONFIG_DIR, 'config.plist'), clientsPath: flags.clients };
    return { configPath: path.join(DEFAULT_CONFIG_DIR, 'config.plist'), clientsPath: path.join(DEFAULT_CONFIG_DIR, 'clients.plist') };
  }
  if (flags.clients) return { configPath: flags.config, clientsPath: flags.clients };
  const beside = path.join(path.dirname(path.resolve(cwd, flags.config)), 'clients.plist');
  return { configPath: flags.config, clientsPath: existsSync(beside) ? path.relative(cwd, beside) || beside : null };
}

/** Load and check; on problems print them all (file: key.path: message) and rethrow. */
export async function loadChecked(flags: ConfigFlags, cwd: string, err: (s: string) => void): Promise<LoadConfigResult> {
  const files = chooseFiles(flags, cwd);
  if (flags.generation !== undefined && !isGeneration(flags.generation)) throw new UsageError(`--generation: expected 2013 or master, got "${flags.generation}"`);
  try {
    const result = await loadConfig({ ...files, cwd, ...(flags.generation !== undefined ? { generation: flags.generation } : {}) });
    for (const w of result.warnings) err(`warning: ${formatProblem(w)}`);
    if (flags.insecure) result.config.http.tlsVerify = false;
    if (flags.timeout !== undefined) result.config.http.requestTimeoutSeconds = Number(flags.timeout);
    return result;
  } catch (e) {
    if (e instanceof ConfigError) {
      const errors = e.problems.filter((p) => p.severity === 'error');
      for (const w of e.problems.filter((p) => p.severity === 'warning')) err(`warning: ${formatProblem(w)}`);
      err(`loadsim: ${errors.length} problem${errors.length === 1 ? '' : 's'} found, nothing was sent:`);
      for (const p of errors) err(formatProblem(p));
    }
    throw e;
  }
}

export async function validateCommand(flags: ConfigFlags, cwd: string, out: (s: string) => void, err: (s: string) => void): Promise<void> {
  if (flags.clients && !flags.config && !existsSync(path.resolve(cwd, flags.clients))) throw new UsageError(`--clients ${flags.clients}: no such file`);
  const { config, warnings } = await loadChecked(flags, cwd, err);
  out(describePlan(config, cwd));
  out('');
  out(`Valid${warnings.length ? ` (${warnings.length} warning${warnings.length === 1 ? '' : 's'} above)` : ''}: every name resolved and every parameter checked.`);
}
