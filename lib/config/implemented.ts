import type { LoadsimConfig } from './config-types.js';
import { NotImplementedYetError } from '../core/errors.js';
import { KIND_NOUN, type PluginDefinition, type PluginKind, type Resolved } from '../params/registry.js';

/**
 * Everything a config names that is registered but whose implementation has
 * not landed yet, each as the error using it would raise. `loadsim run` prints
 * them and stops before sending anything, rather than failing mid-run.
 */
export function unimplementedPlugins(config: LoadsimConfig): NotImplementedYetError[] {
  const seen = new Map<string, NotImplementedYetError>();
  const check = (kind: PluginKind, r: Resolved<PluginDefinition>) => {
    if (!r.definition.plannedIn) return;
    const what = `${KIND_NOUN[kind]} ${r.definition.name}`;
    if (!seen.has(what)) seen.set(what, new NotImplementedYetError(what, r.definition.plannedIn));
  };
  for (const kind of config.clients) {
    check('client', kind.plugin);
    for (const p of kind.profiles) if (p.enabled) check('profile', p.plugin);
  }
  for (const o of config.observers) check('observer', o.plugin);
  check('arrival', config.arrival.plugin);
  check('accounts', config.accounts.plugin);
  return [...seen.values()];
}
