import { CALENDAR_LIST_PROPFIND, EXPAND_PROXIES, FIRST_TIME_PROPPATCHES, HOME_PROPS, HOME_SYNC_PROPS_10_11, PRINCIPAL_PROPFIND } from '../caldav/bodies.js';

export type ModelName = 'OS_X_10_6' | 'OS_X_10_7' | 'OS_X_10_11' | 'iOS_5';

/**
 * What distinguishes the four Apple clients (the original's ical.py): one engine, these
 * data. Everything a model does differently is here, so a fifth model is a
 * new entry, not new code.
 */
export interface ModelBehaviour {
  /** A built-in's ModelName, or the name of a model of your own (lib/registry/client-models.ts defineClientModel). */
  readonly name: string;
  readonly defaultTitle: string;
  readonly userAgent: string;
  readonly extraHeaders: Readonly<Record<string, string>>;
  readonly multigetBatchSize: number;
  /** 10.6 asks the principal path directly; the others start at /.well-known/caldav. */
  readonly discovery: 'principal-path' | 'well-known';
  readonly principalPropfind: string;
  readonly homeProps: readonly string[];
  /** Calendars polled by sync-collection (else PROPFIND Depth 1, or calendar-query for iOS 5). */
  readonly calendarSync: boolean;
  /** iOS 5: VEVENT calendars by a time-range calendar-query, VTODO by a plain one. */
  readonly calendarQuery: boolean;
  /** Attendee lookups before inviting: principal-property-search, CalendarServer's principal search, or none (iOS 5). */
  readonly attendeeLookup: 'psearch' | 'cpsearch' | null;
  /** 10.11: later polls sync the home itself instead of a PROPFIND. */
  readonly homeSync: boolean;
  /** 10.11: sync-collection on the notification collection, and sharing invitations accepted. */
  readonly notificationSync: boolean;
  /**
   * 10.11: the client of instance 0 PROPFINDs the inbox (Depth 1) after its calendars at every
   * poll (ical.py BaseAppleClient._poll, master). Master's other models reach the same code and
   * fail there for want of a body (a TypeError that ends the client); loadsim leaves it out.
   */
  readonly inboxPropfind: boolean;
  readonly firstTimeProppatches: readonly string[];
  /** The expand-property REPORT after the first poll (none for iOS 5). */
  readonly firstTimeExpand: string | null;
  readonly calendarListPropfind: string;
  /** 10.11: the props of the home's sync-collection (homeSync). */
  readonly homeSyncProps?: readonly string[];
}

const APPLE_HEADERS = { Accept: '*/*', 'Accept-Language': 'en-us', 'Accept-Encoding': 'gzip,deflate', Connection: 'keep-alive' } as const;

export const MODELS: Readonly<Record<ModelName, ModelBehaviour>> = {
  OS_X_10_6: {
    name: 'OS_X_10_6',
    defaultTitle: 'OS X 10.6',
    userAgent: 'DAVKit/4.0.3 (732); CalendarStore/4.0.3 (991); iCal/4.0.3 (1388); Mac OS X/10.6.4 (10F569)',
    extraHeaders: {},
    multigetBatchSize: 200,
    discovery: 'principal-path',
    principalPropfind: PRINCIPAL_PROPFIND.OS_X_10_6,
    homeProps: HOME_PROPS.OS_X_10_6,
    calendarSync: false,
    calendarQuery: false,
    attendeeLookup: 'psearch',
    homeSync: false,
    notificationSync: false,
    inboxPropfind: false,
    firstTimeProppatches: FIRST_TIME_PROPPATCHES.OS_X_10_6,
    firstTimeExpand: EXPAND_PROXIES.OS_X_10_6,
    calendarListPropfind: CALENDAR_LIST_PROPFIND.OS_X_10_6,
  },
  OS_X_10_7: {
    name: 'OS_X_10_7',
    defaultTitle: 'OS X 10.7',
    userAgent: 'CalendarStore/5.0.2 (1166); iCal/5.0.2 (1571); Mac OS X/10.7.3 (11D50)',
    extraHeaders: APPLE_HEADERS,
    multigetBatchSize: 50,
    discovery: 'well-known',
    principalPropfind: PRINCIPAL_PROPFIND.OS_X_10_7,
    homeProps: HOME_PROPS.OS_X_10_7,
    calendarSync: true,
    calendarQuery: false,
    attendeeLookup: 'psearch',
    homeSync: false,
    notificationSync: false,
    inboxPropfind: false,
    firstTimeProppatches: FIRST_TIME_PROPPATCHES.OS_X_10_6,
    firstTimeExpand: EXPAND_PROXIES.other,
    calendarListPropfind: CALENDAR_LIST_PROPFIND.other,
  },
  OS_X_10_11: {
    name: 'OS_X_10_11',
    defaultTitle: 'OS X 10.11',
    userAgent: 'Mac+OS+X/10.11 (15A283) CalendarAgent/361 Simulator',
    extraHeaders: APPLE_HEADERS,
    multigetBatchSize: 50,
    discovery: 'well-known',
    principalPropfind: PRINCIPAL_PROPFIND.OS_X_10_11,
    homeProps: HOME_PROPS.OS_X_10_11,
    homeSyncProps: HOME_SYNC_PROPS_10_11,
    calendarSync: true,
    calendarQuery: false,
    attendeeLookup: 'cpsearch',
    homeSync: true,
    notificationSync: true,
    inboxPropfind: true,
    firstTimeProppatches: FIRST_TIME_PROPPATCHES.OS_X_10_11,
    firstTimeExpand: EXPAND_PROXIES.other,
    calendarListPropfind: CALENDAR_LIST_PROPFIND.other,
  },
  iOS_5: {
    name: 'iOS_5',
    defaultTitle: 'iOS 5',
    userAgent: 'iOS/5.1 (9B179) dataaccessd/1.0',
    extraHeaders: APPLE_HEADERS,
    multigetBatchSize: 50,
    discovery: 'well-known',
    principalPropfind: PRINCIPAL_PROPFIND.OS_X_10_7,
    homeProps: HOME_PROPS.OS_X_10_7,
    calendarSync: false,
    calendarQuery: true,
    attendeeLookup: null,
    homeSync: false,
    notificationSync: false,
    inboxPropfind: false,
    firstTimeProppatches: FIRST_TIME_PROPPATCHES.iOS_5,
    firstTimeExpand: null,
    calendarListPropfind: CALENDAR_LIST_PROPFIND.other,
  },
};

/** Size suffix of labels (the original's ical.py): ≤ 5 small, > 5 medium, > 20 large, > 75 huge. */
export function sizeSuffix(count: number): 'small' | 'medium' | 'large' | 'huge' {
  return count > 75 ? 'huge' : count > 20 ? 'large' : count > 5 ? 'medium' : 'small';
}
