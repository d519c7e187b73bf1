import { parseListen, parseOtlpUrl, type ListenAddress } from '../metrics/listen-address.js';
import { CONNECTION_MODELS, type ConnectionModel } from '../caldav/connection-model.js';
import { startupRetryDefaults, type StartupRetryPolicy } from '../clients/startup-retry.js';
import path from 'node:path';
import { RealClock, type Clock } from '../core/clock.js';
import { ConfigError, type Problem } from '../core/errors.js';
import type { AccountRecord } from '../core/account-record.js';
import { DEFAULT_POD } from '../core/account-record.js';
import type { ArrivalPolicy } from '../registry/arrival-policy.js';
import { smoothRampUpDefaults } from '../population/arrival/smooth-ramp-up.js';
import { createRegistry } from './builtins.js';
import { PluginShapeError } from './module-adapters.js';
import type { AccountLoaderDefinition, ArrivalDefinition, ClientModelDefinition, ObserverDefinition, ProfileDefinition, SpecDefinition } from '../registry/definitions.js';
import { isModuleReference, type Registry, type Resolved } from '../params/registry.js';
import { httpSettingsDefaults, resultsSettingsDefaults, type ClientKind, type Configured, type LoadsimConfig, type ProfileConfig, type ServerPod, type WorkersConfig } from './config-types.js';
import { readParams, type ParamValues, type ResolveContext } from '../params/param-spec.js';
import { ParamReader } from '../params/params.js';
import { readPlistFile } from '../params/plist-file.js';
import { checkDuplicateAccounts } from './duplicate-accounts.js';
import { MAX_CLIENTS, MAX_GENERATED_ACCOUNTS, MAX_WAIT_SECONDS } from '../params/limits.js';
import type { FileParam } from '../params/param-spec.js';
import { Problems, Scope, describeValue, isDict, sourceFile } from '../params/problems.js';
import { readGenerationKey, type Generation, type GenerationSource } from '../params/generation.js';

export interface LoadConfigOptions {
  /** config.plist, as the user named it. */
  configPath: string;
  /** clients.plist; when absent, `clients` inside config.plist is used. */
  clientsPath?: string | null;
  /** Working directory (second place relative paths are looked up). */
  cwd?: string;
  registry?: Registry;
  clock?: Clock;
  /**
   * A worker's load: the texts of config.plist and clients.plist and the
   * account records, as its manager sent them, so the worker's host needs
   * none of those files. The paths above still name the files in messages
   * and anchor relative paths (thresholds, user modules).
   */
  given?: { configText: string; clientsText: string | null; accounts: AccountRecord[] };
  /** `--generation`: overrides the `generation` key and the config's shape. */
  generation?: Generation;
  /**
   * A simulation written in code: what config.plist and clients.plist would hold, as objects of
   * the same shape, checked the same way (see config-in-code.ts). The paths above then only name
   * them in messages and anchor relative paths.
   */
  values?: { config: unknown; clients?: unknown };
}

export interface LoadConfigResult {
  config: LoadsimConfig;
  /** Warnings (unknown keys, ignored values); errors throw. */
  warnings: Problem[];
}

function checkUri(value: string, scope: Scope): void {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    scope.error(`expected an http:// or https:// URL, got ${describeValue(value)}`);
    return;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') scope.error(`expected an http:// or https:// URL, got ${describeValue(value)}`);
}

function readServers(root: ParamReader): { generation: '2013' | 'master'; servers: ServerPod[] } {
  if (root.has('servers')) {
    if (root.has('server')) root.at('server').warning('ignored: `servers` is given');
    root.markUsed('server', 'serverStats');
    const pods = root.dict('servers');
    const servers: ServerPod[] = [];
    for (const id of pods.keys()) {
      const pod = pods.dict(id);
      const uri = pod.string('uri');
      if (uri) checkUri(uri, pod.at('uri'));
      const hostname = uri ? URL.canParse(uri) ? new URL(uri).hostname : '' : '';
      const stats = pod.has('stats') ? pod.dict('stats') : undefined;
      servers.push({
        id,
        enabled: pod.boolean('enabled', true),
        uri,
        ampPushHosts: pod.strings('ampPushHosts', hostname ? [hostname] : []),
        ampPushPort: pod.number('ampPushPort', { integer: true, min: 1, max: 65535 }, 62311),
        stats: stats
          ? { enabled: stats.boolean('enabled', stats.boolean('Enabled', false)), port: stats.number('Port', { integer: true, min: 1, max: 65535 }, 8100) }
          : null,
      });
      stats?.finish();
      pod.finish();
    }
    pods.finish();
    if (pods.keys().length === 0) root.error('servers', 'expected at least one pod, e.g. PodA = {enabled, uri}');
    else if (!servers.some((s) => s.enabled)) root.error('servers', 'no pod is enabled');
    return { generation: 'master', servers };
  }
  const uri = root.string('server', 'http://127.0.0.1:8008');
  checkUri(uri, root.at('server'));
  const serverStats = root.has('serverStats') ? root.dict('serverStats') : undefined;
  let stats: ServerPod['stats'] = null;
  if (serverStats) {
    stats = {
      enabled: serverStats.boolean('Enabled', serverStats.boolean('enabled', false)),
      port: serverStats.number('Port', { integer: true, min: 1, max: 65535 }, 8100),
    };
    serverStats.finish();
  }
  const hostname = URL.canParse(uri) ? new URL(uri).hostname : '';
  return { generation: '2013', servers: [{ id: DEFAULT_POD, enabled: true, uri, ampPushHosts: hostname ? [hostname] : [], ampPushPort: 62311, stats }] };
}

function readWorkers(root: ParamReader): WorkersConfig | null {
  const v = root.raw('workers');
  if (v === undefined) return null;
  if (v === 'auto') return { mode: 'local', count: 'auto' };
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= 1) return { mode: 'local', count: v };
  } else if (Array.isArray(v)) {
    const commands = root.strings('workers');
    commands.forEach((c, i) => c.trim() === '' && root.at('workers').child(i).error('expected a shell command line, got an empty string'));
    if (commands.length === 0) root.error('workers', 'expected at least one worker command');
    return { mode: 'commands', commands };
  }
  root.error('workers', `expected an array of shell command lines, "auto" or a number of local workers, got ${describeValue(v)}`);
  return null;
}

/**
 * Resolve a `{<nameKey>, params}` entry, then validate its params against the
 * definition (built-ins) or pass them through (a user's module).
 */
async function readConfigured<D extends SpecDefinition>(
  kind: 'profile' | 'client' | 'arrival' | 'observer' | 'accounts',
  entry: ParamReader,
  nameKey: string,
  ctx: ResolveContext,
  adjust?: (raw: Record<string, unknown>) => Record<string, unknown>,
  generation?: Generation,
): Promise<Configured<D> | undefined> {
  let plugin = await ctx.registry.resolve<D>(kind, entry.raw(nameKey), entry.at(nameKey));
  const rawParams = entry.raw('params');
  const paramsScope = entry.at('params');
  if (rawParams !== undefined && !isDict(rawParams)) {
    paramsScope.error(`expected a dict, got ${describeValue(rawParams)}`);
    return undefined;
  }
  if (!plugin) return undefined;
  let raw = adjust ? adjust(rawParams ?? {}) : rawParams ?? {};
  // The generation's own variant, where its code differed; the other generation's parameters are ignored, saying so.
  const variant = generation ? plugin.definition.generations?.[generation] : undefined;
  if (variant) {
    const base = plugin.definition;
    const dropped = Object.keys(raw).filter((k) => k in base.params && !(k in variant.params));
    for (const k of dropped) paramsScope.child(k).warning(`ignored: the ${generation} generation's ${variant.name} has no ${k}`);
    if (dropped.length) raw = Object.fromEntries(Object.entries(raw).filter(([k]) => !dropped.includes(k)));
    plugin = { ...plugin, definition: variant };
  }
  let params: ParamValues;
  if (plugin.definition.openParams) {
    // A user's plain class or function that declares no params gets them as written.
    params = { ...raw } as ParamValues;
  } else {
    // Built-in or a user's definition: checked against the declared spec alike.
    const reader = new ParamReader(raw, paramsScope);
    params = await readParams(plugin.definition.params, reader, ctx);
    plugin.definition.check?.(params, reader);
  }
  return { plugin, params, path: entry.scope.path };
}

async function readClientKinds(list: unknown, scope: Scope, ctx: ResolveContext, generation: Generation): Promise<ClientKind[]> {
  if (!Array.isArray(list)) {
    scope.error(list === undefined ? 'missing; expected an array of client kinds {software, params, profiles, weight}' : `expected an array of client kinds, got ${describeValue(list)}`);
    return [];
  }
  if (list.length === 0) scope.error('expected at least one client kind');
  const kinds: ClientKind[] = [];
  for (let i = 0; i < list.length; i++) {
    const entry = ParamReader.of(list[i], scope.child(i));
    const software = await readConfigured<ClientModelDefinition>('client', entry, 'software', ctx, undefined, generation);
    const weight = entry.number('weight', { integer: true, min: 0 }, 1);
    const profiles: ProfileConfig[] = [];
    const rawProfiles = entry.raw('profiles');
    if (rawProfiles !== undefined && !Array.isArray(rawProfiles)) entry.error('profiles', `expected an array of {class, params}, got ${describeValue(rawProfiles)}`);
    else {
      for (let j = 0; j < (rawProfiles ?? []).length; j++) {
        const p = ParamReader.of(rawProfiles![j], entry.at('profiles').child(j));
        const configured = await readConfigured<ProfileDefinition>('profile', p, 'class', ctx, undefined, generation);
        p.finish();
        if (configured) profiles.push({ ...configured, enabled: configured.params.enabled !== false });
      }
    }
    entry.finish();
    if (software) {
      const title = typeof software.params.title === 'string' ? software.params.title : software.plugin.definition.defaultTitle;
      kinds.push({ ...software, title, weight, profiles });
    }
  }
  if (kinds.length > 0 && kinds.every((k) => k.weight === 0)) scope.error('every client kind has weight 0; at least one needs a positive weight');
  return kinds;
}

/**
 * Read and check config.plist and clients.plist: every name resolved, every
 * parameter checked, the accounts loaded and compared with the arrival
 * schedule. All problems are collected; any error throws one ConfigError
 * listing them (with the warnings), before a single request is sent.
 */
export async function loadConfig(options: LoadConfigOptions): Promise<LoadConfigResult> {
  const cwd = options.cwd ?? process.cwd();
  const ctx: ResolveContext = { registry: options.registry ?? createRegistry(), clock: options.clock ?? new RealClock(), cwd };
  const problems = new Problems();
  const fail = () => new ConfigError(problems.list);

  const given = options.given;
  const values = options.values;
  const configFile = values ? { file: sourceFile(options.configPath, cwd), value: values.config } : readPlistFile(options.configPath, problems, cwd, given?.configText);
  const clientsFile = values
    ? values.clients !== undefined
      ? { file: sourceFile(options.clientsPath ?? 'clients (in code)', cwd), value: values.clients }
      : undefined
    : options.clientsPath
      ? readPlistFile(options.clientsPath, problems, cwd, given?.clientsText ?? undefined)
      : undefined;
  if (configFile.value === undefined || (clientsFile && clientsFile.value === undefined)) throw fail();

  const rootScope = new Scope(problems, configFile.file);
  if (!isDict(configFile.value)) {
    rootScope.error(`expected a <dict> at the top, got ${describeValue(configFile.value)}`);
    throw fail();
  }
  const root = new ParamReader(configFile.value, rootScope);

  const { generation: shape, servers } = readServers(root);
  // The generation: --generation, else loadsim's own `generation` key, else the file's shape.
  const generationKey = readGenerationKey(root);
  const generation: Generation = options.generation ?? generationKey ?? shape;
  const generationSource: GenerationSource = options.generation ? 'command line' : generationKey ? 'config' : 'detected';
  // Interval profiles' first tick (loadsim's own key): master's random offset, or 2013's at once.
  const staggerFirstTicks = root.boolean('staggerFirstTicks', generation === 'master');

  const principalPathTemplate = root.string('principalPathTemplate', '/principals/users/%s/');
  if (!principalPathTemplate.includes('%s')) root.error('principalPathTemplate', `expected a path containing %s (the user id), got ${describeValue(principalPathTemplate)}`);

  const webadminReader = root.dict('webadmin');
  const webadmin = {
    enabled: webadminReader.boolean('enabled', webadminReader.boolean('Enabled', false)),
    port: webadminReader.number('HTTPPort', { integer: true, min: 0, max: 65535 }, 8080),
  };
  webadminReader.finish();

  const http = {
    tlsVerify: root.boolean('tlsVerify', httpSettingsDefaults.tlsVerify),
    requestTimeoutSeconds: root.number('requestTimeout', { positive: true, max: MAX_WAIT_SECONDS }, httpSettingsDefaults.requestTimeoutSeconds),
    maxResponseBytes: root.number('maxResponseBytes', { integer: true, min: 1024 }, httpSettingsDefaults.maxResponseBytes),
    connectionModel: root.string('connectionModel', httpSettingsDefaults.connectionModel, CONNECTION_MODELS) as ConnectionModel,
    connectionsPerClient: root.number('connectionsPerClient', { integer: true, min: 1, max: 64 }, httpSettingsDefaults.connectionsPerClient),
    connectionsPerServer: root.number('connectionsPerServer', { integer: true, min: 1, max: 100_000 }, httpSettingsDefaults.connectionsPerServer),
    keepAliveSeconds: root.number('keepAliveTimeout', { positive: true, max: MAX_WAIT_SECONDS }, httpSettingsDefaults.keepAliveSeconds),
  };

  // How clients retry a failed startup (loadsim's own key; the original gave up at once: maxAttempts 1).
  const retryReader = root.dict('clientStartupRetry');
  const startupRetry: StartupRetryPolicy = {
    initialSeconds: retryReader.number('initialSeconds', { positive: true, max: MAX_WAIT_SECONDS }, startupRetryDefaults.initialSeconds),
    multiplier: retryReader.number('multiplier', { min: 1, max: 1000 }, startupRetryDefaults.multiplier),
    maxSeconds: retryReader.number('maxSeconds', { positive: true, max: MAX_WAIT_SECONDS }, startupRetryDefaults.maxSeconds),
    jitter: retryReader.number('jitter', { min: 0, max: 1 }, startupRetryDefaults.jitter),
    maxAttempts: retryReader.number('maxAttempts', { integer: true, min: 0, max: 1_000_000 }, startupRetryDefaults.maxAttempts),
  };
  if (startupRetry.maxSeconds < startupRetry.initialSeconds) retryReader.error('maxSeconds', `expected a number of seconds ≥ initialSeconds (${startupRetry.initialSeconds}), got ${startupRetry.maxSeconds}`);
  retryReader.finish();

  // Results (loadsim's own keys): the time-series interval and a command to run after the report.
  const results = {
    intervalSeconds: root.number('reportInterval', { positive: true, max: 86_400 }, resultsSettingsDefaults.intervalSeconds),
    postRunScript: root.has('postRunScript') ? root.string('postRunScript') : null,
    metricsListen: null as ListenAddress | null,
    metricsOTLP: null as string | null,
  };
  // Live metrics (loadsim's own keys): where to serve Prometheus' /metrics, where to push OTLP.
  if (root.has('metricsListen')) {
    const text = root.string('metricsListen');
    results.metricsListen = parseListen(text) ?? null;
    if (!results.metricsListen) root.error('metricsListen', `expected HOST:PORT (or PORT, on 127.0.0.1), got "${text}"`);
  }
  if (root.has('metricsOTLP')) {
    const text = root.string('metricsOTLP');
    results.metricsOTLP = parseOtlpUrl(text) ?? null;
    if (!results.metricsOTLP) root.error('metricsOTLP', `expected an http:// or https:// URL of an OTLP/HTTP metrics endpoint, got "${text}"`);
  }

  let clientDataSerialization: LoadsimConfig['clientDataSerialization'] = null;
  if (root.has('clientDataSerialization')) {
    const cds = root.dict('clientDataSerialization');
    // 2013: `Enabled` switches it on and saved data is always reused.
    // master: present means on; `UseOldData` false wipes the folder at start.
    const enabled = cds.has('Enabled') || cds.has('enabled') ? cds.boolean('Enabled', cds.boolean('enabled', false)) : true;
    const reuseOldData = cds.boolean('UseOldData', true);
    const dir = enabled ? cds.string('Path') : (cds.markUsed('Path'), '');
    if (enabled && dir) clientDataSerialization = { path: path.resolve(path.dirname(configFile.file.abs), dir), reuseOldData };
    cds.finish();
  }

  const workers = readWorkers(root);
  const workerCount = root.number('workerCount', { integer: true, min: 1 }, 1);
  const workerID = root.number('workerID', { integer: true, min: 0 }, 0);
  if (workerID >= workerCount) root.error('workerID', `expected an integer below workerCount (${workerCount}), got ${workerID}`);

  // Accounts.
  let accounts: LoadsimConfig['accounts'] | undefined;
  if (given && root.has('accounts')) {
    // The manager loaded them (and dropped those of disabled pods); the loader's files may not be here.
    const entry = root.dict('accounts');
    const written = entry.raw('loader');
    // A loader module of the user's is not imported here: its records came with the start message.
    const plugin: Resolved<AccountLoaderDefinition> | undefined =
      typeof written === 'string' && isModuleReference(written)
        ? { source: 'module', written, modulePath: written, exportName: 'records sent by the manager', definition: { name: written, summary: 'records sent by the manager', params: {}, openParams: true, load: () => given.accounts } }
        : await ctx.registry.resolve<AccountLoaderDefinition>('accounts', written, entry.at('loader'));
    entry.markUsed('loader', 'params');
    entry.finish();
    if (plugin) accounts = { plugin, params: {}, path: entry.scope.path, records: given.accounts, loadedCount: given.accounts.length };
  } else if (!root.has('accounts')) {
    root.markUsed('accounts');
    root.error('accounts', 'missing; expected {loader, params}, e.g. loader recordsFromCSVFile with params {path}');
  } else {
    const entry = root.dict('accounts');
    const errorsBefore = problems.errors.length;
    const configured = await readConfigured<AccountLoaderDefinition>('accounts', entry, 'loader', ctx);
    entry.finish();
    if (configured) {
      let records: AccountRecord[] | undefined;
      const plugin = configured.plugin;
      // A generating loader builds every record in memory at once: bound it before it runs (see limits.ts).
      const count = configured.params.count;
      if (typeof count === 'number' && count > MAX_GENERATED_ACCOUNTS) {
        entry.at('params').child('count').error(`expected an integer from 1 to ${MAX_GENERATED_ACCOUNTS}, got ${count} (for more users, give each machine a CSV file of its own)`);
      }
      if (problems.errors.length === errorsBefore) {
        const name = plugin.definition.name;
        try {
          records = await plugin.definition.load(configured.params, entry.at('params'));
        } catch (e) {
          entry.at('loader').error(`${name} failed: ${(e as Error).message}`, e);
        }
        if (plugin.source === 'module' && records !== undefined) {
          if (!Array.isArray(records)) {
            entry.error('loader', `${name} returned ${describeValue(records)}, expected an array of records`);
            records = undefined;
          } else {
            // The user's records are checked here, not trusted: a record without a uid would crash the run later.
            const bad = records.findIndex((r) => !isDict(r) || typeof r.uid !== 'string' || r.uid === '' || typeof r.password !== 'string');
            if (bad >= 0) {
              entry.error('loader', `${name} returned a bad record at index ${bad}: expected {uid, password, commonName, email} with string uid and password, got ${describeValue(records[bad])}`);
              records = undefined;
            }
          }
        }
      }
      if (records) {
        const pathParam = configured.params.path;
        const csv = typeof pathParam === 'object' && pathParam !== null && 'abs' in pathParam ? (pathParam as FileParam) : undefined;
        // Where a repeated uid comes from: the CSV file, the uid pattern of a generating loader, or a loader whose params are its own business.
        const p = entry.at('params');
        const dupScope = plugin.definition.openParams ? entry.at('loader') : csv ? p.child('path') : 'uidPattern' in configured.params ? p.child('uidPattern') : 'uid' in configured.params ? p.child('uid') : entry.at('loader');
        checkDuplicateAccounts(records, dupScope, csv);
        const loadedCount = records.length;
        // Only users on an enabled pod take part (master's filterRecords).
        if (shape === 'master') {
          const enabledPods = new Set(servers.filter((s) => s.enabled).map((s) => s.id));
          records = records.filter((r) => enabledPods.has(r.podID ?? DEFAULT_POD));
        }
        accounts = { ...configured, records, loadedCount };
      }
    }
  }

  // The clients file: its `clients` replaces config's, its `arrivalInterval` overrides the arrival interval.
  let kindsSource: unknown;
  let kindsScope: Scope;
  let arrivalInterval: { value: number; scope: Scope } | undefined;
  if (clientsFile) {
    const cScope = new Scope(problems, clientsFile.file);
    if (!isDict(clientsFile.value)) {
      cScope.error(`expected a <dict> with "clients" at the top, got ${describeValue(clientsFile.value)}`);
      throw fail();
    }
    const c = new ParamReader(clientsFile.value, cScope);
    kindsSource = c.raw('clients');
    kindsScope = c.at('clients');
    const ai = c.optionalNumber('arrivalInterval', { min: 0, max: MAX_WAIT_SECONDS });
    if (ai !== undefined) arrivalInterval = { value: ai, scope: c.at('arrivalInterval') };
    c.finish();
    if (root.has('clients')) root.at('clients').warning(`ignored: the clients come from ${clientsFile.file.display}`);
    root.markUsed('clients');
  } else {
    kindsSource = root.raw('clients');
    kindsScope = root.at('clients');
  }

  // Arrival.
  let arrival: LoadsimConfig['arrival'] | undefined;
  const arrivalEntry = root.has('arrival') ? root.dict('arrival') : new ParamReader({ factory: 'SmoothRampUp', params: { ...smoothRampUpDefaults } }, root.at('arrival'));
  root.markUsed('arrival');
  {
    const errorsBefore = problems.errors.length;
    const configured = await readConfigured<ArrivalDefinition>('arrival', arrivalEntry, 'factory', ctx, (raw) => {
      if (!arrivalInterval) return raw;
      return { ...raw, interval: arrivalInterval.value };
    });
    arrivalEntry.finish();
    if (configured) {
      const plugin = configured.plugin;
      if (arrivalInterval && !plugin.definition.openParams && !('interval' in plugin.definition.params)) {
        arrivalInterval.scope.warning(`ignored: the arrival policy ${plugin.written} has no interval`);
      }
      let policy: ArrivalPolicy | null = null;
      if (problems.errors.length === errorsBefore) {
        try {
          policy = plugin.definition.create(configured.params);
        } catch (e) {
          arrivalEntry.at('factory').error(e instanceof PluginShapeError ? e.message : `${plugin.definition.name} failed: ${(e as Error).message}`, e);
        }
      }
      arrival = { ...configured, policy };
    }
  }

  // Observers.
  const observers: Configured<ObserverDefinition>[] = [];
  const rawObservers = root.raw('observers');
  if (rawObservers !== undefined && !Array.isArray(rawObservers)) root.error('observers', `expected an array of {type, params}, got ${describeValue(rawObservers)}`);
  for (let i = 0; i < ((rawObservers as unknown[] | undefined) ?? []).length; i++) {
    const entry = ParamReader.of((rawObservers as unknown[])[i], root.at('observers').child(i));
    const configured = await readConfigured<ObserverDefinition>('observer', entry, 'type', ctx);
    entry.finish();
    if (configured) observers.push(configured);
  }

  const clients = await readClientKinds(kindsSource, kindsScope!, ctx, generation);
  root.finish();

  // A schedule small enough to lay out (see limits.ts); checked before anything walks it.
  if (arrival?.policy) {
    const { totalUsers, clientsPerUser } = arrival.policy;
    if (totalUsers * clientsPerUser > MAX_CLIENTS) {
      arrivalEntry.at('params').error(`expected at most ${MAX_CLIENTS} clients in all, got ${totalUsers} users × ${clientsPerUser} client${clientsPerUser === 1 ? '' : 's'} each = ${totalUsers * clientsPerUser}`);
    }
  }

  // Enough accounts for everyone the schedule brings?
  if (accounts && arrival?.policy) {
    const needed = arrival.policy.totalUsers;
    const have = accounts.records.length;
    if (have < needed) {
      const dropped = accounts.loadedCount - have;
      root.at('accounts').error(
        `the arrival schedule needs ${needed} users (${arrival.policy.describe()}) but there are only ${have} accounts` +
          (dropped > 0 ? ` (${dropped} more are on disabled pods)` : ''),
      );
    }
  }

  if (problems.hasErrors || !accounts || !arrival) throw fail();
  return {
    config: {
      files: { config: configFile.file.abs, clients: clientsFile ? clientsFile.file.abs : null },
      generation,
      generationSource,
      shape,
      staggerFirstTicks,
      servers,
      principalPathTemplate,
      webadmin,
      http,
      startupRetry,
      results,
      clientDataSerialization,
      accounts,
      arrival,
      observers,
      workers,
      workerID,
      workerCount,
      clients,
    },
    warnings: problems.warnings,
  };
}
