import type { ParamSpec } from '../params/param-spec.js';
import type { ClientModelDefinition } from './definitions.js';
import { MODELS, type ModelBehaviour, type ModelName } from '../clients/models.js';

/** The four Apple client models and their clients.plist parameters; the engine is lib/clients/client.ts. */

/** The params every client model takes in clients.plist. */
export const clientModelParams: ParamSpec = {
  title: { type: 'string', doc: 'name in reports and the User-Agent (default: the model name)' },
  calendarHomePollInterval: { type: 'number', rule: { positive: true }, unit: 's', default: 900, doc: 'seconds between polls of the calendar home' },
  supportPush: { type: 'boolean', default: true, doc: 'use XMPP push when the home advertises it (not implemented; CalendarServer does not advertise XMPP)' },
  supportAmpPush: { type: 'boolean', default: true, doc: 'wait for AMP push, not polling, when the calendar home carries a pushkey (polls if the push host cannot be reached)' },
  ampPushHost: { type: 'string', doc: 'AMP push host (2013 spelling)' },
  ampPushHosts: { type: 'strings', doc: 'AMP push hosts (default: the server host)' },
  ampPushPort: { type: 'number', rule: { integer: true, min: 1, max: 65535 }, default: 62311, doc: 'AMP push port' },
  unauthenticatedPercentage: { type: 'number', rule: { min: 0, max: 100 }, default: 30, doc: 'percent of requests first sent without credentials' },
};

/** The 2013 clients had no unauthenticated first requests (ical.py at 2013 has no such parameter). */
const { unauthenticatedPercentage: _masterOnly, ...params2013 } = clientModelParams;

const model = (name: ModelName, summary: string): ClientModelDefinition => {
  const master: ClientModelDefinition = { name, defaultTitle: MODELS[name].defaultTitle, userAgent: MODELS[name].userAgent, summary, params: clientModelParams, behaviour: MODELS[name] };
  // What a config of the 2013 generation gets (lib/params/generation.ts).
  return { ...master, generations: { '2013': { ...master, params: params2013, generation: '2013' } } };
};

export const builtinClientModels: readonly ClientModelDefinition[] = [
  model('OS_X_10_6', 'iCal 4 on Snow Leopard: PROPFIND polling, multiget batches of 200'),
  model('OS_X_10_7', 'iCal 5 on Lion: well-known discovery, sync-collection, multiget batches of 50'),
  model('OS_X_10_11', 'Calendar on El Capitan: home sync, notification sync, sharing'),
  model('iOS_5', 'iOS 5: calendar-query polling, no attendee lookups'),
];

/** What a client model of your own changes from the built-in it is based on. */
export interface ClientModelOptions extends Partial<Omit<ModelBehaviour, 'name'>> {
  /** Its name in clients.plist and reports. */
  name: string;
  /** The built-in model whose requests and bodies it starts from. */
  basedOn: ModelName;
  summary?: string;
}

/**
 * A client model of your own: a built-in's behaviour with changes (another
 * User-Agent, multiget batch size, discovery, polling by PROPFIND instead of
 * sync, …), named from clients.plist as `./my-model.js#Name`:
 *
 *   export const Thunderbird = defineClientModel({ name: 'Thunderbird', basedOn: 'OS_X_10_6', userAgent: 'Mozilla/5.0 … Thunderbird/115.0' });
 */
export function defineClientModel(o: ClientModelOptions): ClientModelDefinition {
  const { name, basedOn, summary, ...changes } = o;
  const behaviour: ModelBehaviour = { ...MODELS[basedOn], ...changes, name };
  return { name, summary: summary ?? `based on ${basedOn}`, defaultTitle: behaviour.defaultTitle === MODELS[basedOn].defaultTitle && changes.defaultTitle === undefined ? name : behaviour.defaultTitle, userAgent: behaviour.userAgent, params: clientModelParams, behaviour };
}
