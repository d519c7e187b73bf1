import { builtinDistributions } from '../../distributions/index.js';
import { builtinProfiles } from '../../profiles/catalog.js';
import { builtinClientModels } from '../registry/client-models.js';
import { errorLogger, operationLogger, reportStatistics, requestLogger, simpleStatistics } from '../observers/catalog.js';
import { generateRecordsLoader, recordsFromCountLoader, recordsFromCSVFileLoader } from '../population/accounts.js';
import { constantArrivalRate } from '../population/arrival/constant-arrival-rate.js';
import { smoothRampUp } from '../population/arrival/smooth-ramp-up.js';
import { moduleAdapters } from './module-adapters.js';
import { Registry, type ModuleAdapter, type PluginKind } from '../params/registry.js';

// Where the original kept each kind, so its dotted names resolve unchanged.
const ORIGINAL = 'contrib.performance';
const LOADTEST = `${ORIGINAL}.loadtest`;

/** A registry holding everything loadsim ships, under its short names and the original's dotted names. */
export function createRegistry(): Registry {
  const r = new Registry();
  // What a user's module may export for each kind, made into the same definitions as these.
  for (const [kind, adapter] of Object.entries(moduleAdapters) as [PluginKind, ModuleAdapter][]) r.adapt(kind, adapter);
  // The unmerged 2015 clientsim branch kept distributions in loadtest.distributions.
  for (const d of builtinDistributions) r.register('distribution', d, [`${ORIGINAL}.stats`, `${LOADTEST}.distributions`]);
  for (const p of builtinProfiles) r.register('profile', p, [`${LOADTEST}.profiles`]);
  for (const c of builtinClientModels) r.register('client', c, [`${LOADTEST}.ical`]);
  r.register('arrival', smoothRampUp, [`${LOADTEST}.population`]);
  r.register('arrival', constantArrivalRate, [`${LOADTEST}.population`]);
  r.register('observer', reportStatistics, [`${LOADTEST}.population`]);
  r.register('observer', simpleStatistics, [`${LOADTEST}.population`]);
  r.register('observer', requestLogger, [`${LOADTEST}.ical`]);
  r.register('observer', errorLogger, [`${LOADTEST}.ical`]);
  r.register('observer', operationLogger, [`${LOADTEST}.profiles`]);
  for (const a of [recordsFromCSVFileLoader, generateRecordsLoader, recordsFromCountLoader]) r.register('accounts', a, [`${LOADTEST}.sim`]);
  return r;
}
