import { DavHttp } from '../../lib/caldav/http.js';
import { CalDAVClient, type ClientParams } from '../../lib/clients/client.js';
import { MODELS, type ModelName } from '../../lib/clients/models.js';
import { RealClock } from '../../lib/core/clock.js';
import type { ResponseEvent, SimEvent } from '../../lib/core/events.js';
import { Random } from '../../lib/core/random.js';
import type { Testbed } from '../../lib/testbed/server.js';
import type { Generation } from '../../lib/params/generation.js';

export interface Harness {
  client: CalDAVClient;
  events: SimEvent[];
  /** Labels of the response events so far, in order. */
  labels(): string[];
  responses(): ResponseEvent[];
  /** Forget the events so far. */
  mark(): void;
}

const https = new Map<string, DavHttp>();
/** One DavHttp per testbed, as the simulator shares one per origin. */
export function httpFor(tb: Testbed): DavHttp {
  let h = https.get(tb.url);
  if (!h) https.set(tb.url, (h = new DavHttp({ origin: tb.url, clock: new RealClock() })));
  return h;
}

export async function closeHttp(): Promise<void> {
  await Promise.all([...https.values()].map((h) => h.close()));
  https.clear();
}

/**
 * The generation a model is tested as here: 10.11 exists only in master; the
 * other three are the 2013 models (trace.test.ts checks each model in both).
 */
export const generationOf = (model: ModelName): Generation => (model === 'OS_X_10_11' ? 'master' : '2013');

export function makeClient(tb: Testbed, model: ModelName, uid: string, params: Partial<ClientParams> = {}, instanceNumber = 0, keepEvents = true): Harness {
  const events: SimEvent[] = [];
  const record = tb.store.users.get(uid)!.record;
  const client = new CalDAVClient({
    model: MODELS[model],
    params: { unauthenticatedPercentage: 0, calendarHomePollInterval: 3600, ...params },
    record,
    serverUri: tb.url,
    principalPathTemplate: '/principals/users/%s/',
    http: httpFor(tb),
    clock: new RealClock(),
    random: new Random('test').derive(`${uid}/${model}/${instanceNumber}`),
    emit: keepEvents ? (e) => events.push(e) : () => {},
    instanceNumber,
    generation: generationOf(model),
  });
  const h: Harness = {
    client,
    events,
    labels: () => events.filter((e): e is ResponseEvent => e.type === 'response').map((e) => e.label),
    responses: () => events.filter((e): e is ResponseEvent => e.type === 'response'),
    mark: () => void events.splice(0),
  };
  return h;
}
