import type { Clock } from '../core/clock.js';
import type { Registry } from '../params/registry.js';
import { loadConfig, type LoadConfigResult } from './load-config.js';

/**
 * A simulation written in TypeScript, without plists: `config` holds what
 * config.plist would (servers, accounts, arrival, observers, …) and `clients`
 * what clients.plist would, as plain objects of the same shape, checked by the
 * same loader: a bad value throws the same ConfigError, naming
 * `config (in code)` and the key path. Where a plist names a plug-in, code may
 * give the definition or class itself (`{ class: Reminder, params: {…} }`).
 *
 *   const { config } = await configInCode({
 *     config: { servers: { PodA: { enabled: true, uri: 'https://cal.example.com' } }, accounts: {…}, arrival: {…} },
 *     clients: { clients: [{ software: 'OS_X_10_11', profiles: [{ class: 'Eventer', params: { interval: 60 } }], weight: 1 }] },
 *   });
 *   const result = await new LoadSimulator({ config, clock: new RealClock(), seed: 'x', out: console.log }).run({ runtimeSeconds: 60 });
 */
export interface ConfigInCode {
  config: Record<string, unknown>;
  /** The client kinds (`{ clients: [...] }`); absent: `config.clients`. */
  clients?: Record<string, unknown>;
  /** Where relative paths (accounts.csv, thresholds.json, user modules) are resolved: default the working directory. */
  dir?: string;
  registry?: Registry;
  clock?: Clock;
}

export function configInCode(o: ConfigInCode): Promise<LoadConfigResult> {
  return loadConfig({
    configPath: 'config (in code)',
    clientsPath: o.clients ? 'clients (in code)' : null,
    cwd: o.dir ?? process.cwd(),
    values: { config: o.config, ...(o.clients ? { clients: o.clients } : {}) },
    ...(o.registry ? { registry: o.registry } : {}),
    ...(o.clock ? { clock: o.clock } : {}),
  });
}
