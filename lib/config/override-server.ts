import { UsageError } from '../core/errors.js';
import type { LoadsimConfig } from './config-types.js';

/** Point every enabled pod at one server (`--server`), keeping its path-less origin form. */
export function overrideServer(config: LoadsimConfig, server: string): void {
  let u: URL;
  try {
    u = new URL(server);
  } catch {
    throw new UsageError(`--server: expected an http:// or https:// URL, got "${server}"`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`--server: expected an http:// or https:// URL, got "${server}"`);
  for (const pod of config.servers) if (pod.enabled) pod.uri = u.origin;
}
