import type { ListenAddress } from '../metrics/listen-address.js';
import type { ConnectionModel } from '../caldav/connection-model.js';
import type { StartupRetryPolicy } from '../clients/startup-retry.js';
import type { ParamValues } from '../params/param-spec.js';
import type { AccountRecord } from '../core/account-record.js';
import type { ArrivalPolicy } from '../registry/arrival-policy.js';
import type { AccountLoaderDefinition, ArrivalDefinition, ClientModelDefinition, ObserverDefinition, ProfileDefinition } from '../registry/definitions.js';
import type { Resolved } from '../params/registry.js';
import type { Generation, GenerationSource } from '../params/generation.js';

/** One server ("pod"). The 2013 generation's single `server` becomes pod `PodA`. */
export interface ServerPod {
  id: string;
  enabled: boolean;
  uri: string;
  ampPushHosts: string[];
  ampPushPort: number;
  /** The server's stats socket, read at the end of the run. */
  stats: { enabled: boolean; port: number } | null;
}

/** A plug-in named in a file, with its validated params (defaults applied). */
export interface Configured<D> {
  plugin: Resolved<D>;
  params: ParamValues;
  /** Key path of the entry, e.g. `clients[0].profiles[2]`. */
  path: string;
}

export interface ProfileConfig extends Configured<ProfileDefinition> {
  enabled: boolean;
}

export interface ClientKind extends Configured<ClientModelDefinition> {
  title: string;
  weight: number;
  profiles: ProfileConfig[];
}

export type WorkersConfig =
  /** The original's shell command lines, one per worker. */
  | { mode: 'commands'; commands: string[] }
  /** Local worker processes: a count, or one per CPU. */
  | { mode: 'local'; count: number | 'auto' };

/** Everything a run needs, read from config.plist and clients.plist and checked. */
export interface LoadsimConfig {
  files: { config: string; clients: string | null };
  /** The reference generation whose behaviour the run reproduces (generation.ts says what it decides). */
  generation: Generation;
  /** Whether it was detected from the file's shape or set by the `generation` key or --generation. */
  generationSource: GenerationSource;
  /** Which shape the config file has: a single `server` (2013) or `servers` pods (master). */
  shape: Generation;
  /** Interval profiles tick first after a random 1…interval seconds (master), or at once (2013). */
  staggerFirstTicks: boolean;
  servers: ServerPod[];
  principalPathTemplate: string;
  webadmin: { enabled: boolean; port: number };
  /** How the clients talk HTTP (loadsim's own keys; the original had none). */
  http: HttpSettings;
  /** How clients retry a failed startup (`clientStartupRetry`); absent = startupRetryDefaults. */
  startupRetry?: StartupRetryPolicy;
  /** Time series and post-run hook (`reportInterval`, `postRunScript`). */
  results: ResultsSettings;
  clientDataSerialization: { path: string; reuseOldData: boolean } | null;
  accounts: Configured<AccountLoaderDefinition> & {
    records: AccountRecord[];
    /** Records the loader returned before those of disabled pods were dropped. */
    loadedCount: number;
  };
  arrival: Configured<ArrivalDefinition> & { policy: ArrivalPolicy | null };
  observers: Configured<ObserverDefinition>[];
  workers: WorkersConfig | null;
  workerID: number;
  workerCount: number;
  clients: ClientKind[];
}

export interface ResultsSettings {
  /** Seconds per time-series interval (`reportInterval`; `--interval` overrides). */
  intervalSeconds: number;
  /** A shell command run after the report (`postRunScript`; `--post-run` overrides). */
  postRunScript: string | null;
  /** Serve Prometheus `/metrics` there while the run goes (`metricsListen`; `--metrics` overrides). */
  metricsListen: ListenAddress | null;
  /** Push the metrics over OTLP/HTTP to this URL (`metricsOTLP`; `--otlp` overrides). */
  metricsOTLP: string | null;
}

export const resultsSettingsDefaults: ResultsSettings = { intervalSeconds: 10, postRunScript: null, metricsListen: null, metricsOTLP: null };

export interface HttpSettings {
  /** Verify server certificates; false accepts self-signed test servers (`tlsVerify` in config.plist, `--insecure`). */
  tlsVerify: boolean;
  /** Per-request timeout, headers and body, seconds (`requestTimeout`). */
  requestTimeoutSeconds: number;
  /** Largest response body read; a bigger one is a failed request (`maxResponseBytes`). */
  maxResponseBytes: number;
  /**
   * How clients' requests map onto TCP connections (`connectionModel`): `per-client` (each
   * client its own keep-alive connections, as real clients), `per-request` (a new connection per
   * request, as the original simulator), `shared-pool` (all clients share `connectionsPerServer`).
   */
  connectionModel: ConnectionModel;
  /** `per-client`: connections one client may open to one server (`connectionsPerClient`). */
  connectionsPerClient: number;
  /** `shared-pool`: connection limit per server (`connectionsPerServer`). */
  connectionsPerServer: number;
  /** An idle keep-alive connection is closed after this long, s (`keepAliveTimeout`), or sooner if the server says so. */
  keepAliveSeconds: number;
}

export const httpSettingsDefaults: HttpSettings = {
  tlsVerify: true,
  requestTimeoutSeconds: 60,
  maxResponseBytes: 50 * 1024 * 1024,
  connectionModel: 'per-client',
  connectionsPerClient: 1,
  connectionsPerServer: 64,
  keepAliveSeconds: 30,
};
