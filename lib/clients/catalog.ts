import type { ParamSpec } from '../config/param-spec.js';
import type { ClientModelDefinition } from '../registry/definitions.js';

/**
 * The four Apple client models. Their constructor parameters are checked today;
 * the engine that makes them talk CalDAV lands with issue #5.
 */
const PLANNED = 5;

const params: ParamSpec = {
  title: { type: 'string', doc: 'name in reports and the User-Agent (default: the model name)' },
  calendarHomePollInterval: { type: 'number', rule: { positive: true }, unit: 's', default: 900, doc: 'seconds between polls of the calendar home' },
  supportPush: { type: 'boolean', default: true, doc: 'use XMPP push when the server offers it' },
  supportAmpPush: { type: 'boolean', default: true, doc: 'use AMP push when the server offers it' },
  ampPushHost: { type: 'string', doc: 'AMP push host (2013 spelling)' },
  ampPushHosts: { type: 'strings', doc: 'AMP push hosts (default: the server host)' },
  ampPushPort: { type: 'number', rule: { integer: true, min: 1, max: 65535 }, default: 62311, doc: 'AMP push port' },
  unauthenticatedPercentage: { type: 'number', rule: { min: 0, max: 100 }, default: 30, doc: 'percent of requests first sent without credentials' },
};

const model = (name: string, defaultTitle: string, userAgent: string, summary: string): ClientModelDefinition => ({
  name,
  defaultTitle,
  userAgent,
  summary,
  plannedIn: PLANNED,
  params,
});

export const builtinClientModels: readonly ClientModelDefinition[] = [
  model('OS_X_10_6', 'OS X 10.6', 'DAVKit/4.0.3 (732); CalendarStore/4.0.3 (991); iCal/4.0.3 (1388); Mac OS X/10.6.4 (10F569)', 'iCal 4 on Snow Leopard: PROPFIND polling, multiget batches of 200'),
  model('OS_X_10_7', 'OS X 10.7', 'CalendarStore/5.0.2 (1166); iCal/5.0.2 (1571); Mac OS X/10.7.3 (11D50)', 'iCal 5 on Lion: well-known discovery, sync-collection, multiget batches of 50'),
  model('OS_X_10_11', 'OS X 10.11', 'Mac+OS+X/10.11 (15A283) CalendarAgent/361 Simulator', 'Calendar on El Capitan: home sync, notification sync, sharing'),
  model('iOS_5', 'iOS 5', 'iOS/5.1 (9B179) dataaccessd/1.0', 'iOS 5: calendar-query polling, no attendee lookups'),
];
