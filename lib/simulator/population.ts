import { DavHttp } from '../caldav/http.js';
import { AmpPushHub } from '../clients/amp-push-hub.js';
import { CalDAVClient, type ClientParams } from '../clients/client.js';
import { clientFolder } from '../clients/serialization.js';
import type { StartupRetryPolicy } from '../clients/startup-retry.js';
import type { Clock } from '../core/clock.js';
import type { ClientKind, LoadsimConfig, ServerPod } from '../config/config-types.js';
import type { EmitEvent } from '../core/events.js';
import type { AccountRecord } from '../core/account-record.js';
import { clientKindCycle } from '../population/client-cycle.js';
import type { Profile, PopulationView } from '../registry/profile.js';
import type { Random } from '../core/random.js';
import type { ProfileDefinition } from '../registry/definitions.js';

export interface PopulationOptions {
  config: LoadsimConfig;
  clock: Clock;
  /** The run's root stream; every client and profile derives its own from it. */
  random: Random;
  emit: EmitEvent;
  /** Replaces the URI of every enabled pod (`--server`). */
  serverOverride?: string;
  /** How clients retry a failed startup (default `startupRetryDefaults`). */
  startupRetry?: StartupRetryPolicy;
}

/** One simulated client and the behaviours running on it. */
export interface Member {
  userNumber: number;
  client: CalDAVClient;
  profiles: Profile[];
}

/**
 * The simulated users: user n gets `clientsPerUser` clients, each the next
 * kind of the weighted cycle (taken even when another worker simulates the
 * user, so every worker sees the same cycle), and each client its kind's
 * enabled profiles once it has started.
 */
export class Population implements PopulationView {
  readonly members: Member[] = [];
  readonly records: readonly AccountRecord[];
  private readonly cycle: Generator<number, never>;
  private nextUser = 0;
  private stopped = false;
  private readonly https = new Map<string, DavHttp>();
  private readonly hubs = new Map<string, AmpPushHub>();
  /** Client runs (startup + first poll), so a stop can wait for them. */
  private readonly running = new Set<Promise<void>>();
  /** Clients whose run ended in a client failure already (their startup attempts ran out). */
  private readonly gaveUp = new WeakSet<CalDAVClient>();

  constructor(private readonly o: PopulationOptions) {
    this.records = o.config.accounts.records;
    this.cycle = clientKindCycle(o.config.clients.map((k) => k.weight));
  }

  get users(): number {
    return this.nextUser;
  }

  /** Users this process simulates: those of its slice (n % workerCount == workerID) that arrived. */
  get simulatedUsers(): number {
    return this.localUsers;
  }
  private localUsers = 0;

  randomUserNumber(random: Random, besides?: number): number | undefined {
    const n = this.records.length;
    if (n === 0 || (n === 1 && besides === 0)) return undefined;
    for (let i = 0; i < 100; i++) {
      const k = random.integer(0, n);
      if (k !== besides) return k;
    }
    return undefined;
  }

  private podFor(record: AccountRecord): ServerPod {
    const enabled = this.o.config.servers.filter((s) => s.enabled);
    return enabled.find((s) => s.id === record.podID) ?? enabled[0]!;
  }

  private httpFor(origin: string): DavHttp {
    let h = this.https.get(origin);
    if (!h) {
      const s = this.o.config.http;
      h = new DavHttp({
        origin,
        clock: this.o.clock,
        rejectUnauthorized: s.tlsVerify,
        timeoutMs: s.requestTimeoutSeconds * 1000,
        maxBodyBytes: s.maxResponseBytes,
        connectionModel: s.connectionModel,
        connectionsPerClient: s.connectionsPerClient,
        connections: s.connectionsPerServer,
        keepAliveTimeoutMs: s.keepAliveSeconds * 1000,
      });
      this.https.set(origin, h);
    }
    return h;
  }

  private hubFor(host: string, port: number): AmpPushHub {
    const key = `${host}:${port}`;
    let hub = this.hubs.get(key);
    if (!hub) {
      const r = this.o.random.derive(`amp/${key}`);
      hub = new AmpPushHub(host, port, () => Array.from({ length: 32 }, () => r.integer(0, 16).toString(16)).join(''));
      this.hubs.set(key, hub);
    }
    return hub;
  }

  /** Add `count` users now (one arrival). */
  add(count: number, clientsPerUser: number): void {
    const { workerID, workerCount } = this.o.config;
    // The original restarted instance numbers at every arrival; the User-Agent carries them.
    let instance = 0;
    for (let u = 0; u < count && !this.stopped; u++) {
      const userNumber = this.nextUser++;
      const record = this.records[userNumber];
      if (record && userNumber % workerCount === workerID) this.localUsers++;
      for (let c = 0; c < clientsPerUser; c++) {
        const kind = this.o.config.clients[this.cycle.next().value]!;
        const inst = instance++;
        if (!record || userNumber % workerCount !== workerID) continue;
        this.startClient(userNumber, record, kind, inst);
      }
    }
    this.o.emit({ type: 'status', clientCount: this.members.length, at: this.o.clock.now() });
  }

  /** One params object per client kind, shared by its clients (client.ts: mergedParams says why). */
  private readonly kindParams = new Map<ClientKind, Partial<ClientParams>>();

  private paramsOf(kind: ClientKind): Partial<ClientParams> {
    let params = this.kindParams.get(kind);
    if (params) return params;
    const p = kind.params;
    params = {
      title: kind.title,
      ...(typeof p.calendarHomePollInterval === 'number' ? { calendarHomePollInterval: p.calendarHomePollInterval } : {}),
      ...(typeof p.supportPush === 'boolean' ? { supportPush: p.supportPush } : {}),
      ...(typeof p.supportAmpPush === 'boolean' ? { supportAmpPush: p.supportAmpPush } : {}),
      ...(typeof p.ampPushPort === 'number' ? { ampPushPort: p.ampPushPort } : {}),
      ...(typeof p.unauthenticatedPercentage === 'number' ? { unauthenticatedPercentage: p.unauthenticatedPercentage } : {}),
      // 2013's clients had no unauthenticated first requests (its client models have no such param).
      ...(this.o.config.generation === '2013' ? { unauthenticatedPercentage: 0 } : {}),
    };
    this.kindParams.set(kind, params);
    return params;
  }

  private startClient(userNumber: number, record: AccountRecord, kind: ClientKind, instance: number): void {
    const pod = this.podFor(record);
    const uri = this.o.serverOverride ?? pod.uri;
    const origin = new URL(uri).origin;
    const p = kind.params;
    const params = this.paramsOf(kind);
    const identity = `user${userNumber}/${kind.title}${instance}`;
    const pushHost = (p.ampPushHosts as string[] | undefined)?.[0] ?? (p.ampPushHost as string | undefined) ?? pod.ampPushHosts[0] ?? new URL(uri).hostname;
    const pushPort = (p.ampPushPort as number | undefined) ?? pod.ampPushPort;
    const client = new CalDAVClient({
      model: kind.plugin.definition.behaviour,
      params,
      record,
      serverUri: uri,
      principalPathTemplate: this.o.config.principalPathTemplate,
      http: this.httpFor(origin),
      clock: this.o.clock,
      random: this.o.random.derive(`${identity}/client`),
      emit: this.o.emit,
      instanceNumber: instance,
      ...(params.supportAmpPush !== false ? { push: this.hubFor(pushHost, pushPort) } : {}),
      ...(this.o.startupRetry ? { startupRetry: this.o.startupRetry } : {}),
      generation: this.o.config.generation,
      ...(this.o.config.clientDataSerialization ? { dataFolder: clientFolder(this.o.config.clientDataSerialization.path, record.uid, `${kind.title}${instance ? `-${instance}` : ''}`) } : {}),
    });
    const member: Member = { userNumber, client, profiles: [] };
    this.members.push(member);
    // Profiles are made and prepared (their listeners set) before the client's startup, as the
    // original ran them from the start: what the first poll fetches reaches the Accepter and the
    // AttachmentDownloader. Their loops start once the client has started.
    kind.profiles.forEach((pc, j) => {
      if (!pc.enabled) return;
      const def: ProfileDefinition = pc.plugin.definition;
      const profile = def.create({
        client,
        userNumber,
        params: pc.params,
        clock: this.o.clock,
        random: this.o.random.derive(`${identity}/profile${j}:${def.name}`),
        emit: this.o.emit,
        population: this,
        generation: this.o.config.generation,
        staggerFirstTick: this.o.config.staggerFirstTicks,
      });
      member.profiles.push(profile);
      profile.prepare?.();
    });
    const run = client
      .run()
      .then(() => {
        if (this.stopped || !client.started) return;
        for (const profile of member.profiles) profile.start();
      })
      .catch((e: unknown) => {
        for (const profile of member.profiles) profile.stop();
        if (this.stopped) return;
        this.gaveUp.add(client);
        this.o.emit({ type: 'client-failure', reason: `${(e as Error).name}: ${(e as Error).message}`, ...client.identity, at: this.o.clock.now() });
      })
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }

  /** Bytes of calendar data the clients hold between them (their caches; see ClientState.cachedDataChars). */
  cachedDataBytes(): number {
    let n = 0;
    for (const m of this.members) n += m.client.state.cachedDataChars();
    return n;
  }

  /**
   * Stop every client and profile from starting anything new. A client whose
   * startup failed and never succeeded is a client failure now, saying why:
   * with retries until the end of the run, it never gave up on its own, and a
   * run against a server that never came back must not pass.
   */
  stop(): void {
    if (!this.stopped) {
      for (const m of this.members) {
        const c = m.client;
        if (c.started || c.startupFailures === 0 || this.gaveUp.has(c)) continue;
        this.o.emit({ type: 'client-failure', reason: `never started: ${c.lastStartupError ?? 'startup failed'}`, ...c.identity, at: this.o.clock.now() });
      }
    }
    this.stopped = true;
    for (const m of this.members) {
      for (const p of m.profiles) p.stop();
      m.client.stop();
    }
  }

  async close(): Promise<void> {
    for (const hub of this.hubs.values()) hub.close();
    await Promise.all([...this.https.values()].map((h) => h.destroy()));
  }
}
