import { writeFileSync } from 'node:fs';
import type { LoadsimConfig } from '../config/config-types.js';
import { UsageError } from '../errors.js';
import { LoadSimulator } from '../simulator/simulator.js';
import { startTestbed } from '../testbed/server.js';
import { EXIT } from './exit-codes.js';

export interface RunFlags {
  runtime?: string;
  seed?: string;
  server?: string;
  json?: string;
  quiet?: boolean | string;
}

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

/** `loadsim run`: the simulation, its report and its verdict; the exit code is the verdict. */
export async function runCommand(config: LoadsimConfig, flags: RunFlags, out: (s: string) => void, err: (s: string) => void, signal: AbortSignal): Promise<number> {
  if (flags.server) overrideServer(config, flags.server);
  const live = flags.quiet ? 'off' : process.stderr.isTTY ? 'tty' : 'lines';
  const sim = new LoadSimulator({ config, ...(flags.seed !== undefined ? { seed: flags.seed } : {}), out, live });
  const runtime = flags.runtime !== undefined ? Number(flags.runtime) : undefined;
  err(`loadsim: ${config.arrival.policy?.describe() ?? 'custom arrival'}; seed ${sim.random.seed}${runtime ? `; ${runtime} s` : '; until Ctrl-C'}`);
  const result = await sim.run({ ...(runtime !== undefined ? { runtimeSeconds: runtime } : {}), signal });
  if (flags.json) {
    writeFileSync(flags.json, `${JSON.stringify(result.summary, null, 2)}\n`);
  }
  return result.exitCode === 0 ? EXIT.ok : EXIT.fail;
}

/**
 * `loadsim demo`: the embedded testbed in this process, our default
 * config/config.plist and clients.plist pointed at it, for `runtime` seconds.
 */
export async function demoCommand(config: LoadsimConfig, runtimeSeconds: number, out: (s: string) => void, err: (s: string) => void, signal: AbortSignal): Promise<number> {
  const tb = await startTestbed({ port: 0, statsPort: 0, users: Math.max(20, config.accounts.records.length) });
  try {
    for (const pod of config.servers) {
      if (!pod.enabled) continue;
      pod.uri = tb.url;
      if (pod.stats) pod.stats.port = tb.statsPort!;
    }
    err(`loadsim demo: testbed on ${tb.url}, running the default simulation for ${runtimeSeconds} s (Ctrl-C stops early and still reports)`);
    return await runCommand(config, { runtime: String(runtimeSeconds), seed: 'demo' }, out, err, signal);
  } finally {
    await tb.close();
  }
}
