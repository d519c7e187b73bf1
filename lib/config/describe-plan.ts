import { describeConnectionModel } from '../caldav/connection-model.js';
import { withoutCredentials } from '../observers/request-logger.js';
import path from 'node:path';
import type { DistributionSpec } from '../params/distribution-spec.js';
import type { FileParam, ParamSpec, ParamValue, ParamValues } from '../params/param-spec.js';
import type { Configured, LoadsimConfig } from './config-types.js';
import { clientsPerKind } from '../population/client-cycle.js';
import { resolvedName, type PluginDefinition, type Resolved } from '../params/registry.js';
import type { SpecDefinition } from '../registry/definitions.js';
import { filesOutsideConfigFolder } from './outside-files.js';
import { describeGeneration, generationEffects } from '../params/generation.js';

const isDistribution = (v: ParamValue): v is DistributionSpec => typeof v === 'object' && v !== null && 'description' in v && 'create' in v;
const isFile = (v: ParamValue): v is FileParam => typeof v === 'object' && v !== null && 'abs' in v && 'written' in v;

function formatValue(v: ParamValue, unit?: string): string {
  if (isFile(v)) return v.written === v.abs ? v.abs : `${v.written} (${v.abs})`;
  if (Array.isArray(v)) return `[${v.join(', ')}]`;
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return unit ? `${v} ${unit}` : String(v);
  if (typeof v === 'object' && v !== null) return JSON.stringify(v);
  return String(v);
}

function name(r: Resolved<PluginDefinition>): string {
  return resolvedName(r);
}

/** A profile's name, marked when it is a generation's own variant, e.g. `Inviter (2013)`. */
function profileName(r: Resolved<PluginDefinition & { generation?: string }>): string {
  return r.definition.generation ? `${name(r)} (${r.definition.generation})` : name(r);
}


/** Params as `key=value` on one line, distributions each on a line of their own. */
function describeParams(c: Configured<SpecDefinition>, indent: string, skip: readonly string[] = []): string[] {
  const spec: ParamSpec = c.plugin.definition.params;
  const simple: string[] = [];
  const dists: string[] = [];
  for (const [key, value] of Object.entries(c.params as ParamValues)) {
    if (value === undefined || skip.includes(key)) continue;
    if (isDistribution(value)) dists.push(`${indent}  ${key}: ${value.description}`);
    else {
      const def = spec[key];
      simple.push(`${key}=${formatValue(value, def && def.type === 'number' ? def.unit : undefined)}`);
    }
  }
  return [...(simple.length ? [`${indent}${simple.join(', ')}`] : []), ...dists];
}

const pct = (n: number, total: number) => (total ? ((100 * n) / total).toFixed(1) : '0.0');
const rel = (abs: string, cwd: string) => {
  const r = path.relative(cwd, abs);
  return r === '' || r.startsWith('..') || path.isAbsolute(r) ? abs : r;
};

/** What a run with this config would do, for `loadsim validate` and the demo. */
export function describePlan(config: LoadsimConfig, cwd = process.cwd()): string {
  const out: string[] = [];
  out.push(`config:  ${rel(config.files.config, cwd)}  (${config.shape === '2013' ? 'one `server`, as in 2013' : '`servers` pods, as in master'})`);
  out.push(`clients: ${config.files.clients ? rel(config.files.clients, cwd) : '(from the config file)'}`);
  out.push(describeGeneration(config.generation, config.generationSource, config.shape));
  out.push(...generationEffects(config.generation, config.staggerFirstTicks));
  out.push('');
  out.push('Servers');
  for (const s of config.servers) {
    const stats = s.stats?.enabled ? `, stats socket port ${s.stats.port}` : '';
    out.push(`  ${s.id}: ${withoutCredentials(s.uri)}${s.enabled ? '' : ' (disabled)'}${stats}`);
  }
  out.push(`  principal path template: ${config.principalPathTemplate}`);
  const h = config.http;
  out.push(`HTTP: TLS verification ${h.tlsVerify ? 'on' : 'OFF (self-signed accepted)'}, timeout ${h.requestTimeoutSeconds} s, bodies up to ${(h.maxResponseBytes / 1048576).toFixed(0)} MB, idle connections closed after ${h.keepAliveSeconds} s`);
  out.push(`Connections: ${describeConnectionModel(h.connectionModel, h.connectionsPerClient, h.connectionsPerServer)}`);
  const r = config.startupRetry;
  if (r) {
    const until = r.maxAttempts === 1 ? 'never (the original: a client failure at once)' : `after ${r.initialSeconds} s, ×${r.multiplier} each time up to ${r.maxSeconds} s, up to ${Math.round(r.jitter * 100)} % sooner at random, ${r.maxAttempts ? `${r.maxAttempts} attempts in all` : 'until the run ends'}`;
    out.push(`Startup retry: ${until}`);
  }
  out.push(`Web admin: ${config.webadmin.enabled ? `on, port ${config.webadmin.port}` : 'off'}`);
  out.push(
    `Client data: ${config.clientDataSerialization ? `${config.clientDataSerialization.path} (${config.clientDataSerialization.reuseOldData ? 'saved data reused' : 'cleared at start'})` : 'not saved'}`,
  );
  const w = config.workers;
  out.push(`Workers: ${!w ? 'none (one process)' : w.mode === 'commands' ? `${w.commands.length} worker commands` : `${w.count} local processes`}`);
  out.push('');

  const acc = config.accounts;
  const policy = config.arrival.policy;
  const users = policy?.totalUsers ?? 0;
  const perUser = policy?.clientsPerUser ?? 1;
  const dropped = acc.loadedCount - acc.records.length;
  out.push(
    `Accounts: ${acc.records.length} records from ${name(acc.plugin)}${dropped ? ` (${dropped} more on disabled pods)` : ''}; ${users} used`,
  );
  out.push(...describeParams(acc, '  '));
  out.push(`Arrival: ${name(config.arrival.plugin)}: ${policy ? policy.describe() : '(a module of your own)'}`);
  if (policy) out.push(`  ${users} users × ${perUser} client${perUser === 1 ? '' : 's'} = ${users * perUser} clients`);
  out.push('');

  const counts = clientsPerKind(config.clients.map((k) => k.weight), users, perUser);
  const totalClients = users * perUser;
  out.push('Client kinds (each kind taken `weight` times in a row, in order)');
  config.clients.forEach((kind, i) => {
    out.push(`  [${i}] "${kind.title}": ${name(kind.plugin)}, weight ${kind.weight} → ${counts[i]} clients (${pct(counts[i]!, totalClients)}%)`);
    out.push(...describeParams(kind, '      ', ['title']));
    const on = kind.profiles.filter((p) => p.enabled);
    const off = kind.profiles.filter((p) => !p.enabled);
    out.push(`      profiles: ${on.length} enabled${off.length ? `, ${off.length} disabled (${off.map((p) => name(p.plugin)).join(', ')})` : ''}`);
    for (const p of on) {
      out.push(`        ${profileName(p.plugin)}`);
      out.push(...describeParams(p, '          ', ['enabled']));
    }
  });
  out.push('');
  out.push('Observers');
  if (config.observers.length === 0) out.push('  none');
  for (const o of config.observers) {
    out.push(`  ${name(o.plugin)}`);
    out.push(...describeParams(o, '    '));
  }
  const outside = filesOutsideConfigFolder(config);
  if (outside.length) {
    out.push('');
    out.push("Files outside the config's folder (allowed; check that they are the ones you mean)");
    for (const f of outside) out.push(`  ${f.keyPath}: ${f.written} → ${f.abs} (outside ${f.folder})`);
  }
  return out.join('\n');
}
