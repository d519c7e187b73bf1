import { existsSync } from 'node:fs';
import path from 'node:path';
import { recordsFromCSVFile } from '../population/accounts.js';
import { UsageError } from '../core/errors.js';
import { QUIRK_CHOICES, parseQuirk, type ServerQuirks } from '../testbed/quirks.js';
import { startTestbed, type TestbedOptions } from '../testbed/server.js';

export interface ServeFlags {
  host?: string;
  port?: string;
  'stats-port'?: string;
  'stats-legacy'?: boolean;
  'amp-port'?: string;
  users?: string;
  accounts?: string;
  realm?: string;
  delay?: string;
  'keep-alive'?: string;
  'well-known'?: string;
  principals?: string;
  notifications?: string;
  'sync-level'?: string;
}

/** A quirk's flag (quirks.ts): its value, or a usage error naming the choices. */
function quirk<K extends keyof ServerQuirks>(key: K, flag: string, value: string): ServerQuirks[K] {
  const v = parseQuirk(key, value);
  if (v === undefined) throw new UsageError(`${flag}: expected ${QUIRK_CHOICES[key]}, got "${value}"`);
  return v;
}

function port(value: string | undefined, flag: string, def: number): number {
  if (value === undefined) return def;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`${flag}: expected a port number from 0 to 65535, got "${value}"`);
  return n;
}

/** `loadsim serve`: the testbed in the foreground until SIGINT/SIGTERM (or `signal`). */
export async function serveCommand(flags: ServeFlags, cwd: string, out: (s: string) => void, signal: AbortSignal): Promise<void> {
  if (flags.users !== undefined && flags.accounts !== undefined) throw new UsageError('--users and --accounts: give one of them');
  const options: Partial<TestbedOptions> = {
    host: flags.host ?? '127.0.0.1',
    port: port(flags.port, '--port', 8008),
    statsPort: flags['stats-port'] === undefined ? null : port(flags['stats-port'], '--stats-port', 8100),
    statsLegacy: flags['stats-legacy'] ?? false,
    ampPort: flags['amp-port'] === undefined ? null : port(flags['amp-port'], '--amp-port', 62311),
    realm: flags.realm ?? 'loadsim testbed',
  };
  if (flags.delay !== undefined) {
    const ms = Number(flags.delay);
    if (!Number.isFinite(ms) || ms < 0 || ms > 600_000) throw new UsageError(`--delay: expected milliseconds from 0 to 600000, got "${flags.delay}"`);
    options.responseDelayMs = ms;
  }
  if (flags['keep-alive'] !== undefined) {
    const s = Number(flags['keep-alive']);
    if (!/^\d+(\.\d+)?$/.test(flags['keep-alive']) || !(s > 0 && s <= 86_400)) throw new UsageError(`--keep-alive: expected seconds > 0 and ≤ 86400, got "${flags['keep-alive']}"`);
    options.keepAliveSeconds = s;
  }
  const quirks: Partial<ServerQuirks> = {};
  if (flags['well-known'] !== undefined) quirks.wellKnown = quirk('wellKnown', '--well-known', flags['well-known']);
  if (flags.principals !== undefined) quirks.principals = quirk('principals', '--principals', flags.principals);
  if (flags.notifications !== undefined) quirks.notifications = quirk('notifications', '--notifications', flags.notifications);
  if (flags['sync-level'] !== undefined) quirks.syncLevel = quirk('syncLevel', '--sync-level', flags['sync-level']);
  if (Object.keys(quirks).length > 0) options.quirks = quirks;
  if (flags.users !== undefined) {
    const n = Number(flags.users);
    if (!Number.isInteger(n) || n < 1 || n > 1_000_000) throw new UsageError(`--users: expected a number of users from 1 to 1000000, got "${flags.users}"`);
    options.users = n;
  }
  if (flags.accounts !== undefined) {
    const file = path.resolve(cwd, flags.accounts);
    if (!existsSync(file)) throw new UsageError(`--accounts ${flags.accounts}: no such file`);
    try {
      options.accounts = recordsFromCSVFile(file);
    } catch (e) {
      throw new UsageError(`--accounts ${flags.accounts}: ${(e as Error).message}`);
    }
  }
  const testbed = await startTestbed(options);
  const users = [...testbed.store.users.keys()];
  out(`loadsim testbed: CalDAV on ${testbed.url}/`);
  const q = testbed.store.quirks;
  out(q.principals === 'hidden' ? `  principals: /principals/__uids__/<guid>/ only (--principals hidden)   homes: /calendars/users/%s/` : `  principals: /principals/users/%s/   homes: /calendars/users/%s/`);
  if (q.wellKnown !== 'redirect' || q.notifications !== 'collection' || q.syncLevel !== 'optional') {
    out(`  answers as another server: /.well-known/caldav → ${q.wellKnown === 'redirect' ? '301 to /' : q.wellKnown === 'html' ? '200 web page' : q.wellKnown}; notifications: ${q.notifications}; sync-level: ${q.syncLevel}`);
  }
  out(`  users: ${users.length} (${users[0]}…${users[users.length - 1]})${flags.accounts ? ` from ${flags.accounts}` : ', password = uid, email <uid>@example.com'}`);
  out(`  stats socket: ${testbed.statsPort === null ? 'off (--stats-port to enable)' : `port ${testbed.statsPort}${options.statsLegacy ? ' (2013 format)' : ''}`}`);
  out(`  AMP push: ${testbed.ampPort === null ? 'off (--amp-port to enable; clients poll)' : `port ${testbed.ampPort} (pushkeys /CalDAV/localhost/<uid>/)`}`);
  // Startup cost from process start: CPU time says what it costs, whatever else the machine is doing.
  const cpu = process.cpuUsage();
  out(`  startup: ${Math.round(process.uptime() * 1000)} ms, ${Math.round((cpu.user + cpu.system) / 1000)} ms of CPU`);
  out('ready');
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await testbed.close();
  out('loadsim testbed: stopped');
}
