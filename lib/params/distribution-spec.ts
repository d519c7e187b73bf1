import type { Clock } from '../core/clock.js';
import type { Distribution, DistributionContext, DistributionDefinition } from './distribution.js';
import { Random } from '../core/random.js';
import { resolvedName, type Registry } from './registry.js';
import { ParamReader } from './params.js';
import { Problems, Scope, describeValue, isDict } from './problems.js';

/**
 * A validated `{type, params}` entry of a plist. Validation happens once, at load;
 * each client or profile then builds its own instance with its own random stream,
 * so no two owners share (and shift) one generator.
 */
export interface DistributionSpec {
  /** The name as written in the plist. */
  readonly written: string;
  /** One line for `loadsim validate`. */
  readonly description: string;
  create(ctx: DistributionContext): Distribution<unknown>;
}

function describeInstance(d: Distribution<unknown>, fallback: string): string {
  return typeof d.describe === 'function' ? d.describe() : fallback;
}

/** Resolve and validate one distribution entry found at `scope`. */
export async function resolveDistribution(value: unknown, scope: Scope, registry: Registry, clock: Clock): Promise<DistributionSpec | undefined> {
  if (!isDict(value) || value.type === undefined) {
    scope.error(`expected a distribution dict with "type" and "params", got ${describeValue(value)}`);
    return undefined;
  }
  for (const key of Object.keys(value)) if (key !== 'type' && key !== 'params') scope.child(key).warning('unknown key, ignored');
  const resolved = await registry.resolve<DistributionDefinition>('distribution', value.type, scope.child('type'));
  if (!resolved) return undefined;
  const paramsScope = scope.child('params');
  const params = value.params ?? {};
  if (!isDict(params)) {
    paramsScope.error(`expected a dict, got ${describeValue(params)}`);
    return undefined;
  }
  // A throwaway stream: checking must not consume anyone's numbers.
  const probe: DistributionContext = { random: new Random('validate'), clock };

  // A built-in and a user's module alike (a user's plain class is wrapped: lib/config/module-adapters.ts).
  const def = resolved.definition;
  const reader = new ParamReader(params, paramsScope);
  const instance = def.create(reader, probe);
  if (!instance || !reader.ok) return undefined;
  // Valid parameters that still cannot give a sample (a maximum below the bulk): refused here, not mid-run.
  const issues = def.samplingIssues?.(instance) ?? [];
  for (const issue of issues) (issue.key ? paramsScope.child(issue.key) : paramsScope).error(issue.message);
  if (issues.length > 0) return undefined;
  const label = resolvedName(resolved);
  return {
    written: resolved.written,
    description: describeInstance(instance, label),
    create(ctx) {
      // Already validated: problems here cannot happen, but never lose them silently.
      const problems = new Problems();
      const d = def.create(new ParamReader(params, new Scope(problems, paramsScope.file, paramsScope.path)), ctx);
      if (!d) throw new Error(`${def.name} could not be built: ${problems.errors.map((p) => p.message).join('; ')}`);
      return d;
    },
  };
}
