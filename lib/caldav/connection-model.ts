/**
 * How simulated clients' requests map onto TCP connections. The number of
 * connections a server holds is a load dimension of its own (sockets, TLS
 * handshakes, per-connection workers, idle-connection memory), so this is
 * chosen per run (`connectionModel` in config.plist) and shown by `validate`.
 *
 * - `per-client`: each client its own keep-alive connection(s) to each server,
 *   as a real Mac or iPhone has. The default.
 * - `per-request`: a new connection for every HTTP exchange, closed after it:
 *   the original simulator's behaviour (its HTTP agent kept no connections).
 * - `shared-pool`: all clients of a server share one pool of
 *   `connectionsPerServer` connections: a throughput test, not a population.
 */
export type ConnectionModel = 'per-client' | 'per-request' | 'shared-pool';

export const CONNECTION_MODELS: readonly ConnectionModel[] = ['per-client', 'per-request', 'shared-pool'];

/** One line for `validate`'s plan and the README: which real behaviour each model stands for. */
export function describeConnectionModel(model: ConnectionModel, perClient: number, perServer: number): string {
  switch (model) {
    case 'per-client':
      return `per-client (each client its own keep-alive connection${perClient === 1 ? '' : `s, up to ${perClient},`} to its server, as a real client)`;
    case 'per-request':
      return 'per-request (a new connection for every request, closed after it, as the original simulator)';
    case 'shared-pool':
      return `shared-pool (all clients share ${perServer} connections per server; requests beyond wait in the generator)`;
  }
}
