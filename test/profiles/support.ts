import { CalDAVClient } from '../../lib/clients/client.js';
import { generationOf } from '../clients/support.js';
import { MODELS, type ModelName } from '../../lib/clients/models.js';
import { RealClock, type Clock } from '../../lib/core/clock.js';
import type { ParamValues } from '../../lib/params/param-spec.js';
import { ParamReader } from '../../lib/params/params.js';
import { readParams } from '../../lib/params/param-spec.js';
import { Problems, Scope, sourceFile } from '../../lib/params/problems.js';
import type { OperationEvent, SimEvent } from '../../lib/core/events.js';
import type { AccountRecord } from '../../lib/core/account-record.js';
import type { PopulationView, Profile, ProfileContext } from '../../lib/registry/profile.js';
import { Random } from '../../lib/core/random.js';
import { createRegistry } from '../../lib/config/builtins.js';
import type { ProfileDefinition } from '../../lib/registry/definitions.js';
import type { Testbed } from '../../lib/testbed/server.js';

const registry = createRegistry();

/** A profile's params as the config loader gives them: validated, defaults applied, distributions resolved. */
export async function profileParams(name: string, raw: Record<string, unknown> = {}, clock: Clock = new RealClock()): Promise<ParamValues> {
  const def = registry.definitions('profile').find((d) => d.name === name) as ProfileDefinition;
  const problems = new Problems();
  const params = await readParams(def.params, new ParamReader(raw, new Scope(problems, sourceFile('test.plist'), 'params')), { registry, clock, cwd: process.cwd() });
  if (problems.hasErrors) throw new Error(problems.errors.map((p) => `${p.path}: ${p.message}`).join('; '));
  return params;
}

export function definition(name: string): ProfileDefinition {
  return registry.definitions('profile').find((d) => d.name === name) as ProfileDefinition;
}

/** `{type: FixedDistribution, params: {value}}`, as a plist would write it. */
export const fixed = (value: unknown) => ({ type: 'FixedDistribution', params: { value } });

/** The simplest PopulationView: records by user number. */
export function populationOf(records: readonly AccountRecord[]): PopulationView {
  return {
    records,
    randomUserNumber(random, besides) {
      const others = records.map((_, i) => i).filter((i) => i !== besides);
      return others.length ? random.pick(others) : undefined;
    },
  };
}

// One DavHttp per testbed, shared with the client tests.
import { httpFor } from '../clients/support.js';
export { closeHttp, httpFor } from '../clients/support.js';

export interface Sim {
  client: CalDAVClient;
  events: SimEvent[];
  operations(label?: string): OperationEvent[];
  /** Make a profile for this client from the catalog, with params as a plist would give them. */
  profile(name: string, raw?: Record<string, unknown>, seed?: string): Promise<Profile>;
}

/**
 * A client of `uid` on the testbed, on `clock` (virtual in most tests: its
 * polls only happen when a test calls poll(); HTTP itself is real), and a
 * maker of profiles sharing its event list.
 */
export function simFor(tb: Testbed, model: ModelName, uid: string, clock: Clock, opts: { seed?: string; records?: readonly AccountRecord[] } = {}): Sim {
  const events: SimEvent[] = [];
  const records = opts.records ?? [...tb.store.users.values()].map((u) => u.record);
  const userNumber = records.findIndex((r) => r.uid === uid);
  const root = new Random(opts.seed ?? 'profiles');
  const client = new CalDAVClient({
    model: MODELS[model],
    params: { unauthenticatedPercentage: 0, calendarHomePollInterval: 3600 },
    record: tb.store.users.get(uid)!.record,
    serverUri: tb.url,
    principalPathTemplate: '/principals/users/%s/',
    http: httpFor(tb),
    clock,
    random: root.derive(`${uid}/client`),
    emit: (e) => events.push(e),
    instanceNumber: 0,
    generation: generationOf(model),
  });
  return {
    client,
    events,
    operations: (label) => events.filter((e): e is OperationEvent => e.type === 'operation' && (label === undefined || e.label === label)),
    async profile(name, raw = {}, seed) {
      const ctx: ProfileContext = {
        client,
        userNumber,
        params: await profileParams(name, raw, clock),
        clock,
        random: (seed ? new Random(seed) : root).derive(`${uid}/${name}`),
        emit: (e) => events.push(e),
        population: populationOf(records),
      };
      return definition(name).create!(ctx);
    },
  };
}

/** Wait (real time) until `predicate` holds: the HTTP behind a virtual-time tick is real and asynchronous. */
export async function until(predicate: () => boolean, what = 'condition', timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** The operation ends seen so far with this label. */
export const ends = (sim: Sim, label: string) => sim.operations(label).filter((e) => e.phase === 'end');
