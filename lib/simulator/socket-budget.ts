/**
 * Open files a run needs, checked before any traffic. With `per-client`
 * connections every simulated client holds a socket (a file descriptor) for
 * as long as its connection is open, so a population can need more than the
 * process may open; past that, connects fail with EMFILE in the middle of the
 * run, counted against the server. That is refused up front instead.
 *
 * Node raises its soft RLIMIT_NOFILE to the hard limit when it starts, so the
 * soft limit read here is already the most this process may have; only the
 * hard limit (root, a systemd unit, limits.conf) can be raised further.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { LoadsimConfig } from '../config/config-types.js';
import { ResourceLimitError } from '../core/errors.js';

/** Descriptors kept for everything else a run opens: result files, stats sockets, web admin, push hubs, worker pipes. */
export const RESERVED_FILES = 64;

export interface FileLimitProbe {
  /** The soft limit on open files, or undefined where it cannot be read (not Linux). */
  limit: number | undefined;
  /** Descriptors open now. */
  open: number;
}

/** This process's limit and use, from /proc (Linux). */
export function probeOpenFiles(): FileLimitProbe {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    const limit = soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
    return { limit: Number.isFinite(limit) ? limit : undefined, open: readdirSync('/proc/self/fd').length };
  } catch {
    return { limit: undefined, open: 0 };
  }
}

/** Users n with n % count == index among `total`. */
export function sliceSize(total: number, index: number, count: number): number {
  return total > index ? Math.floor((total - 1 - index) / count) + 1 : 0;
}

/** Sockets this process's clients hold at most at once, when the connection model bounds it (per-client, shared-pool). */
export function socketsNeeded(config: LoadsimConfig, processes = 1): { clients: number; sockets: number } | undefined {
  const policy = config.arrival.policy;
  if (!policy) return undefined;
  const h = config.http;
  // A process simulates its slice of the users that have accounts; with `processes` local workers, the largest slice.
  const users = Math.min(policy.totalUsers, config.accounts.records.length);
  const clients = sliceSize(users, processes > 1 ? 0 : config.workerID ?? 0, processes > 1 ? processes : config.workerCount ?? 1) * policy.clientsPerUser;
  const servers = Math.max(1, config.servers.filter((s) => s.enabled).length);
  if (h.connectionModel === 'per-client') return { clients, sockets: clients * h.connectionsPerClient };
  if (h.connectionModel === 'shared-pool') return { clients, sockets: Math.min(clients, servers * h.connectionsPerServer) };
  return undefined; // per-request: one socket per request in flight, which no plan bounds
}

/**
 * Refuse, in one line, a population whose sockets would not fit in this
 * process's open-file limit: how many are needed, what the limit is, and how
 * to raise it. `processes`: local worker processes sharing the population.
 */
export function checkSocketBudget(config: LoadsimConfig, processes = 1, probe: FileLimitProbe = probeOpenFiles()): void {
  const need = socketsNeeded(config, processes);
  if (!need || probe.limit === undefined) return;
  const files = need.sockets + probe.open + RESERVED_FILES;
  if (files <= probe.limit) return;
  const fits = Math.max(0, Math.floor(((probe.limit - probe.open - RESERVED_FILES) / Math.max(1, need.sockets)) * need.clients));
  const who = processes > 1 ? `each of ${processes} worker processes simulates up to ${need.clients} clients, which` : `${need.clients} clients`;
  throw new ResourceLimitError(
    `${who} with ${config.http.connectionModel} connections need ${files} open files (${need.sockets} sockets, ${probe.open} open now, ${RESERVED_FILES} kept for the run's files and services), but this process may open ${probe.limit} (RLIMIT_NOFILE, already raised to its hard limit); about ${fits} clients fit. Raise the hard limit (as root: \`ulimit -Hn 65536 && ulimit -Sn 65536\` in the shell that starts loadsim, LimitNOFILE= in a systemd unit, or nofile in /etc/security/limits.conf), spread the clients over more worker processes (--workers N), or use connectionModel shared-pool`,
  );
}
