import path from 'node:path';
import type { Configured, LoadsimConfig } from './config-types.js';
import type { FileParam, ParamValue } from '../params/param-spec.js';

/** A file a config names that lies outside the folder of the plist naming it. */
export interface OutsideFile {
  /** Key path, e.g. `accounts.params.path`. */
  keyPath: string;
  written: string;
  abs: string;
  /** The folder it escapes. */
  folder: string;
}

const isFile = (v: ParamValue): v is FileParam => typeof v === 'object' && v !== null && !Array.isArray(v) && 'abs' in v && 'written' in v;

function inside(folder: string, abs: string): boolean {
  const r = path.relative(folder, abs);
  return r !== '' && !r.startsWith('..') && !path.isAbsolute(r);
}

/**
 * Files (accounts CSV, thresholds, user modules) that resolve outside the
 * folder of the plist naming them, e.g. `../../etc/accounts.csv`. Allowed —
 * shared account files often live elsewhere — but `loadsim validate` lists
 * them, so a config copied from someone else cannot quietly read a file the
 * reader did not expect.
 */
export function filesOutsideConfigFolder(config: LoadsimConfig): OutsideFile[] {
  const configFolder = path.dirname(config.files.config);
  const clientsFolder = path.dirname(config.files.clients ?? config.files.config);
  const out: OutsideFile[] = [];
  const visit = (c: Configured<unknown>, folder: string) => {
    if (c.plugin.source === 'module' && !inside(folder, c.plugin.modulePath)) {
      out.push({ keyPath: c.path, written: c.plugin.written, abs: c.plugin.modulePath, folder });
    }
    for (const [key, value] of Object.entries(c.params)) {
      if (isFile(value) && !inside(folder, value.abs)) out.push({ keyPath: `${c.path}.params.${key}`, written: value.written, abs: value.abs, folder });
    }
  };
  visit(config.accounts, configFolder);
  visit(config.arrival, configFolder);
  for (const o of config.observers) visit(o, configFolder);
  for (const k of config.clients) {
    visit(k, clientsFolder);
    for (const p of k.profiles) visit(p, clientsFolder);
  }
  return out;
}
